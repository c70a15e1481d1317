#!/usr/bin/env bash
# Benchmark of the HTML review report at 10,000 notes (not run by CI):
# builds the report from 10,000 real MTSamples transcriptions (cycled, with
# billed codes), prints its size, and the time from navigation start until
# the worklist is rendered in headless Chromium (the page records it in
# <body data-render-ms>). Needs ../shared/corpora/mtsamples and chromium.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
n="${1:-10000}"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
python3 - "$root/../shared/corpora/mtsamples/mtsamples.csv" "$n" > "$work/notes.jsonl" <<'PY'
import csv, json, random, sys
rows = [r["transcription"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")) if r["transcription"].strip()]
rng = random.Random(53)
codes = [["M53.83"], ["M54.2"], ["M50.23"], ["M47.812"], [], ["M54.50"]]
for i in range(int(sys.argv[2])):
    print(json.dumps({"id": f"note-{i:05d}", "text": rows[i % len(rows)], "billed": rng.choice(codes)}))
PY
"$root/target/release/m53audit" audit "$work/notes.jsonl" --format html -o "$work/report.html" -q || true
size=$(stat -c %s "$work/report.html")
echo "notes: $n"
echo "report size: $size bytes ($(python3 -c "print(round($size/1e6, 1))") MB)"
for run in 1 2 3; do
  profile="$(mktemp -d)"
  ms=$(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$profile" --dump-dom "file://$work/report.html" 2>/dev/null \
      | grep -o 'data-render-at="[0-9]*"' | grep -o '[0-9]*')
  rm -rf "$profile"
  echo "run $run: worklist rendered ${ms} ms after navigation start"
done
profile="$(mktemp -d)"
last=$(printf 'note-%05d' $((n - 1)))
if chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --virtual-time-budget=30000 --dump-dom "file://$work/report.html#note=$last" 2>/dev/null \
    | grep -q "data-note-ready=\"$last\""; then
  echo "note view: $last opens (details decompressed in the browser)"
else
  echo "note view: $last did NOT open" >&2
  exit 1
fi
rm -rf "$profile"
