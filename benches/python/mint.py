"""Offline APIM user-token minting with Python's standard hmac, on one thread.

Usage: mint.py USER_ID KEY EXPIRY_EPOCH_SECONDS SECONDS EXPECTED_TOKEN

The same work as SharedAccessToken::mint: truncate the expiry to the minute,
sign "<uid>\\n<yyyy-MM-ddTHH:mm:ss.0000000Z>" with HMAC-SHA512 keyed by the
key's UTF-8 bytes, base64 the signature, render "<uid>&<yyyyMMddHHmm>&<sig>".
Checks the first token against EXPECTED_TOKEN (the Rust result), then counts
tokens for SECONDS. Prints {"per_second", "tokens"}.
"""

import base64
import datetime
import hashlib
import hmac
import json
import sys
import time


def mint(user_id, key, expiry):
    expiry = expiry.replace(second=0, microsecond=0)
    to_sign = f"{user_id}\n{expiry:%Y-%m-%dT%H:%M:%S}.0000000Z"
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha512).digest()
    return f"{user_id}&{expiry:%Y%m%d%H%M}&{base64.b64encode(signature).decode('ascii')}"


def main():
    user_id, key, epoch, seconds, expected = sys.argv[1:6]
    key = key.encode("utf-8")
    expiry = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    first = mint(user_id, key, expiry)
    if first != expected:
        sys.exit(f"python minted {first!r}, rust {expected!r}")
    tokens = 0
    started = time.perf_counter()
    deadline = started + float(seconds)
    while time.perf_counter() < deadline:
        for _ in range(1000):
            mint(user_id, key, expiry)
        tokens += 1000
    elapsed = time.perf_counter() - started
    print(json.dumps({"per_second": tokens / elapsed, "tokens": tokens}))


if __name__ == "__main__":
    main()
