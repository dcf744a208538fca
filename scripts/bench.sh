#!/usr/bin/env bash
# The comparison benchmarks in one run against one emulator: get_token
# latency and throughput at 64 callers against the same bytes through plain
# reqwest and raw hyper, throughput against the official Python SDK, CLI
# peak RSS, and offline APIM token minting vs Python's hmac.
#
#   scripts/bench.sh versus          # 12 s of throughput per contender (3 rounds)
#   scripts/bench.sh versus 30       # 30 s each
#   scripts/bench.sh 30              # the same (versus is the default)
#
# The Python side reuses the interop venv (target/interop-venv, made as
# scripts/interop/run.sh makes it: azure-communication-identity 1.5.0 from PyPI).
# Instruction counts per call (load-independent): scripts/profile.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ "${1:-}" == "versus" ]]; then
    shift
fi

venv="$root/target/interop-venv"
if [[ ! -x "$venv/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "azure-communication-identity==1.5.0" \
    "azure-mgmt-apimanagement==5.0.0" \
    "azure-identity"

cargo bench --bench versus -- --python "$venv/bin/python" --seconds "${1:-12}"
