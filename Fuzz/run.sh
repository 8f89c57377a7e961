#!/bin/sh
# Runs each libFuzzer target for SECONDS on its committed seeds (Fuzz/Seeds/TARGET)
# and a corpus of its own, and fails at the first finding; the input that
# found it is left in ARTIFACTS as crash-*, leak-*, timeout-* or oom-*.
#
#   Fuzz/run.sh BIN_DIR SECONDS CORPUS_DIR ARTIFACTS [TARGET...]
#
# `make test` runs each for a few seconds with a fresh corpus (BIN_DIR
# .build/debug, FUZZ_FLAGS=-seed=1 so that a run is the same every time);
# `make fuzz` for minutes, with the corpus kept between runs.
set -eu
# The Swift runtime's backtracer would catch a trap before libFuzzer saves the input.
bin=$1 seconds=$2 corpora=$3 artifacts=$4
shift 4
targets=${*:-FuzzEventStream FuzzEventRoundTrip FuzzHTTPRequest FuzzLuaValues}
seeds=$(dirname "$0")/Seeds
mkdir -p "$artifacts"
for target in $targets; do
    mkdir -p "$corpora/$target"
    log="$artifacts/$target.log"
    # -timeout: one input may run for 10 s (a script stopped by its run budget takes 20 ms).
    # shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags
    if SWIFT_BACKTRACE=enable=no "$bin/$target" ${FUZZ_FLAGS:-} -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$target-" "$corpora/$target" "$seeds/$target" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz: $target: ${runs:-?} inputs in ${seconds} s, no finding"
    else
        echo "fuzz: $target found something (input in $artifacts/$target-*):" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
done
