#!/usr/bin/env bash
# Reproduces the peer figures of the README's NegEx table (not run by CI).
# Creates benches/peers/.venv with medspaCy 1.3.1 and negspacy, then scores
# them on the NegEx test set next to m53audit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
negex="${1:-$root/../shared/corpora/negex/rsAnnotations-1-120-random.txt}"
if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install --quiet "medspacy==1.3.1" negspacy
fi
"$here/.venv/bin/python" "$here/negex_peers.py" "$negex"
echo
(cd "$root" && cargo run --release --quiet -- assert --negex "$negex")
