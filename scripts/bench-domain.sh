#!/usr/bin/env bash
# Benchmark (not a test; CI does not run it): the wall time of `smtping domain D` and of
# checkdmarc's whole domain check (check_domains(), what the `checkdmarc D` command runs) on the
# same loopback zone, side by side, N runs each, alternating. Issue 14's goal: smtping in a
# tenth of checkdmarc's time or less.
#
#   scripts/interop.sh setup                 # once: Knot, rbldnsd, the checkdmarc venv
#   scripts/bench-domain.sh [-n N] [DOMAIN]   # default: 20 runs of signals.test
#
# Both sides are whole processes (start-up included) asking Knot on 127.0.0.1:10053.
# checkdmarc's CLI has no way to give a nameserver port, so it runs through
# scripts/interop/oracles.py (the same check_domains() call, Do53Nameserver(127.0.0.1, 10053),
# loopback-only socket guard: its MTA-STS/BIMI HTTPS fetches fail at once instead of leaving
# the machine). smtping is the release build (cargo build --release -p smtping-cli) unless
# SMTPING_BIN names a binary; its extra arguments can be given in SMTPING_BENCH_ARGS.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
WORK=${SMTPING_INTEROP_DIR:-/tmp/smtping-interop}
N=20
while getopts n: o; do
    case $o in
        n) N=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
DOMAIN=${1:-signals.test}
[[ $N =~ ^[1-9][0-9]{0,3}$ ]] || {
    echo "bench-domain: -n wants 1..9999" >&2
    exit 2
}

[ -s "$WORK/env" ] || {
    echo "bench-domain: no $WORK/env: run 'scripts/interop.sh setup' first" >&2
    exit 1
}
set -a
# shellcheck disable=SC1091 # written by interop.sh setup
. "$WORK/env"
set +a
[ -x "${SMTPING_INTEROP_CHECKDMARC_PY:-}" ] || {
    echo "bench-domain: no checkdmarc venv in $WORK/env: run setup again" >&2
    exit 1
}

if [ -z "${SMTPING_BIN:-}" ]; then
    (cd "$REPO" && cargo build --release -q -p smtping-cli) >&2
    target=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
        perl -MJSON::PP -0777 -e 'print JSON::PP->new->decode(scalar <STDIN>)->{target_directory}')
    SMTPING_BIN=$target/release/smtping
fi
read -r -a extra <<<"${SMTPING_BENCH_ARGS:-}"
have_smtping=1
if ! timeout 30 "$SMTPING_BIN" domain --help >/dev/null 2>&1; then
    have_smtping=0
    echo "NOTE: '$SMTPING_BIN domain --help' fails (the command does not exist yet): timing checkdmarc only"
fi

CHECKDMARC_LABEL=$(basename "$(dirname "$(dirname "$SMTPING_INTEROP_CHECKDMARC_PY")")")
# now_ns: the wall clock in nanoseconds.
now_ns() { date +%s%N; }
times_smtping=()
times_checkdmarc=()
for ((i = 1; i <= N; i++)); do
    if [ $have_smtping = 1 ]; then
        t0=$(now_ns)
        timeout 60 "$SMTPING_BIN" domain "$DOMAIN" --resolver "$SMTPING_INTEROP_DNS" "${extra[@]}" --json \
            >/dev/null 2>&1 || true
        times_smtping+=($(($(now_ns) - t0)))
    fi
    t0=$(now_ns)
    timeout 120 "$SMTPING_INTEROP_CHECKDMARC_PY" "$HERE/interop/oracles.py" domain "$DOMAIN" >/dev/null 2>&1 || true
    times_checkdmarc+=($(($(now_ns) - t0)))
done

echo "== smtping domain vs checkdmarc on $DOMAIN ($SMTPING_INTEROP_DNS), $N runs each, alternating"
/usr/bin/python3 - "$CHECKDMARC_LABEL" "${times_checkdmarc[*]}" "smtping domain" "${times_smtping[*]:-}" <<'PY'
import statistics, sys
rows = []
for name, values in zip(sys.argv[1::2], sys.argv[2::2]):
    ms = [int(v) / 1e6 for v in values.split()]
    if not ms:
        continue
    rows.append((name, statistics.median(ms)))
    print("%-22s %4d runs   median %8.1f ms   mean %8.1f ms   min %8.1f ms   max %8.1f ms"
          % (name, len(ms), statistics.median(ms), statistics.mean(ms), min(ms), max(ms)))
if len(rows) == 2:
    print("smtping / checkdmarc (medians): %.3f  (issue 14's goal: 0.1 or less)" % (rows[1][1] / rows[0][1]))
PY
