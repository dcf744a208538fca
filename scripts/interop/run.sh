#!/usr/bin/env bash
# Official-SDK interop: the Python Azure SDKs, unmodified, against the emulator.
#
#   scripts/interop/run.sh
#
# Makes a venv under target/interop-venv, installs azure-communication-identity
# 1.5.0, azure-mgmt-apimanagement 5.0.0 and azure-identity, builds the
# emulator, starts it twice on free loopback ports (HTTPS with its own CA, and
# plain HTTP), runs official_sdks.py against both, and stops them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

venv="$root/target/interop-venv"
python="${PYTHON:-python3}"
if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "azure-communication-identity==1.5.0" \
    "azure-mgmt-apimanagement==5.0.0" \
    "azure-identity"

cargo build --quiet --bin azure-user-tokens
binary="$root/target/debug/azure-user-tokens"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# start_emulator NAME ARGS...: starts it, waits for its `ready:` line.
start_emulator() {
    local name="$1"
    shift
    "$binary" emulator --listen 127.0.0.1:0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 1 300); do
        if grep -q '^ready:' "$work/$name.out"; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "the $name emulator exited early:" >&2
            cat "$work/$name.out" "$work/$name.err" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "the $name emulator did not become ready in 30 s" >&2
    return 1
}

start_emulator tls --tls --ca-file "$work/ca.pem"
start_emulator http

# The SDKs use requests: trust the emulator's CA (and only it) for HTTPS.
REQUESTS_CA_BUNDLE="$work/ca.pem" SSL_CERT_FILE="$work/ca.pem" \
    "$venv/bin/python" "$root/scripts/interop/official_sdks.py" "$work/tls.out" "$work/http.out"
