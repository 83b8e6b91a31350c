#!/usr/bin/env bash
# The hostile tests, run long: many more fuzz examples and kills than CI runs.
#
#   benchmarks/fuzz_long.sh [EXAMPLES] [KILLS]
#
# EXAMPLES scales every fuzz test (CI runs 30 keyboard/resize sequences and ~300 loader
# inputs at the default of 30); KILLS is the number of SIGKILL runs (CI: 50). Each run
# draws new random examples and a new kill seed (printed), so running it again explores
# further. At 2000 examples and 500 kills it takes about an hour on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${1:-2000}"
kills="${2:-500}"
seed="${NIGHTSTAND_KILL_SEED:-$RANDOM}"
echo "fuzz examples: $examples  kills: $kills  kill seed: $seed"

NIGHTSTAND_FUZZ_EXAMPLES="$examples" NIGHTSTAND_KILL_RUNS="$kills" NIGHTSTAND_KILL_SEED="$seed" \
    exec uv run pytest -q -s \
    tests/test_hostile_loaders.py \
    tests/test_hostile_keys.py \
    tests/e2e/test_kill.py \
    tests/e2e/test_hostile_terminal.py \
    --hypothesis-show-statistics
