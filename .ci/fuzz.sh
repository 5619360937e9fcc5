#!/usr/bin/env bash
# Coverage-guided fuzzing of viewlib: cargo-fuzz (libFuzzer) on stable Rust, no sanitizer.
# Builds every target in viewlib/fuzz, then runs each for FUZZ_SECONDS (default 45) on a
# throwaway corpus, starting from fuzz/seeds/<target> and replaying fuzz/regressions/<target>.
# Exits non-zero if any target crashes (panic, failed assertion, timeout, out of memory); the
# failing inputs are left in viewlib/fuzz/artifacts/<target>/.
#
#   bash .ci/fuzz.sh                 # all targets
#   FUZZ_SECONDS=300 bash .ci/fuzz.sh load views
#   VIEWLIB_FUZZ_ALLOC_ASSERT=0 bash .ci/fuzz.sh load   # without the peak-heap assertion
#
# Scratch files go to a directory in $TMPDIR (default /dev/shm: throughput is 3-14x that of a
# disk-backed /tmp), removed at the end. CARGO_BUILD_JOBS limits the build's parallelism.
set -euo pipefail
cd "$(dirname "$0")/../viewlib"
export CARGO_TERM_COLOR=never RUST_BACKTRACE=1
SECONDS_PER_TARGET=${FUZZ_SECONDS:-45}
if [[ -z "${TMPDIR:-}" && -d /dev/shm && -w /dev/shm ]]; then
  export TMPDIR=/dev/shm
fi
export TMPDIR=${TMPDIR:-/tmp}

if ! cargo fuzz --version 2>/dev/null | grep -q '0\.13\.2'; then
  echo "=== installing cargo-fuzz 0.13.2"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
command -v c++ >/dev/null || { echo "libFuzzer needs a C++ compiler (g++)" >&2; exit 1; }

echo "=== build ($(date +%T))"
cargo fuzz build --sanitizer none

targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cargo fuzz list)
fi

status=0
summary=()
scratch=$(mktemp -d "$TMPDIR/fuzz-ci.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/tmp"
for t in "${targets[@]}"; do
  echo "=== $t: ${SECONDS_PER_TARGET}s ($(date +%T))"
  mkdir -p "fuzz/seeds/$t" "fuzz/regressions/$t" "$scratch/$t"
  log="$scratch/$t.log"
  # The first directory receives new inputs: a throwaway one, so seeds stay as committed.
  # The targets' own scratch files (fuzz-<pid>/) go inside $scratch too.
  if TMPDIR="$scratch/tmp" cargo fuzz run --sanitizer none "$t" "$scratch/$t" "fuzz/seeds/$t" "fuzz/regressions/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    grep -E "panicked at|^thread '|^(==[0-9]+== )?ERROR: libFuzzer|^SUMMARY" "$log" | head -n 8 || true
    tail -n 40 "$log"
  fi
  execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
  if [[ -z "$execs" ]]; then # a crash ends the run before the final stats
    execs=$({ grep -oE '^#[0-9]+' "$log" || true; } | tail -n 1 | tr -d '#')
  fi
  rate=$({ grep -oE 'exec/s: [0-9]+' "$log" || true; } | tail -n 1 | awk '{print $2}')
  summary+=("$(printf '%-12s %-5s %12s executions  %8s exec/s' "$t" "$result" "${execs:-?}" "${rate:-?}")")
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
if ((status != 0)); then
  echo "crashing inputs: viewlib/fuzz/artifacts/<target>/ (reproduce: cd viewlib && cargo fuzz run --sanitizer none <target> <file>)"
fi
exit "$status"
