"""get_token throughput of the official azure-communication-identity SDK.

Usage: sdk_throughput.py ENDPOINT ACCESS_KEY THREADS SECONDS

Each thread has its own CommunicationIdentityClient (HMAC, plain HTTP to the
emulator) and issues voip tokens for one user in a loop; after a one-second
warm-up, calls are counted for SECONDS. Prints {"per_second", "calls", "errors"}.
"""

import json
import sys
import threading
import time

from azure.communication.identity import CommunicationIdentityClient, CommunicationTokenScope
from azure.core.credentials import AzureKeyCredential


def main():
    endpoint, key, threads, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    user = CommunicationIdentityClient(endpoint, AzureKeyCredential(key)).create_user()
    state = {"measuring": False, "stop": False}
    counts = [[0, 0] for _ in range(threads)]

    def caller(index):
        client = CommunicationIdentityClient(endpoint, AzureKeyCredential(key))
        while not state["stop"]:
            try:
                client.get_token(user, scopes=[CommunicationTokenScope.VOIP])
                ok = True
            except Exception:  # counted, not fatal: the figure is throughput
                ok = False
            if state["measuring"]:
                counts[index][0 if ok else 1] += 1

    workers = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(1.0)
    state["measuring"] = True
    started = time.perf_counter()
    time.sleep(seconds)
    state["measuring"] = False
    elapsed = time.perf_counter() - started
    state["stop"] = True
    for worker in workers:
        worker.join(timeout=30)
    calls = sum(c[0] for c in counts)
    errors = sum(c[1] for c in counts)
    print(json.dumps({"per_second": calls / elapsed, "calls": calls, "errors": errors}))


if __name__ == "__main__":
    main()
