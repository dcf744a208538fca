#!/usr/bin/env bash
# The comparison benchmarks in one run against one emulator: get_token
# latency vs raw hyper, throughput at 64 callers vs the official Python SDK,
# CLI peak RSS, and offline APIM token minting vs Python's hmac.
#
#   scripts/bench.sh             # 10 s per throughput run
#   scripts/bench.sh 20
#
# The Python side reuses the interop venv (target/interop-venv, made as
# scripts/interop/run.sh makes it: azure-communication-identity 1.5.0 from PyPI).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

venv="$root/target/interop-venv"
if [[ ! -x "$venv/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "azure-communication-identity==1.5.0" \
    "azure-mgmt-apimanagement==5.0.0" \
    "azure-identity"

cargo bench --bench versus -- --python "$venv/bin/python" --seconds "${1:-10}"
