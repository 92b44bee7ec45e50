#!/usr/bin/env bash
# Cross-check of smtping's deliverability signals (issue 14) against independent implementations
# on the interop suite's loopback zones: pyspf (Debian python3-spf) for `smtping spf`,
# opendkim-testkey + openssl for DKIM keys, checkdmarc (PyPI, pinned in scripts/interop.sh) for
# DMARC and SPF posture, dnspython for MX and PTR/FCrDNS, and rbldnsd asked directly for the
# blocklists, all against `smtping domain`. Prints `case | field | expected | oracle | smtping |
# match` and exits 1 on any mismatch (see scripts/interop/crosscheck.py for the cases).
#
#   scripts/crosscheck-signals.sh        needs a running `scripts/interop.sh setup`
#
# Environment: SMTPING_INTEROP_DIR (default /tmp/smtping-interop: its env file is read),
# SMTPING_BIN (the smtping binary; default: `cargo build -q -p smtping-cli` and its target dir),
# SMTPING_CROSSCHECK_VERBOSE=1 (print each command). Until `smtping spf` / `smtping domain`
# exist (their --help fails), their rows check the oracle against the zone only, with a note.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
WORK=${SMTPING_INTEROP_DIR:-/tmp/smtping-interop}

[ -s "$WORK/env" ] || {
    echo "crosscheck-signals: no $WORK/env: run 'scripts/interop.sh setup' first" >&2
    exit 1
}
set -a
# shellcheck disable=SC1091 # written by interop.sh setup
. "$WORK/env"
set +a
[ -n "${SMTPING_INTEROP_RBLDNSD:-}" ] || {
    echo "crosscheck-signals: $WORK/env has no SMTPING_INTEROP_RBLDNSD: the setup predates issue 14; run setup again" >&2
    exit 1
}

if [ -z "${SMTPING_BIN:-}" ]; then
    if command -v cargo >/dev/null 2>&1 && [ -f "$REPO/smtping-cli/Cargo.toml" ]; then
        (cd "$REPO" && cargo build -q -p smtping-cli) >&2 || {
            echo "crosscheck-signals: cargo build -p smtping-cli failed" >&2
            exit 1
        }
        target=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
            perl -MJSON::PP -0777 -e 'print JSON::PP->new->decode(scalar <STDIN>)->{target_directory}')
        SMTPING_BIN=$target/debug/smtping
    else
        SMTPING_BIN=smtping
    fi
fi
export SMTPING_BIN
mkdir -p "$WORK/log/crosscheck"
export SMTPING_CROSSCHECK_LOG=${SMTPING_CROSSCHECK_LOG:-$WORK/log/crosscheck}

# Debian's Python (python3-spf, python3-dnspython), never another python3 on the PATH.
exec timeout 600 /usr/bin/python3 "$HERE/interop/crosscheck.py"
