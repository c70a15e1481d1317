#!/usr/bin/env bash
# Instruction counts of commits on the same input, for changes smaller
# than this machine's timing noise: builds each commit's release binary,
# then counts the instructions (valgrind's cachegrind, deterministic) of
# `m53audit audit -j 1 -q` over a generated archive and over its first
# note alone, and reports the per-archive difference (the work on the
# notes, start-up taken out) and its ratio to the first commit. A count is
# not a time (the automaton walk is bound by memory loads): report it
# beside `benches/ab.sh`, not instead of it.
# Usage: benches/ir.sh [-b BYTES] [-m MIX] REV [REV...]
# Defaults: 3000000 bytes, realistic mix.
set -euo pipefail
bytes=3000000
mix=realistic
while getopts "b:m:" opt; do
  case "$opt" in
    b) bytes="$OPTARG" ;;
    m) mix="$OPTARG" ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
  sed -n '2,11p' "$0"
  exit 2
fi
command -v valgrind >/dev/null || { echo "benches/ir.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/benches/worktrees.sh"

cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p m53gen
"$root/target/release/m53gen" --seed 53 --bytes "$bytes" --mix "$mix" -o "$work/input.jsonl"
head -n 1 "$work/input.jsonl" > "$work/one.jsonl"

count() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 \
    | sed -n 's/.*I *refs: *//p' | tr -d ','
}

first=""
for rev in "$@"; do
  sha="$(git -C "$root" rev-parse --short "$rev^{commit}")"
  git -C "$root" worktree add --detach --quiet "$work/tree-$sha" "$sha"
  echo "building $rev ($sha)" >&2
  CARGO_TARGET_DIR="$work/target" cargo build --release --quiet \
    --manifest-path "$work/tree-$sha/Cargo.toml" --bin m53audit
  bin="$work/target/release/m53audit"
  all="$(count "$bin" audit "$work/input.jsonl" -j 1 -q -o /dev/null)"
  one="$(count "$bin" audit "$work/one.jsonl" -j 1 -q -o /dev/null)"
  notes=$((all - one))
  first="${first:-$notes}"
  awk -v s="$sha" -v n="$notes" -v f="$first" -v b="$bytes" \
    'BEGIN { printf "%s  %d instructions on the notes  %.1f a byte  x%.3f\n", s, n, n / b, n / f }'
done
