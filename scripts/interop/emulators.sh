# Emulators for the interop runs, sourced by scripts/interop/run.sh.
#
#   start_emulator NAME ARGS...   start `azure-user-tokens emulator --output json`
#                                 on a free loopback port; its JSON document is
#                                 then in $work/NAME.json
#   stop_emulators                SIGTERM every emulator started, and wait
#
# Needs $binary (the CLI) and $work (a scratch directory) set by the caller.

emulator_pids=()

start_emulator() {
    local name="$1"
    shift
    "$binary" emulator --listen 127.0.0.1:0 --output json "$@" \
        >"$work/$name.json" 2>"$work/$name.err" &
    local pid=$!
    emulator_pids+=("$pid")
    # Ready once its one line (the JSON document) is complete.
    for _ in $(seq 1 300); do
        if [[ "$(wc -l <"$work/$name.json")" -ge 1 ]]; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "the $name emulator exited early:" >&2
            cat "$work/$name.json" "$work/$name.err" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "the $name emulator did not become ready in 30 s" >&2
    return 1
}

stop_emulators() {
    local pid
    for pid in "${emulator_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${emulator_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    emulator_pids=()
}
