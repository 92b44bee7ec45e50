#!/usr/bin/env bash
# Reproduces the figures of docs/performance.md:
#   1. criterion wall-clock throughput: SMTPing, smtp-proto and lettre on one corpus;
#   2. classification throughput;
#   3. callgrind instruction counts per corpus pass (repeatable on a busy machine).
# Usage: scripts/bench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--quick" ]; then
    crit=(--warm-up-time 1 --measurement-time 3)
else
    crit=(--warm-up-time 3 --measurement-time 10)
fi

echo "== reply and EHLO parsing (criterion)"
cargo bench -p smtping-benches --bench parse -- "${crit[@]}" 2>&1 | grep -E '^(reply|ehlo)/|thrpt:' | grep -v '%'

echo "== classification (criterion)"
cargo bench -p smtping-benches --bench classify -- "${crit[@]}" 2>&1 | grep -E '^classify/|thrpt:' | grep -v '%'

if command -v valgrind >/dev/null; then
    echo "== instructions per corpus pass (callgrind, 2000 passes)"
    cargo build --release -q -p smtping-benches --example instructions
    for target in reply-smtping reply-smtp-proto reply-lettre ehlo-smtping ehlo-smtp-proto ehlo-lettre; do
        total=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            target/release/examples/instructions "$target" 2000 2>&1 |
            sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
        printf '%-18s %12d instructions per pass\n' "$target" $((total / 2000))
    done
else
    echo "(valgrind not installed: skipping instruction counts)"
fi
