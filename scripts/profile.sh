#!/usr/bin/env bash
# Instructions per get_token call (callgrind), for each contender of the
# versus bench: our client, plain reqwest, raw hyper. Instruction counts do
# not depend on the machine's load, so they compare changes on a busy machine.
#
#   scripts/profile.sh                 # ours reqwest raw, 200 and 1200 calls
#   scripts/profile.sh ours            # one contender
#   CALLS="200 2200" scripts/profile.sh ours
#   CALLERS=64 scripts/profile.sh      # 64 concurrent callers on the 2-worker
#                                      # throughput runtime, 640 and 3200 calls
#   CACHE=1 scripts/profile.sh         # cachegrind instead: instructions and
#                                      # simulated L1 instruction and data cache
#                                      # misses per call (what callgrind's
#                                      # instruction counts do not show)
#
# Each contender runs twice under callgrind (the emulator, a child process,
# runs natively); the difference between the runs divided by the extra calls
# is one call's cost. Writes target/profile/<who>-<calls>.out and prints the
# totals, the cost by crate and the costliest functions
# (scripts/callgrind_per_call.py). Needs valgrind (apt-get install valgrind).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v valgrind >/dev/null || {
    echo "valgrind is missing: apt-get install valgrind" >&2
    exit 2
}
if [[ "${CALLERS:-1}" == 64 ]]; then
    mode=(--calls-64) suffix=-64 default="640 3200"
else
    mode=(--calls) suffix="" default="200 1200"
fi
read -r short long <<<"${CALLS:-$default}"
who=("$@")
[[ ${#who[@]} -gt 0 ]] || who=(ours reqwest raw)

bench="$(cargo bench --bench versus --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "versus" and m.get("executable"):
        print(m["executable"])')"
[[ -x "$bench" ]] || {
    echo "could not build the versus bench" >&2
    exit 1
}
mkdir -p target/profile
if [[ "${CACHE:-0}" == 1 ]]; then
    for contender in "${who[@]}"; do
        for calls in "$short" "$long"; do
            valgrind --tool=cachegrind --cache-sim=yes \
                --cachegrind-out-file="target/profile/$contender$suffix-$calls.cache.out" \
                "$bench" "${mode[@]}" "$contender" "$calls" >/dev/null \
                2>"target/profile/$contender$suffix-$calls.cache.log"
        done
        # The two runs' difference per extra call, event by event.
        python3 - "target/profile/$contender$suffix-$short.cache.out" \
            "target/profile/$contender$suffix-$long.cache.out" "$((long - short))" "$contender$suffix" <<'PY'
import sys
def read(path):
    events = summary = None
    for line in open(path):
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            summary = [int(n) for n in line.split()[1:]]
    return dict(zip(events, summary))
short, long = read(sys.argv[1]), read(sys.argv[2])
calls = int(sys.argv[3])
per_call = {e: max(0.0, (long[e] - short[e]) / calls) for e in long}
print(f"== {sys.argv[4]}: per call, instructions {per_call['Ir']:,.0f}; L1 misses: "
      f"instruction {per_call['I1mr']:,.0f}, data read {per_call['D1mr']:,.0f}, "
      f"data write {per_call['D1mw']:,.0f}; last-level misses "
      f"{per_call['ILmr'] + per_call['DLmr'] + per_call['DLmw']:,.0f}")
PY
    done
    exit 0
fi
for contender in "${who[@]}"; do
    for calls in "$short" "$long"; do
        valgrind --tool=callgrind --callgrind-out-file="target/profile/$contender$suffix-$calls.out" \
            "$bench" "${mode[@]}" "$contender" "$calls" >/dev/null \
            2>"target/profile/$contender$suffix-$calls.log"
    done
    echo "== $contender${suffix:+ (${CALLERS} callers)}"
    python3 scripts/callgrind_per_call.py "target/profile/$contender$suffix-$short.out" \
        "target/profile/$contender$suffix-$long.out" "$((long - short))" "${TOP:-40}"
    echo
done
