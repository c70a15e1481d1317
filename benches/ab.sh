#!/usr/bin/env bash
# A/B timing of commits on the same input, for changes smaller than this
# machine's run-to-run noise (5-30% on the project's VM): builds each
# commit's release binary, then runs them in turn, ROUNDS times, each
# `m53audit audit -j 1 -q` over the same generated archive, and reports the
# minimum and the median user CPU seconds per commit. Alternating the
# builds spreads the machine's slow spells over all of them; compare the
# minimum and the median, not single runs. (Instruction counts do not
# settle it: the automaton walk is bound by dependent loads, not by
# instructions.)
# Usage: benches/ab.sh [-n ROUNDS] [-b BYTES] [-m MIX] REV [REV...]
# Defaults: 9 rounds, 50000000 bytes, dense mix (the most findings per byte).
# Example: benches/ab.sh 8b972bd HEAD
set -euo pipefail
rounds=9
bytes=50000000
mix=dense
while getopts "n:b:m:" opt; do
  case "$opt" in
    n) rounds="$OPTARG" ;;
    b) bytes="$OPTARG" ;;
    m) mix="$OPTARG" ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
  sed -n '2,14p' "$0"
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/benches/worktrees.sh"

# One target directory for every build: the dependencies compile once.
revs=()
for rev in "$@"; do
  sha="$(git -C "$root" rev-parse --short "$rev^{commit}")"
  git -C "$root" worktree add --detach --quiet "$work/tree-$sha" "$sha"
  echo "building $rev ($sha)" >&2
  CARGO_TARGET_DIR="$work/target" cargo build --release --quiet \
    --manifest-path "$work/tree-$sha/Cargo.toml" --bin m53audit
  cp "$work/target/release/m53audit" "$work/m53audit-$sha"
  revs+=("$sha")
done

cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p m53gen
"$root/target/release/m53gen" --seed 53 --bytes "$bytes" --mix "$mix" -o "$work/input.jsonl"

for _ in $(seq "$rounds"); do
  for sha in "${revs[@]}"; do
    /usr/bin/time -f "$sha %U" "$work/m53audit-$sha" audit "$work/input.jsonl" -j 1 -q \
      2>&1 >/dev/null | tail -n 1
  done
done | sort -k1,1 -k2,2n | awk -v rounds="$rounds" -v order="${revs[*]}" '
  { runs[$1] = runs[$1] " " $2; n[$1]++ }
  END {
    printf "%s rounds, user CPU seconds of `audit -j 1`:\n", rounds
    # In the order the commits were given.
    split(order, keys, " ")
    for (i = 1; i in keys; i++) {
      k = keys[i]
      split(substr(runs[k], 2), v, " ")
      printf "%s  min %s  median %s  all %s\n", k, v[1], v[int((n[k] + 1) / 2)], substr(runs[k], 2)
    }
  }'
