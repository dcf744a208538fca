#!/usr/bin/env bash
# Official-SDK interop: the Azure SDKs for Python and JavaScript, unmodified,
# against the emulator.
#
#   scripts/interop/run.sh              # both
#   scripts/interop/run.sh python       # or: js
#
# Python: a venv under target/interop-venv with azure-communication-identity
# 1.5.0, azure-mgmt-apimanagement 5.0.0 and azure-identity 1.27.0; runs
# python/official_sdks.py.
# JavaScript (node 20 or later): `npm ci` in js/ into js/node_modules
# (git-ignored), from js/package.json and the committed js/package-lock.json:
# @azure/communication-identity 1.3.1, @azure/arm-apimanagement 10.0.0,
# @azure/identity 4.13.1 (4.13.2+ needs node 22), @azure/core-auth 1.10.1;
# `overrides` hold the shared @azure/core-* packages at their last releases
# for node 20, and js/.npmrc's engine-strict makes `npm ci` fail rather than
# install anything that needs a newer node. Runs js/official_sdks.mjs.
#
# Each language gets two fresh emulators on free loopback ports — HTTPS with
# its own CA, and plain HTTP — started by emulators.sh with `--output json`;
# the SDK program reads their JSON documents, and they are stopped after it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
interop="$root/scripts/interop"
# shellcheck source=scripts/interop/emulators.sh
source "$interop/emulators.sh"

languages=("$@")
if [[ ${#languages[@]} -eq 0 ]]; then
    languages=(python js)
fi
for language in "${languages[@]}"; do
    case "$language" in
        python | js) ;;
        *)
            echo "usage: scripts/interop/run.sh [python] [js]" >&2
            exit 2
            ;;
    esac
done

work="$(mktemp -d)"
trap 'stop_emulators; rm -rf "$work"' EXIT

setup_python() {
    local venv="$root/target/interop-venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        "${PYTHON:-python3}" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "azure-communication-identity==1.5.0" \
        "azure-mgmt-apimanagement==5.0.0" \
        "azure-identity==1.27.0" \
        "azure-core==1.41.0" "azure-mgmt-core==1.6.0" "msal==1.39.0"
}

run_python() {
    # The SDKs use requests: trust the emulator's CA (and only it) for HTTPS.
    REQUESTS_CA_BUNDLE="$work/ca-python.pem" SSL_CERT_FILE="$work/ca-python.pem" \
        "$root/target/interop-venv/bin/python" "$interop/python/official_sdks.py" \
        "$work/python-tls.json" "$work/python-http.json"
}

setup_js() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "error: the JavaScript interop needs node 20 or later and npm" >&2
        exit 1
    fi
    local major
    major="$(node -p 'process.versions.node.split(".")[0]')"
    if ((major < 20)); then
        echo "error: the JavaScript interop needs node 20 or later, not $(node --version)" >&2
        exit 1
    fi
    # npm ci wipes node_modules: only when the lock file changed since the last install.
    local js="$interop/js"
    if ! cmp -s "$js/package-lock.json" "$js/node_modules/.installed-package-lock.json"; then
        (cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$js/package-lock.json" "$js/node_modules/.installed-package-lock.json"
    fi
}

run_js() {
    # The SDKs' bearer policies need https: trust the emulator's CA for it.
    NODE_EXTRA_CA_CERTS="$work/ca-js.pem" \
        node "$interop/js/official_sdks.mjs" "$work/js-tls.json" "$work/js-http.json"
}

cargo build --quiet --bin azure-user-tokens
binary="$root/target/debug/azure-user-tokens"

for language in "${languages[@]}"; do
    SECONDS=0
    "setup_$language"
    echo "interop ($language): dependencies ready in ${SECONDS} s"
    start_emulator "$language-tls" --tls --ca-file "$work/ca-$language.pem"
    start_emulator "$language-http"
    "run_$language"
    stop_emulators
    echo "interop ($language): done in ${SECONDS} s"
done
