#!/usr/bin/env bash
# Proof of no change: builds two commits' release binaries and compares
# their output byte for byte on the sample corpus, the gold dev sets, the
# MTSamples transcriptions, the NegEx set and a 3 MB slice of each
# benchmark mix (JSONL records, CSV rows, the HTML report, eval, explain and
# assert output). Prints one line per output, `same` or `DIFFERS`, and exits
# 1 if any differs. Needs ../shared/corpora (the evaluation data).
# Usage: benches/same-output.sh OLD [NEW]   (NEW defaults to the work tree)
# Example: benches/same-output.sh HEAD~3
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,9p' "$0"
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="$root/../shared/corpora"
[ -d "$shared" ] || { echo "same-output.sh: $shared not found" >&2; exit 2; }
. "$root/benches/worktrees.sh"

# build NAME REV|-: a release binary of a commit (or of the work tree).
build() {
  local name="$1" rev="$2" manifest="$root/Cargo.toml"
  if [ "$rev" != "-" ]; then
    git -C "$root" worktree add --detach --quiet "$work/tree-$name" "$rev"
    manifest="$work/tree-$name/Cargo.toml"
  fi
  echo "building $name ($rev)" >&2
  CARGO_TARGET_DIR="$work/target" cargo build --release --quiet --manifest-path "$manifest" --bin m53audit
  cp "$work/target/release/m53audit" "$work/m53audit-$name"
}
build old "$1"
build new "${2:--}"

# The generator of the work tree writes the benchmark slices for both.
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p m53gen
"$root/target/release/m53gen" --seed 53 --bytes 3000000 -o "$work/realistic.jsonl"
"$root/target/release/m53gen" --seed 53 --bytes 3000000 --mix dense -o "$work/dense.jsonl"

# run NAME: every output of one binary into $work/out-NAME/.
run() {
  local bin="$work/m53audit-$1" out="$work/out-$1"
  mkdir -p "$out"
  (
    cd "$root"
    "$bin" audit corpora/sample -q >"$out/sample.jsonl" || true
    "$bin" audit corpora/sample -q --format csv >"$out/sample.csv" || true
    "$bin" audit "$shared/gold-dev.jsonl" -q >"$out/gold-dev.jsonl" || true
    "$bin" audit "$shared/gold-dev.jsonl" -q --format html -o "$out/gold-dev.html" || true
    "$bin" audit "$shared/gold-dev-charts.jsonl" -q >"$out/gold-dev-charts.jsonl" || true
    "$bin" audit "$shared/mtsamples/mtsamples.csv" --text-column transcription -q >"$out/mtsamples.jsonl" || true
    "$bin" audit "$work/realistic.jsonl" -q >"$out/realistic.jsonl" || true
    "$bin" audit "$work/dense.jsonl" -q --format csv >"$out/dense.csv" || true
    "$bin" eval "$shared/gold-dev.jsonl" >"$out/eval.txt" || true
    "$bin" eval "$shared/gold-dev-charts.jsonl" --json >"$out/eval-charts.json" || true
    "$bin" assert --negex "$shared/negex/rsAnnotations-1-120-random.txt" >"$out/negex.txt" || true
    for f in corpora/sample/*.txt; do
      "$bin" explain "$f" >>"$out/explain.txt" || true
    done
  )
}
run old
run new

status=0
for f in "$work"/out-old/*; do
  name="$(basename "$f")"
  if cmp -s "$f" "$work/out-new/$name"; then
    printf 'same     %-22s %s bytes\n' "$name" "$(wc -c <"$f")"
  else
    printf 'DIFFERS  %s\n' "$name"
    status=1
  fi
done
exit "$status"
