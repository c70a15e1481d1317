#!/usr/bin/env bash
# End-to-end scaling benchmark on the synthetic archive (not run by CI):
# wall time, CPU use and peak RSS of `-j 1`, of `-j 1` confined to one core
# (reader, worker and writer share it), of `-j 2`, and of two `-j 1`
# processes side by side on the two halves of the input, free and pinned
# one to each core (what the machine gives two busy cores, without any of
# the program's parallelism).
# Usage: benches/scaling.sh [BYTES] [MIX] (default 200000000 realistic; the
# README's table uses the whole 1 GB archive with the commands it lists).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bytes="${1:-200000000}"
mix="${2:-realistic}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/m53audit"
"$root/target/release/m53gen" --seed 53 --bytes "$bytes" --mix "$mix" -o "$work/all.jsonl"
lines=$(wc -l < "$work/all.jsonl")
head -n $((lines / 2)) "$work/all.jsonl" > "$work/a.jsonl"
tail -n +$((lines / 2 + 1)) "$work/all.jsonl" > "$work/b.jsonl"
t() { /usr/bin/time -f "%e s wall, %P CPU, %M KB peak RSS" "$@" 2>&1 >/dev/null | tail -1; }
echo "input: $bytes bytes, $lines notes ($mix mix)"
echo "-j 1:                 $(t "$bin" audit "$work/all.jsonl" -j 1 -q -o /dev/null)"
echo "-j 1 on one core:     $(t taskset -c 0 "$bin" audit "$work/all.jsonl" -j 1 -q -o /dev/null)"
echo "-j 2:                 $(t "$bin" audit "$work/all.jsonl" -j 2 -q -o /dev/null)"
start=$(date +%s.%N)
"$bin" audit "$work/a.jsonl" -j 1 -q -o /dev/null &
"$bin" audit "$work/b.jsonl" -j 1 -q -o /dev/null
wait
end=$(date +%s.%N)
echo "2 x -j 1 side by side: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s wall for both halves"
start=$(date +%s.%N)
taskset -c 0 "$bin" audit "$work/a.jsonl" -j 1 -q -o /dev/null &
taskset -c 1 "$bin" audit "$work/b.jsonl" -j 1 -q -o /dev/null
wait
end=$(date +%s.%N)
echo "2 x -j 1, one core each: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s wall for both halves"
