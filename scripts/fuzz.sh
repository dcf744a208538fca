#!/usr/bin/env bash
# Runs each cargo-fuzz target for a given time and records the run.
#
#   scripts/fuzz.sh                 # 60 s per target, every target
#   scripts/fuzz.sh 300             # 5 minutes per target
#   scripts/fuzz.sh 30 sas_token    # one target
#
# cargo-fuzz needs nightly compiler flags (-Zsanitizer=address); only the
# stable toolchain exists here, so RUSTC_BOOTSTRAP=1 lets stable rustc accept
# them (its AddressSanitizer runtime ships with the stable std component).
# Installs cargo-fuzz from crates.io when it is missing. Writes the summary
# to fuzz/last-run.md; a crash leaves its input in fuzz/artifacts/<target>/
# and makes the script exit 1 (turn it into a regression test in the main
# crate, then delete the artifact).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(connection_string jwt_expiry sas_token spec_converter expiry retry_after token_response)
fi

export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
cargo fuzz build --debug-assertions

# The converter starts from the project's own specs plus a minimal seed.
spec_corpus="fuzz/corpus/spec_converter"
mkdir -p "$spec_corpus"
find specs -name '*.json' -size -64k -exec cp -n {} "$spec_corpus/" \;

summary="fuzz/last-run.md"
{
    echo "| target | seconds | executions | exec/s | corpus | crashes |"
    echo "|---|---:|---:|---:|---:|---:|"
} >"$summary.tmp"
failed=0
for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    artifacts="fuzz/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    before=$(find "$artifacts" -type f | wc -l)
    args=(-max_total_time="$seconds" -print_final_stats=1)
    if [[ -f "fuzz/dicts/$target.dict" ]]; then
        args+=(-dict="fuzz/dicts/$target.dict")
    fi
    if [[ $target == spec_converter ]]; then
        args+=(-max_len=16384)
    fi
    log="$(mktemp)"
    echo "== $target: ${seconds}s"
    set +e
    cargo fuzz run --debug-assertions "$target" "$corpus" "fuzz/seeds/$target" -- "${args[@]}" >"$log" 2>&1
    status=$?
    set -e
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    after=$(find "$artifacts" -type f | wc -l)
    crashes=$((after - before))
    if [[ $status -ne 0 && $crashes -eq 0 ]]; then
        crashes=1
    fi
    entries=$(find "$corpus" -type f | wc -l)
    echo "| $target | $seconds | ${runs:-?} | ${rate:-?} | $entries | $crashes |" >>"$summary.tmp"
    if [[ $crashes -ne 0 ]]; then
        failed=1
        echo "!! $target crashed; see $artifacts and the tail of its log:"
        tail -40 "$log"
    fi
    rm -f "$log"
done
{
    echo "Last run: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(rustc --version), RUSTC_BOOTSTRAP=1, AddressSanitizer, debug assertions."
    echo
    cat "$summary.tmp"
} >"$summary"
rm -f "$summary.tmp"
cat "$summary"
exit "$failed"
