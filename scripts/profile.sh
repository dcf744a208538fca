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
