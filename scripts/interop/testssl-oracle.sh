#!/usr/bin/env bash
# testssl.sh (Debian package `testssl.sh`) as an ORACLE for `smtping --tls-scan` (issue 15): scan
# the interop suite's legacy TLS servers and Postfix's TLS 1.2-only listener, keep testssl's JSON,
# and print per target the table the Rust scan is compared with: protocol versions offered, weak
# cipher classes offered, forward secrecy. testssl.sh is only ever pointed at these loopback
# listeners; it is not part of SMTPing.
#
# Usage: scripts/interop/testssl-oracle.sh [TARGET...]     (after `scripts/interop.sh setup`)
#   TARGET: legacy-tls (openssl s_server, implicit TLS, 10065), legacy-starttls (Postfix STARTTLS,
#   TLS 1.0-1.2 at @SECLEVEL=0, 10038), tls12 (Postfix STARTTLS, TLS 1.2 only, 10028); default:
#   legacy-tls and tls12.
# Environment: SMTPING_INTEROP_DIR (default /tmp/smtping-interop); TESTSSL_TIMEOUT per target in
#   seconds (default 900). JSON and full output land in $WORK/testssl/TARGET.{json,log}; the table
#   also in $WORK/testssl/summary.txt.
#
# testssl.sh runs: --warnings batch --color 0 --nodns min -p (protocols) -E (every cipher per
# protocol, sockets, so also ciphers this OpenSSL lacks) -f (forward secrecy) [--starttls smtp].
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${SMTPING_INTEROP_DIR:-/tmp/smtping-interop}
LIMIT=${TESTSSL_TIMEOUT:-900}
[ -s "$WORK/env" ] || { echo "no $WORK/env: run scripts/interop.sh setup first" >&2; exit 1; }
command -v testssl >/dev/null || { echo "testssl (Debian package testssl.sh) is not installed" >&2; exit 1; }
# shellcheck disable=SC1091
. "$WORK/env"
OUT=$WORK/testssl
mkdir -p "$OUT"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(legacy-tls tls12)
rc=0
for t in "${targets[@]}"; do
    case $t in
        legacy-tls) addr=$SMTPING_INTEROP_LEGACY_TLS mode=() ;;
        legacy-starttls) addr=$SMTPING_INTEROP_LEGACY_STARTTLS mode=(--starttls smtp) ;;
        tls12) addr=$SMTPING_INTEROP_POSTFIX_TLS12 mode=(--starttls smtp) ;;
        *) echo "unknown target $t" >&2; exit 2 ;;
    esac
    rm -f "$OUT/$t.json"
    t0=$SECONDS
    echo "[testssl-oracle] $t ($addr ${mode[*]:-implicit TLS}): testssl -p -E -f, at most $LIMIT s" >&2
    code=0
    timeout --kill-after=10 "$LIMIT" testssl --jsonfile "$OUT/$t.json" --warnings batch --color 0 \
        --nodns min -p -E -f "${mode[@]}" "$addr" >"$OUT/$t.log" 2>&1 || code=$?
    echo "[testssl-oracle] $t: exit $code after $((SECONDS - t0)) s" >&2
    if [ "$code" = 124 ] || [ "$code" = 137 ] || [ ! -s "$OUT/$t.json" ]; then
        echo "[testssl-oracle] $t: no complete JSON (timeout or failure); see $OUT/$t.log" >&2
        rc=1
        continue
    fi
done
/usr/bin/python3 "$HERE/testssl-summary.py" "$OUT" "${targets[@]}" | tee "$OUT/summary.txt"
exit $rc
