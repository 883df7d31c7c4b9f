#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) from the seeded corpus, and fails on the first crash, leak,
# timeout or out-of-memory. Needs the nightly toolchain and cargo-fuzz. Prints each target's executions.
#
#   bash fuzz/smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
targets=(load_and_validate batch_line plain_line_equals_full_reader engine_equals_reference canonical_round_trip fixture_file merged_inputs_name_their_source log_records_ignore_chunking plain_event_equals_full_reader effective_access_equals_reference findings_point_at_their_member)

bash fuzz/seed-corpus.sh
cargo +nightly fuzz build
for target in "${targets[@]}"; do
  log=$(mktemp)
  echo "--- $target: ${seconds}s"
  # -rss_limit_mb: the inputs are small, so anything near it is a memory blow-up; -timeout: one input, 10 s.
  if ! cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    grep -A12 -m1 'panicked' "$log" || true
    tail -n 40 "$log"
    echo "FUZZ FAILURE in $target: the crashing input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "$target: $runs executions in ${seconds}s, no crash"
  rm -f "$log"
done
