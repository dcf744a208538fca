#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for tests/broker_browser.rs (needs root
# when they are missing):
#
#   scripts/browser.sh && cargo test --test broker_browser -- --ignored
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
