#!/usr/bin/env bash
# Run the test suite on a busy machine: two CPU-bound processes run beside it the whole time.
# A test that passes only when the machine is idle fails here. Extra arguments go to pytest:
#   bash tests/under_load.sh -x -q
# The hogs are ended however the run ends; the exit status is pytest's.
set -uo pipefail
cd "$(dirname "$0")/.."

hogs=()
stop_hogs() {
    for pid in "${hogs[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${hogs[@]}"; do
        wait "$pid" 2>/dev/null
    done
    hogs=()
}
pytest_pid=""
stop_all() {
    [ -n "$pytest_pid" ] && kill "$pytest_pid" 2>/dev/null
    stop_hogs
}
trap stop_hogs EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

for _ in 1 2; do
    nice -n 0 python3 -c 'while True: pass' &
    hogs+=("$!")
done
echo "under_load: two CPU hogs running (pids ${hogs[*]})"

# In the background and waited for, so that INT and TERM are handled at once, not after
# pytest has finished. With job control on (set -m): a shell without it starts a background
# command with SIGINT ignored, every process of the suite would inherit that, and a test of
# Ctrl-C would wait for nothing.
set -m
uv run pytest "$@" &
pytest_pid=$!
wait "$pytest_pid"
status=$?
pytest_pid=""
stop_hogs
echo "under_load: hogs ended; pytest exited with $status"
exit "$status"
