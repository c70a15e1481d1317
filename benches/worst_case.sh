#!/usr/bin/env bash
# Runs the worst-case group and prints, for each pattern, the time per
# byte at 10 KB, 100 KB and 1 MB and the ratio of 1 MB to 10 KB (linear
# cost: about 1; the budget: under 2).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench worst_case -- --noplot "$@" >&2
python3 - <<'PY'
import json, pathlib
root = pathlib.Path("target/criterion/worst_case")
worst = 0.0
print(f"{'pattern':16} {'ns/B 10KB':>10} {'ns/B 100KB':>11} {'ns/B 1MB':>10} {'1MB/10KB':>9}")
for p in sorted(d for d in root.iterdir() if d.is_dir() and d.name != "report"):
    per = {}
    for size in (10000, 100000, 1000000):
        est = json.loads((p / str(size) / "new" / "estimates.json").read_text())
        nbytes = json.loads((p / str(size) / "new" / "benchmark.json").read_text())["throughput"]["Bytes"]
        per[size] = est["median"]["point_estimate"] / nbytes
    ratio = per[1000000] / per[10000]
    worst = max(worst, ratio)
    print(f"{p.name:16} {per[10000]:10.2f} {per[100000]:11.2f} {per[1000000]:10.2f} {ratio:9.2f}")
print(f"worst ratio {worst:.2f} (budget 2.00)")
PY
