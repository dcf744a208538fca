#!/usr/bin/env bash
# Soak: 64 concurrent clients against the emulator for 60 s; zero errors,
# resident memory of the clients and of the emulator sampled every second.
#
#   scripts/soak.sh              # 60 s, 64 clients
#   scripts/soak.sh 300 64       # seconds, clients
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo bench --bench soak -- "${1:-60}" "${2:-64}"
