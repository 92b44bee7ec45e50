#!/usr/bin/env bash
# SMTPing interop suite: real mail, DNS and DNSBL servers on loopback, in a throwaway configuration,
# and the cross-check of the deliverability signals against independent implementations.
#
#   scripts/interop.sh            setup, check, interop tests, signals cross-check, stop (always stops)
#   scripts/interop.sh setup      install (apt-get) + configure + start; writes $WORK/env
#   scripts/interop.sh check      verify every endpoint with swaks / kdig / openssl; table; exit 1 on mismatch
#   scripts/interop.sh test       run the Rust interop tests against a running setup
#   scripts/interop.sh crosscheck smtping spf/domain vs pyspf, opendkim-testkey, checkdmarc (issue 14)
#   scripts/interop.sh tls-crosscheck  smtping --tls-scan vs testssl.sh on the legacy TLS server and
#                                 Postfix's TLS 1.2-only listener (issue 15; testssl -E takes minutes)
#   scripts/interop/testssl-oracle.sh  testssl.sh alone against the legacy TLS servers (oracle only)
#   scripts/interop.sh monitoring  the HTML card rendered by headless Chromium (a screenshot per
#                                 state) and a real Prometheus scraping `smtping serve` (issue 17)
#   scripts/interop.sh stop       stop every daemon, remove the firewall rule and $WORK
#   scripts/interop.sh status     show what of ours is running
#
# Runs as root (apt-get, Postfix, firewall). Listens only on 127.0.0.1 and ::1, sends nothing
# anywhere else. Everything it configures lives in $WORK (SMTPING_INTEROP_DIR, default
# /tmp/smtping-interop). See docs/interop.md for the endpoint table.
#
# Environment:
#   SMTPING_INTEROP_DIR     work directory (default /tmp/smtping-interop); must not contain spaces
#   SMTPING_INTEROP_CACHE   where the extracted Exim .deb and the checkdmarc venv are kept
#                           between runs (default /var/cache/smtping-interop)
#   SMTPING_INTEROP_KEEP=1  `stop` leaves $WORK (configs, logs, mailboxes) in place
#   SMTPING_INTEROP_NO_APT=1  never call apt-get or pip (fail if something is missing)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
TPL=$HERE/interop
WORK=${SMTPING_INTEROP_DIR:-/tmp/smtping-interop}
CACHE=${SMTPING_INTEROP_CACHE:-/var/cache/smtping-interop}

# ---------------------------------------------------------------------------------------------
# Fixed ports (block 10025-10099, all on 127.0.0.1; mx and DNS also on ::1).
PORT_MX=10025              # Postfix STARTTLS, AUTH after TLS, all recipient rules
PORT_GREYLIST=10026        # Postfix + postgrey
PORT_PLAIN=10027           # Postfix without TLS, AUTH in the clear
PORT_TLS12=10028           # Postfix STARTTLS, TLS 1.2 only
PORT_OPENRELAY=10029       # Postfix open relay (outside mail is discarded)
PORT_ENCRYPT=10030         # Postfix, STARTTLS mandatory (530 before it)
PORT_TLS_MISMATCH=10031
PORT_TLS_EXPIRED=10032
PORT_TLS_SELFSIGNED=10033
PORT_TLS_INCOMPLETE=10034
PORT_TLS_UNTRUSTED=10035
PORT_TLS_NOTYETVALID=10036
PORT_EXIM=10040            # Exim STARTTLS
PORT_SMTPS=10046           # Postfix implicit TLS ("465")
PORT_DNS=10053             # Knot DNS, UDP and TCP
PORT_RBLDNSD=10054         # rbldnsd (UDP only): the DNSBL zones dnsbl.test and dbl.test
PORT_BLACKHOLE=10060       # SYNs dropped by a firewall rule (connect timeout)
PORT_SILENT=10061          # accepts, never speaks
PORT_REFUSED=10062         # nothing listens (connection refused)
PORT_SUBMISSION=10087      # Postfix submission-like ("587"): 530 until AUTH
PORT_POSTGREY=10099        # postgrey policy service (internal)
# Transport security (issue 15).
PORT_SECURE_MX=10037       # Postfix STARTTLS for the MX hosts of the signed zone secure.test (DANE)
PORT_LEGACY_STARTTLS=10038 # Postfix STARTTLS, TLS 1.0-1.2, every cipher at @SECLEVEL=0
PORT_VALIDATOR=10055       # Unbound, validating (trust anchor: secure.test), UDP and TCP
PORT_LEGACY_TLS=10065      # openssl s_server, implicit TLS 1.0-1.2 at @SECLEVEL=0 (speaks HTTP, -www)
PORT_MTASTS=10443          # nginx, HTTPS: the MTA-STS policy hosts mta-sts.*.secure.test
SWEEP_ADDR=127.0.0.25      # sweep.interop.test: nft drops :25, forwards :465 :587 :2525 (below)
# Follow-through (issue 16): inside the namespace smtping-rx only (its own loopback), so never
# in conflict with the host's ports; see scripts/interop/receiver.sh.
PORT_RX_OPENDKIM=8891      # OpenDKIM milter of the receiving MX
PORT_RX_OPENDMARC=8893     # OpenDMARC milter
PORT_RX_POSTGREY=10023     # postgrey for greylist@rx.test

SIZE_LIMIT=20000
RCPT_LIMIT=5
DOMAIN=interop.test
MX_HOST=mx.interop.test
EXIM_HOST=exim.interop.test
SASL_USER=alice@interop.test
NFT_TABLE=smtping_interop
SILENT_LIFETIME=21600

# Every TCP port we listen on (the refused and blackhole ports must stay free).
LISTEN_PORTS=(
    "$PORT_MX" "$PORT_GREYLIST" "$PORT_PLAIN" "$PORT_TLS12" "$PORT_OPENRELAY" "$PORT_ENCRYPT"
    "$PORT_TLS_MISMATCH" "$PORT_TLS_EXPIRED" "$PORT_TLS_SELFSIGNED" "$PORT_TLS_INCOMPLETE"
    "$PORT_TLS_UNTRUSTED" "$PORT_TLS_NOTYETVALID" "$PORT_EXIM" "$PORT_SMTPS" "$PORT_DNS"
    "$PORT_SILENT" "$PORT_SUBMISSION" "$PORT_POSTGREY"
    "$PORT_SECURE_MX" "$PORT_LEGACY_STARTTLS" "$PORT_VALIDATOR" "$PORT_LEGACY_TLS" "$PORT_MTASTS"
)
ALL_PORTS=("${LISTEN_PORTS[@]}" "$PORT_BLACKHOLE" "$PORT_REFUSED")
# UDP-only listeners (checked separately).
UDP_PORTS=("$PORT_RBLDNSD")

# checkdmarc (PyPI, pinned) for the deliverability-signal cross-check: installed with pip into a
# venv under $CACHE, kept between runs like the Exim extraction.
CHECKDMARC_VERSION=6.0.4

APT_PACKAGES=(
    postfix sasl2-bin libsasl2-modules knot knot-dnsutils swaks postgrey
    libnet-ssleay-perl libio-socket-ssl-perl openssl perl iproute2 procps adduser
    nftables iptables
    # Deliverability signals (issue 14): the blocklist server and the independent oracles the
    # cross-check compares smtping with (pyspf, opendkim-testkey; checkdmarc comes from PyPI
    # into a venv, see setup_checkdmarc).
    rbldnsd opendkim-tools python3-spf python3-dnspython python3-venv
    # Transport security (issue 15): the validating resolver (Unbound, with dig to look at its
    # answers), the MTA-STS policy server (nginx), and testssl.sh as the TLS-scan oracle.
    unbound bind9-dnsutils nginx-light testssl.sh curl knot-dnssecutils
    # Follow-through (issue 16): the receiving MX in its own network namespace writes real
    # Authentication-Results (OpenDKIM, OpenDMARC, policyd-spf) and Dovecot serves its mailboxes
    # over IMAP, a Sieve rule filing DMARC failures into Junk.
    opendkim opendmarc postfix-policyd-spf-python dovecot-imapd dovecot-lmtpd dovecot-sieve
    # Monitoring (issue 17): a real Prometheus scrapes `smtping serve`, and headless Chromium
    # renders the HTML health card (a screenshot per state, no console message allowed).
    prometheus chromium fonts-dejavu-core
    # Exim's runtime libraries (the Exim binary itself is extracted from its .deb, see setup_exim).
    libc6 libcrypt1 libdb5.3 libgnutls30 libgnutls-dane0 libidn12 libidn2-0 libnsl2 libpcre2-8-0
)

# ---------------------------------------------------------------------------------------------
log() { printf '[interop %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=interop/receiver.sh
. "$TPL/receiver.sh"
# shellcheck source=interop/monitoring.sh
. "$TPL/monitoring.sh"
die() {
    log "ERROR: $*"
    exit 1
}

require_root() { [ "$(id -u)" = 0 ] || die "must run as root (apt-get, Postfix, firewall)"; }

check_workdir() {
    case $WORK in
        /*) ;;
        *) die "SMTPING_INTEROP_DIR must be an absolute path (got '$WORK')" ;;
    esac
    [[ $WORK =~ ^[A-Za-z0-9/._-]+$ ]] || die "SMTPING_INTEROP_DIR may only hold [A-Za-z0-9/._-] (got '$WORK')"
    [ "$WORK" != / ] || die "SMTPING_INTEROP_DIR must not be /"
}

# render SRC DST: replace @NAME@ with $TPL_NAME; an unknown token is an error.
render() {
    perl -pe 's/@([A-Z][A-Z0-9_]*)@/exists $ENV{"TPL_$1"} ? $ENV{"TPL_$1"} : die "unknown template token \@$1\@ in $ARGV\n"/ge' \
        "$1" >"$2"
}

template_env() {
    export TPL_WORK=$WORK TPL_SIZE_LIMIT=$SIZE_LIMIT TPL_RCPT_LIMIT=$RCPT_LIMIT
    export TPL_MAIL_UID TPL_MAIL_GID
    TPL_MAIL_UID=$(id -u nobody)
    TPL_MAIL_GID=$(id -g nobody)
    local v
    for v in $(compgen -v PORT_); do export "TPL_$v=${!v}"; done
}

# wait_tcp HOST PORT SECONDS: wait until something accepts on HOST:PORT.
wait_tcp() {
    local host=$1 port=$2 secs=$3 i
    for ((i = 0; i < secs * 5; i++)); do
        if timeout 1 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    return 1
}

# Is a TCP port on loopback in use (listening)?
port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Processes that belong to this instance: Postfix processes whose MAIL_CONFIG is ours, and our
# other daemons (knotd, exim4, postgrey, silent-server.pl, rbldnsd, unbound, nginx's master,
# openssl s_server) whose command line names $WORK. (nginx's worker is a child of its master and
# stops with it.)
our_pids() {
    local p pid args
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        if [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ]; then continue; fi
        args=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
        [ -n "$args" ] || continue # kernel thread, zombie or gone
        if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null |
            grep -qxF -e "MAIL_CONFIG=$WORK/postfix/etc" -e "MAIL_CONFIG=$WORK/rx/postfix/etc"; then
            echo "$pid"
            continue
        fi
        case " $args" in
            *" $WORK/"* | *"=$WORK/"*) ;;
            *) continue ;;
        esac
        case "$(cut -d' ' -f1-3 <<<"$args")" in
            *knotd* | *exim4* | *postgrey* | *silent-server.pl* | *rbldnsd* | *unbound* | \
                *"nginx: master"* | *"openssl s_server"* | *opendkim* | *opendmarc* | *dovecot* | \
                *prometheus* | *"smtping serve"* | *chromium*) echo "$pid" ;;
        esac
    done
}

# alive PID: the process exists and is not a zombie (pid 1 here may reap late).
alive() {
    local st
    st=$({ cut -d' ' -f3 "/proc/$1/stat"; } 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# kill_pidfile FILE NAME: TERM the process named in FILE if it is alive and looks like NAME,
# wait up to 5 s, then KILL.
kill_pidfile() {
    local file=$1 name=$2 pid i
    [ -s "$file" ] || return 0
    pid=$(tr -dc '0-9' <"$file")
    [ -n "$pid" ] && alive "$pid" || return 0
    if ! { grep -qa -- "$name" "/proc/$pid/cmdline"; } 2>/dev/null; then
        alive "$pid" && log "pid $pid from $file is not $name; leaving it alone"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Installation

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_BACKUP=
policy_guard_on() {
    # Keep maintainer scripts from starting the packages' default daemons (they would listen on
    # port 25/53 on every interface). A policy-rc.d that already exits 101 is left as it is.
    if [ -e "$POLICY_RC" ] && grep -qx 'exit 101' "$POLICY_RC"; then return 0; fi
    if [ -e "$POLICY_RC" ]; then
        POLICY_BACKUP=$(mktemp /tmp/smtping-interop-policy-rc.d.XXXXXX)
        cp -p "$POLICY_RC" "$POLICY_BACKUP"
    else
        POLICY_BACKUP=none
    fi
    printf '#!/bin/sh\n# Temporarily installed by SMTPing scripts/interop.sh\nexit 101\n' >"$POLICY_RC"
    chmod 0755 "$POLICY_RC"
}
policy_guard_off() {
    case $POLICY_BACKUP in
        "") ;;
        none) rm -f "$POLICY_RC" ;;
        *) mv -f "$POLICY_BACKUP" "$POLICY_RC" ;;
    esac
    POLICY_BACKUP=
}

APT_UPDATED=
apt_update_once() {
    [ -z "$APT_UPDATED" ] || return 0
    log "apt-get update"
    apt-get update -q >"$WORK/log/apt-update.log" 2>&1 || {
        tail -20 "$WORK/log/apt-update.log" >&2
        die "apt-get update failed"
    }
    APT_UPDATED=1
}

install_packages() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "packages: all present"
        return 0
    fi
    [ -z "${SMTPING_INTEROP_NO_APT:-}" ] || die "missing packages and SMTPING_INTEROP_NO_APT is set: ${missing[*]}"
    local t0=$SECONDS
    apt_update_once
    log "apt-get install ${missing[*]}"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    policy_guard_on
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" >"$WORK/log/apt-install.log" 2>&1 || rc=$?
    policy_guard_off
    if [ $rc -ne 0 ]; then
        tail -30 "$WORK/log/apt-install.log" >&2
        die "apt-get install failed (rc=$rc)"
    fi
    log "packages installed in $((SECONDS - t0)) s"
}

# Exim conflicts with Postfix as a Debian package (both provide and conflict with
# mail-transport-agent), so its .deb is downloaded and extracted, never installed.
EXIM_BIN=
fetch_exim() {
    mkdir -p "$CACHE"
    local ver deb dir
    ver=$(apt-cache policy exim4-daemon-light 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        # No package lists yet (fresh image): fall back to the newest cached extraction.
        dir=$(find "$CACHE" -maxdepth 1 -name 'exim4-daemon-light_*' -type d 2>/dev/null | sort -V | tail -1)
        if [ -z "$dir" ]; then
            [ -z "${SMTPING_INTEROP_NO_APT:-}" ] || die "exim4-daemon-light not cached and SMTPING_INTEROP_NO_APT is set"
            apt_update_once
            ver=$(apt-cache policy exim4-daemon-light 2>/dev/null | awk '/Candidate:/ {print $2}')
            if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then die "exim4-daemon-light not available from apt"; fi
        fi
    fi
    if [ -z "${dir:-}" ]; then
        dir=$CACHE/exim4-daemon-light_${ver//:/%3a}
    fi
    if [ ! -x "$dir/usr/sbin/exim4" ]; then
        [ -z "${SMTPING_INTEROP_NO_APT:-}" ] || die "exim4-daemon-light not cached and SMTPING_INTEROP_NO_APT is set"
        log "apt-get download exim4-daemon-light=$ver (extracted into $dir, not installed)"
        local tmp
        tmp=$(mktemp -d "$CACHE/download.XXXXXX")
        if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "exim4-daemon-light=$ver") \
            >"$WORK/log/exim-download.log" 2>&1; then
            apt_update_once
            (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "exim4-daemon-light=$ver") \
                >>"$WORK/log/exim-download.log" 2>&1 || {
                rm -rf "$tmp"
                cat "$WORK/log/exim-download.log" >&2
                die "apt-get download exim4-daemon-light failed"
            }
        fi
        deb=$(ls "$tmp"/exim4-daemon-light_*.deb)
        rm -rf "$dir"
        mkdir -p "$dir"
        dpkg-deb -x "$deb" "$dir"
        rm -rf "$tmp"
    fi
    EXIM_BIN=$dir/usr/sbin/exim4
    if ldd "$EXIM_BIN" | grep -q 'not found'; then
        ldd "$EXIM_BIN" | grep 'not found' >&2
        die "Exim's libraries are missing (see APT_PACKAGES)"
    fi
    # The binary looks up its compiled-in user at start (exim4-base's postinst makes it).
    if ! getent passwd Debian-exim >/dev/null; then
        log "adding system user Debian-exim (Exim's compiled-in user)"
        adduser --system --group --quiet --home /var/spool/exim4 --no-create-home \
            --disabled-login --force-badname Debian-exim >/dev/null
    fi
}

# ---------------------------------------------------------------------------------------------
# Stop / cleanup

firewall_off() {
    if command -v nft >/dev/null 2>&1; then
        nft delete table inet "$NFT_TABLE" 2>/dev/null || true
    fi
    if command -v iptables >/dev/null 2>&1; then
        local i
        for ((i = 0; i < 10; i++)); do
            iptables -D INPUT -i lo -p tcp --dport "$PORT_BLACKHOLE" --syn \
                -m comment --comment smtping-interop -j DROP 2>/dev/null || break
        done
        for ((i = 0; i < 10; i++)); do
            ip6tables -D INPUT -i lo -p tcp --dport "$PORT_BLACKHOLE" --syn \
                -m comment --comment smtping-interop -j DROP 2>/dev/null || break
        done
    fi
}

do_stop() {
    local quiet=${1:-}
    [ -n "$quiet" ] || log "stopping (work dir $WORK)"
    if [ -d "$WORK/postfix/etc" ] && [ -s "$WORK/postfix/queue/pid/master.pid" ]; then
        postfix -c "$WORK/postfix/etc" stop >/dev/null 2>&1 || true
    fi
    kill_pidfile "$WORK/postfix/queue/pid/master.pid" master
    kill_pidfile "$WORK/run/exim.pid" exim4
    kill_pidfile "$WORK/postgrey/postgrey.pid" postgrey
    kill_pidfile "$WORK/knot/run/knot.pid" knotd
    kill_pidfile "$WORK/run/rbldnsd.pid" rbldnsd
    kill_pidfile "$WORK/run/silent.pid" silent-server
    kill_pidfile "$WORK/unbound/unbound.pid" unbound
    kill_pidfile "$WORK/nginx/nginx.pid" nginx
    kill_pidfile "$WORK/run/legacy-tls.pid" s_server
    stop_receiver
    stop_monitoring
    firewall_off
    # Anything of ours still alive (e.g. a previous run whose pid files were lost).
    local pids i
    for ((i = 0; i < 30; i++)); do
        pids=$(our_pids)
        [ -n "$pids" ] || break
        if [ "$i" -eq 0 ] || [ "$i" -eq 20 ]; then
            # shellcheck disable=SC2086
            kill -TERM $pids 2>/dev/null || true
        fi
        sleep 0.2
    done
    pids=$(our_pids)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
    fi
}

do_cleanup() {
    if [ -n "${SMTPING_INTEROP_KEEP:-}" ]; then
        log "SMTPING_INTEROP_KEEP set: leaving $WORK"
    else
        rm -rf "$WORK"
    fi
}

dump_logs() {
    local f
    for f in "$WORK"/postfix/maillog "$WORK"/knot/knot.log "$WORK"/unbound/unbound.log \
        "$WORK"/nginx/error.log "$WORK"/log/legacy-tls.log "$WORK"/rbldnsd/queries.log "$WORK"/exim/log/mainlog \
        "$WORK"/exim/log/paniclog "$WORK"/exim/log/rejectlog "$WORK"/rx/postfix/maillog \
        "$WORK"/rx/dovecot/dovecot.log "$WORK"/log/*.log; do
        [ -s "$f" ] || continue
        echo "----- last lines of $f -----" >&2
        tail -25 "$f" >&2
    done
}

# ---------------------------------------------------------------------------------------------
# Setup

setup_certs() {
    log "certificates (test root + intermediate, 10 leaves)"
    bash "$TPL/certs.sh" "$WORK/certs" >"$WORK/log/certs.log" 2>&1 || {
        cat "$WORK/log/certs.log" >&2
        die "certificate generation failed"
    }
}

setup_dns() {
    log "knot DNS on 127.0.0.1:$PORT_DNS and [::1]:$PORT_DNS"
    local K=$WORK/knot i
    mkdir -p "$K/run" "$K/db" "$K/zones"
    export TPL_SERIAL TPL_TLSA_VALID TPL_BIG_TXT
    TPL_SERIAL=$(date +%s)
    TPL_TLSA_VALID=$(cat "$WORK/certs/valid.tlsa311")
    TPL_BIG_TXT=$(for ((i = 1; i <= 30; i++)); do
        printf 'big         TXT     "record %02d: %s"\n' "$i" "$(printf 'x%.0s' {1..180})"
    done)
    # Issue 15: the TLSA digests of the signed zone (certs.sh) and the parent's deliberately wrong
    # DS for bogus.secure.test (key tag 4242, which no key has; a made-up SHA-256 digest).
    local c=$WORK/certs
    export TPL_TLSA_SECURE_311 TPL_TLSA_SECURE_302 TPL_TLSA_NEXT_311 TPL_TLSA_MISMATCH_311 \
        TPL_TLSA_INTERMEDIATE_201 TPL_TLSA_INTERMEDIATE_211 TPL_TLSA_CA_001 TPL_BOGUS_DS
    TPL_TLSA_SECURE_311=$(cat "$c/secure.tlsa311")
    TPL_TLSA_SECURE_302=$(cat "$c/secure.tlsa302")
    TPL_TLSA_NEXT_311=$(cat "$c/next.tlsa311")
    TPL_TLSA_MISMATCH_311=$(cat "$c/mismatch.tlsa311")
    TPL_TLSA_INTERMEDIATE_201=$(cat "$c/intermediate.tlsa201")
    TPL_TLSA_INTERMEDIATE_211=$(cat "$c/intermediate.tlsa211")
    TPL_TLSA_CA_001=$(cat "$c/ca.tlsa001")
    TPL_BOGUS_DS="4242 13 2 $(printf 'SMTPing interop: no such key' | openssl dgst -sha256 -hex | sed 's/^.*= *//')"
    render "$TPL/knot/knot.conf.in" "$K/knot.conf"
    render "$TPL/knot/interop.test.zone.in" "$K/zones/interop.test.zone"
    render "$TPL/knot/127.in-addr.arpa.zone.in" "$K/zones/127.in-addr.arpa.zone"
    render "$TPL/knot/ip6.zone.in" \
        "$K/zones/0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.zone"
    # Deliverability signals (issue 14; the DKIM keys come from setup_dkim_keys).
    local z
    for z in signals.test reports.test elsewhere.test _dmarc.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa \
        rx.test tx.test; do
        render "$TPL/knot/$z.zone.in" "$K/zones/$z.zone"
    done
    for z in dnsbl.test dbl.test; do render "$TPL/knot/dnsbl-stub.zone.in" "$K/zones/$z.zone"; done
    # expired.secure.test first: signed offline as if 30 days ago (RRSIG lifetime 14 days), so its
    # signatures have expired; its DS (SHA-256) goes into the parent secure.test.
    mkdir -p "$K/offline"
    render "$TPL/knot/kzonesign.conf.in" "$K/kzonesign.conf"
    render "$TPL/knot/expired.secure.test.zone.in" "$K/offline/expired.secure.test.zone"
    kzonesign -c "$K/kzonesign.conf" -t "$(($(date +%s) - 30 * 86400))" expired.secure.test \
        >"$WORK/log/kzonesign.log" 2>&1 || {
        cat "$WORK/log/kzonesign.log" >&2
        die "kzonesign failed for expired.secure.test"
    }
    cp "$K/offline/expired.secure.test.zone" "$K/zones/expired.secure.test.zone"
    export TPL_EXPIRED_DS
    TPL_EXPIRED_DS=$(keymgr -c "$K/kzonesign.conf" expired.secure.test ds 2>>"$WORK/log/kzonesign.log" |
        awk '{ for (i = 1; i < NF; i++) if ($i == "DS" && $(i + 3) == 2) { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit } }')
    [ -n "$TPL_EXPIRED_DS" ] || die "keymgr printed no DS for expired.secure.test"
    for z in secure.test bogus.secure.test unsigned.secure.test; do
        render "$TPL/knot/$z.zone.in" "$K/zones/$z.zone"
    done
    knotc -c "$K/knot.conf" conf-check >"$WORK/log/knot-conf-check.log" 2>&1 || {
        cat "$WORK/log/knot-conf-check.log" >&2
        die "knot configuration invalid"
    }
    knotd -c "$K/knot.conf" -d >"$WORK/log/knotd.log" 2>&1 || die "knotd failed to start"
    for ((i = 0; i < 50; i++)); do
        if kdig +timeout=1 +retry=0 @127.0.0.1 -p "$PORT_DNS" SOA "$DOMAIN" 2>/dev/null | grep -q 'status: NOERROR'; then
            return 0
        fi
        sleep 0.2
    done
    die "knot does not answer on 127.0.0.1:$PORT_DNS"
}

setup_postgrey() {
    log "postgrey policy service on 127.0.0.1:$PORT_POSTGREY"
    local G=$WORK/postgrey
    mkdir -p "$G/db"
    : >"$G/whitelist_clients"
    : >"$G/whitelist_recipients"
    chown -R postgrey:postgrey "$G"
    postgrey --inet="127.0.0.1:$PORT_POSTGREY" --daemonize \
        --pidfile="$G/postgrey.pid" --dbdir="$G/db" \
        --user=postgrey --group=postgrey --hostname="$MX_HOST" \
        --delay=3600 --auto-whitelist-clients=0 \
        --greylist-text="Greylisted, try again later" \
        --whitelist-clients="$G/whitelist_clients" \
        --whitelist-recipients="$G/whitelist_recipients" \
        >"$WORK/log/postgrey.log" 2>&1 || {
        cat "$WORK/log/postgrey.log" >&2
        die "postgrey failed to start"
    }
    wait_tcp 127.0.0.1 "$PORT_POSTGREY" 15 || die "postgrey does not listen on $PORT_POSTGREY"
}

SASL_PASSWORD=
setup_postfix() {
    log "postfix (one instance, 18 loopback listeners)"
    local P=$WORK/postfix f
    mkdir -p "$P/etc" "$P/queue" "$P/data" "$P/etc/sasl" "$WORK/mail"
    render "$TPL/postfix/main.cf.in" "$P/etc/main.cf"
    render "$TPL/postfix/master.cf.in" "$P/etc/master.cf"
    render "$TPL/postfix/smtpd.conf.in" "$P/etc/sasl/smtpd.conf"
    for f in recipient_access sender_access vmailbox; do cp "$TPL/postfix/$f" "$P/etc/$f"; done
    # Issue 16: rx.test is relayed to the follow-through receiver (empty without it).
    rx_transport_map >"$P/etc/transport"
    # Debian's postfix reads dynamically loaded map types from here.
    if [ -e /etc/postfix/dynamicmaps.cf ]; then cp /etc/postfix/dynamicmaps.cf "$P/etc/"; fi
    chown postfix:postfix "$P/data"
    chown nobody:nogroup "$WORK/mail"

    # SASL users in a private sasldb (the password is random per setup).
    SASL_PASSWORD=$(openssl rand -hex 12)
    printf '%s' "$SASL_PASSWORD" | saslpasswd2 -p -c -f "$P/etc/sasl/sasldb2" -u "$DOMAIN" alice
    printf '%s' "$SASL_PASSWORD" | saslpasswd2 -p -c -f "$P/etc/sasl/sasldb2" -u "$DOMAIN" bob
    chown root:postfix "$P/etc/sasl/sasldb2"
    chmod 0640 "$P/etc/sasl/sasldb2"

    postfix -c "$P/etc" check >"$WORK/log/postfix-check.log" 2>&1 || {
        cat "$WORK/log/postfix-check.log" >&2
        die "postfix check failed"
    }
    postfix -c "$P/etc" start >"$WORK/log/postfix-start.log" 2>&1 || {
        cat "$WORK/log/postfix-start.log" >&2
        die "postfix failed to start"
    }
}

setup_exim() {
    log "exim on 127.0.0.1:$PORT_EXIM and [::1]:$PORT_EXIM"
    local E=$WORK/exim
    mkdir -p "$E/spool" "$E/log" "$E/mail"
    chown Debian-exim: "$E/spool" "$E/log" "$E/mail"
    export TPL_EXIM_BIN=$EXIM_BIN
    render "$TPL/exim/exim.conf.in" "$E/exim.conf"
    cp "$TPL/exim/users" "$E/users"
    chmod 0644 "$E/exim.conf" "$E/users"
    "$EXIM_BIN" -C "$E/exim.conf" -bV >"$WORK/log/exim-bV.log" 2>&1 || {
        cat "$WORK/log/exim-bV.log" >&2
        die "exim configuration invalid"
    }
    "$EXIM_BIN" -C "$E/exim.conf" -bd -oP "$WORK/run/exim.pid" >"$WORK/log/exim-start.log" 2>&1 || {
        cat "$WORK/log/exim-start.log" >&2
        die "exim failed to start"
    }
}

BLACKHOLE_KIND=none
setup_blackhole() {
    firewall_off
    if command -v nft >/dev/null 2>&1 && nft -f - >"$WORK/log/nft.log" 2>&1 <<EOF; then
table inet $NFT_TABLE {
    chain input {
        type filter hook input priority -10; policy accept;
        iifname "lo" ip daddr 127.0.0.1 tcp dport $PORT_BLACKHOLE tcp flags & (syn | ack) == syn drop
        iifname "lo" ip6 daddr ::1 tcp dport $PORT_BLACKHOLE tcp flags & (syn | ack) == syn drop
    }
}
EOF
        BLACKHOLE_KIND=nft
    elif command -v iptables >/dev/null 2>&1 &&
        iptables -I INPUT -i lo -p tcp --dport "$PORT_BLACKHOLE" --syn \
            -m comment --comment smtping-interop -j DROP >>"$WORK/log/nft.log" 2>&1; then
        ip6tables -I INPUT -i lo -p tcp --dport "$PORT_BLACKHOLE" --syn \
            -m comment --comment smtping-interop -j DROP >>"$WORK/log/nft.log" 2>&1 || true
        BLACKHOLE_KIND=iptables
    else
        BLACKHOLE_KIND=none
        log "WARNING: no firewall available (nft and iptables failed); no blackhole port"
    fi
    log "blackhole port $PORT_BLACKHOLE: $BLACKHOLE_KIND"
}

# Issue 15, in the same nftables table (so `stop` removes it with the blackhole): the port-sweep
# host $SWEEP_ADDR (sweep.interop.test) drops SYNs to port 25 (a connect timeout) and forwards 465,
# 587 and 2525 to the Postfix listeners smtps, submission and mx; and the secure.test addresses
# 127.0.0.37:25 (its MX hosts) and 127.0.0.44:443 (its MTA-STS policy hosts) go to the secure
# Postfix listener and to nginx. Output-hook DNAT: only connections made on this machine, to
# these 127/8 addresses. Needs nftables with NAT; otherwise SWEEP_KIND=none and the clients use
# --connect-to instead.
SWEEP_KIND=none
setup_sweep() {
    if [ "$BLACKHOLE_KIND" = nft ] && nft -f - >>"$WORK/log/nft.log" 2>&1 <<EOF; then
table inet $NFT_TABLE {
    chain sweep_input {
        type filter hook input priority -10; policy accept;
        iifname "lo" ip daddr $SWEEP_ADDR tcp dport 25 tcp flags & (syn | ack) == syn drop
    }
    chain sweep_nat {
        type nat hook output priority -100; policy accept;
        ip daddr $SWEEP_ADDR tcp dport 465 dnat ip to 127.0.0.1:$PORT_SMTPS
        ip daddr $SWEEP_ADDR tcp dport 587 dnat ip to 127.0.0.1:$PORT_SUBMISSION
        ip daddr $SWEEP_ADDR tcp dport 2525 dnat ip to 127.0.0.1:$PORT_MX
        ip daddr 127.0.0.37 tcp dport 25 dnat ip to 127.0.0.1:$PORT_SECURE_MX
        ip daddr 127.0.0.44 tcp dport 443 dnat ip to 127.0.0.1:$PORT_MTASTS
    }
}
EOF
        SWEEP_KIND=nft
    else
        SWEEP_KIND=none
        log "WARNING: no nftables NAT; no sweep host, secure.test needs --connect-to"
    fi
    log "sweep host $SWEEP_ADDR (25 dropped; 465, 587, 2525 forwarded), 127.0.0.37:25, 127.0.0.44:443: $SWEEP_KIND"
}

setup_silent() {
    perl "$TPL/silent-server.pl" 127.0.0.1 "$PORT_SILENT" "$WORK/run/silent.pid" "$SILENT_LIFETIME" \
        >"$WORK/log/silent.log" 2>&1 || die "silent server failed to start"
}

# ---------------------------------------------------------------------------------------------
# Transport security (issue 15): the validating resolver, the MTA-STS policy server, the legacy
# TLS server and the port-sweep firewall rules.

# The zones Unbound reaches through Knot (stub zones), "." included so nothing goes elsewhere.
VALIDATOR_STUBS=(. secure.test bogus.secure.test expired.secure.test unsigned.secure.test interop.test signals.test
    reports.test elsewhere.test _dmarc.test dnsbl.test dbl.test 127.in-addr.arpa 2.0.192.in-addr.arpa
    8.b.d.0.1.0.0.2.ip6.arpa 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa)

# Unbound on 127.0.0.1/::1:$PORT_VALIDATOR, validating with the DS of secure.test's KSK (which
# Knot made when it first signed the zone, in setup_dns) as its only trust anchor.
setup_validator() {
    log "unbound (validating) on 127.0.0.1:$PORT_VALIDATOR and [::1]:$PORT_VALIDATOR"
    local U=$WORK/unbound K=$WORK/knot i z ds
    mkdir -p "$U"
    # Knot signs at load, in the background: wait (bounded) for both signed zones' DNSKEY sets.
    for z in secure.test bogus.secure.test; do
        for ((i = 0; i < 50; i++)); do
            if kdig +timeout=1 +retry=0 +short @127.0.0.1 -p "$PORT_DNS" DNSKEY "$z" 2>/dev/null | grep -q '^257 3 13 '; then
                break
            fi
            sleep 0.2
        done
        [ "$i" -lt 50 ] || die "knot has not signed $z (no DNSKEY after 10 s)"
    done
    ds=$(keymgr -c "$K/knot.conf" secure.test ds 2>"$WORK/log/keymgr.log" | awk '{ for (i = 1; i < NF; i++) if ($i == "DS" && $(i + 3) == 2) { print; next } }') ||
        die "keymgr: no DS for secure.test ($(cat "$WORK/log/keymgr.log"))"
    [ -n "$ds" ] || die "keymgr printed no SHA-256 DS for secure.test"
    printf '%s\n' "$ds" >"$U/secure.test.ds"
    export TPL_STUB_ZONES
    TPL_STUB_ZONES=$(for z in "${VALIDATOR_STUBS[@]}"; do
        printf 'stub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n\n' "$z" "$PORT_DNS"
    done)
    render "$TPL/unbound/unbound.conf.in" "$U/unbound.conf"
    chown -R unbound: "$U"
    unbound-checkconf "$U/unbound.conf" >"$WORK/log/unbound-checkconf.log" 2>&1 || {
        cat "$WORK/log/unbound-checkconf.log" >&2
        die "unbound configuration invalid"
    }
    unbound -c "$U/unbound.conf" >"$WORK/log/unbound-start.log" 2>&1 || {
        cat "$WORK/log/unbound-start.log" "$U/unbound.log" >&2
        die "unbound failed to start"
    }
    for ((i = 0; i < 50; i++)); do
        if kdig +timeout=1 +retry=0 +dnssec @127.0.0.1 -p "$PORT_VALIDATOR" SOA secure.test 2>/dev/null |
            grep -qE ';; Flags:.* ad( |;|$)'; then
            return 0
        fi
        sleep 0.2
    done
    die "unbound does not answer secure.test with AD on 127.0.0.1:$PORT_VALIDATOR"
}

# nginx on 127.0.0.1:$PORT_MTASTS (HTTPS): the MTA-STS policies (scripts/interop/nginx/).
setup_mtasts() {
    log "nginx (MTA-STS policies) on 127.0.0.1:$PORT_MTASTS"
    local N=$WORK/nginx
    mkdir -p "$N/tmp" "$N/policies"
    cp "$TPL"/nginx/policies/*.txt "$N/policies/"
    chmod 0644 "$N"/policies/*.txt
    render "$TPL/nginx/nginx.conf.in" "$N/nginx.conf"
    # -e: the error log before the configuration is read (the compiled-in one may not be writable).
    nginx -t -q -e "$N/error.log" -c "$N/nginx.conf" >"$WORK/log/nginx-check.log" 2>&1 || {
        cat "$WORK/log/nginx-check.log" >&2
        die "nginx configuration invalid"
    }
    nginx -e "$N/error.log" -c "$N/nginx.conf" >"$WORK/log/nginx-start.log" 2>&1 || {
        cat "$WORK/log/nginx-start.log" >&2
        die "nginx failed to start"
    }
}

# openssl s_server on 127.0.0.1:$PORT_LEGACY_TLS: implicit TLS 1.0-1.2 (no 1.3), every cipher this
# OpenSSL has at @SECLEVEL=0 (NULL, anonymous, CBC-SHA1, RSA key exchange; Debian 12's OpenSSL
# 3.0 has no SSLv3, RC4, 3DES or EXPORT any more), the RSA leaf mx.interop.test + intermediate.
# -www: after the handshake it answers an HTTP GET with a status page, so it never reads stdin.
setup_legacy_tls() {
    log "openssl s_server (legacy TLS 1.0-1.2, @SECLEVEL=0) on 127.0.0.1:$PORT_LEGACY_TLS"
    local c=$WORK/certs
    # setsid + nohup: its own session, no terminal; the pid file is the s_server process itself.
    setsid nohup openssl s_server -accept "127.0.0.1:$PORT_LEGACY_TLS" -naccept 100000 \
        -cert "$c/valid.crt" -key "$c/valid.key" -cert_chain "$c/intermediate.pem" \
        -min_protocol TLSv1 -max_protocol TLSv1.2 -cipher 'ALL:eNULL:@SECLEVEL=0' \
        -legacy_renegotiation -www -quiet </dev/null >"$WORK/log/legacy-tls.log" 2>&1 &
    echo $! >"$WORK/run/legacy-tls.pid"
}
# ---------------------------------------------------------------------------------------------
# Deliverability signals (issue 14): DKIM keys, rbldnsd, the oracles' loopback configuration.

# dkim_txt TAGS BASE64: a DKIM key record's TXT rdata in presentation form, the key split into
# quoted strings of at most 200 characters (a TXT string holds 255).
dkim_txt() {
    local tags=$1 b64=$2 out
    out="\"$tags p=\""
    while [ -n "$b64" ]; do
        out+=" \"${b64:0:200}\""
        b64=${b64:200}
    done
    printf '%s' "$out"
}

# The DKIM keys of signals.test and reports.test, made at every setup: private keys (PKCS#8 PEM,
# mode 0600, for opendkim-testkey -k) in $WORK/dkim/SELECTOR.key, the TXT rdata in TPL_DKIM_*.
setup_dkim_keys() {
    log "DKIM keys (openssl): RSA 512/1024/2048, PKCS#1, Ed25519, t=y, and a CNAME'd selector"
    local D=$WORK/dkim sel bits spki
    mkdir -p "$D"
    chmod 0700 "$D"
    for sel in weak:512 rsa1024:1024 rsa2048:2048 pkcs1:2048 testing:2048 s1:2048; do
        bits=${sel#*:}
        sel=${sel%%:*}
        openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$D/$sel.key" \
            2>>"$WORK/log/dkim-keys.log" || die "openssl: cannot make the $bits-bit RSA key $sel"
    done
    openssl genpkey -algorithm ED25519 -out "$D/ed.key" 2>>"$WORK/log/dkim-keys.log" ||
        die "openssl: cannot make the Ed25519 key"
    chmod 0600 "$D"/*.key
    spki() { openssl pkey -in "$D/$1.key" -pubout -outform DER 2>>"$WORK/log/dkim-keys.log" | base64 -w0; }
    export TPL_DKIM_WEAK TPL_DKIM_RSA1024 TPL_DKIM_RSA2048 TPL_DKIM_PKCS1 TPL_DKIM_TESTING \
        TPL_DKIM_S1 TPL_DKIM_ED
    TPL_DKIM_WEAK=$(dkim_txt "v=DKIM1; k=rsa;" "$(spki weak)")
    TPL_DKIM_RSA1024=$(dkim_txt "v=DKIM1; k=rsa;" "$(spki rsa1024)")
    TPL_DKIM_RSA2048=$(dkim_txt "v=DKIM1; k=rsa;" "$(spki rsa2048)")
    TPL_DKIM_TESTING=$(dkim_txt "v=DKIM1; k=rsa; t=y;" "$(spki testing)")
    TPL_DKIM_S1=$(dkim_txt "v=DKIM1; k=rsa;" "$(spki s1)")
    # A bare PKCS#1 RSAPublicKey (what some old generators publish) instead of an SPKI.
    TPL_DKIM_PKCS1=$(dkim_txt "v=DKIM1; k=rsa;" "$(openssl rsa -in "$D/pkcs1.key" -RSAPublicKey_out \
        -outform DER 2>>"$WORK/log/dkim-keys.log" | base64 -w0)")
    # RFC 8463: p= is the raw 32-byte Ed25519 public key (the last 32 bytes of its SPKI).
    TPL_DKIM_ED=$(dkim_txt "v=DKIM1; k=ed25519;" "$(openssl pkey -in "$D/ed.key" -pubout -outform DER \
        2>>"$WORK/log/dkim-keys.log" | tail -c 32 | base64 -w0)")
    unset -f spki
}

# rbldnsd on 127.0.0.1:$PORT_RBLDNSD (UDP): an IP list dnsbl.test (IPv4 and IPv6 entries) and a
# domain list dbl.test, data in scripts/interop/rbldnsd/. Knot forwards those two zones to it
# (mod-dnsproxy), so they also answer on the suite's resolver (over UDP).
setup_rbldnsd() {
    log "rbldnsd on 127.0.0.1:$PORT_RBLDNSD (UDP): dnsbl.test, dbl.test"
    local R=$WORK/rbldnsd i
    mkdir -p "$R"
    cp "$TPL/rbldnsd/dnsbl.test.ip4" "$TPL/rbldnsd/dnsbl.test.ip6" "$TPL/rbldnsd/dbl.test.dom" "$R/"
    chmod 0644 "$R"/*
    # The query log is written after the chroot, as rbldns.
    chown rbldns: "$R"
    # Forks into the background after loading the zones (errors are fatal before that); chroots
    # into $R and runs as the package's rbldns user; the pid file is written before both.
    rbldnsd -u rbldns -r "$R" -b "127.0.0.1/$PORT_RBLDNSD" -p "$WORK/run/rbldnsd.pid" -l +queries.log \
        dnsbl.test:ip4set:dnsbl.test.ip4 dnsbl.test:ip6trie:dnsbl.test.ip6 dbl.test:dnset:dbl.test.dom \
        >"$WORK/log/rbldnsd.log" 2>&1 || {
        cat "$WORK/log/rbldnsd.log" >&2
        die "rbldnsd failed to start"
    }
    for ((i = 0; i < 50; i++)); do
        if kdig +timeout=1 +retry=0 @127.0.0.1 -p "$PORT_RBLDNSD" A 2.0.0.127.dnsbl.test 2>/dev/null |
            grep -q 'status: NOERROR'; then
            return 0
        fi
        sleep 0.2
    done
    die "rbldnsd does not answer on 127.0.0.1:$PORT_RBLDNSD"
}

# checkdmarc from PyPI (pinned) in a venv under $CACHE, reused between runs. The venv is made
# with Debian's /usr/bin/python3 (python3-venv), never with another Python on the PATH.
CHECKDMARC_PY=
setup_checkdmarc() {
    local venv=$CACHE/checkdmarc-$CHECKDMARC_VERSION
    CHECKDMARC_PY=$venv/bin/python3
    if [ -x "$CHECKDMARC_PY" ] && "$CHECKDMARC_PY" -c 'import checkdmarc, sys
sys.exit(0 if checkdmarc.__version__ == sys.argv[1] else 1)' "$CHECKDMARC_VERSION" 2>/dev/null; then
        return 0
    fi
    [ -z "${SMTPING_INTEROP_NO_APT:-}" ] || die "checkdmarc $CHECKDMARC_VERSION not in $venv and SMTPING_INTEROP_NO_APT is set"
    log "pip install checkdmarc==$CHECKDMARC_VERSION into $venv"
    local t0=$SECONDS
    mkdir -p "$CACHE"
    rm -rf "$venv"
    {
        /usr/bin/python3 -m venv "$venv" &&
            timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check "checkdmarc==$CHECKDMARC_VERSION"
    } >"$WORK/log/pip-checkdmarc.log" 2>&1 || {
        tail -20 "$WORK/log/pip-checkdmarc.log" >&2
        rm -rf "$venv"
        die "pip install checkdmarc==$CHECKDMARC_VERSION failed"
    }
    log "checkdmarc installed in $((SECONDS - t0)) s"
}

# The oracles' view of the suite's DNS: opendkim-testkey resolves with libunbound, configured
# here to ask only Knot on loopback (stub zones for the test zones and for the root, so that
# nothing is ever sent elsewhere; no trust anchor, so no validation). pyspf, checkdmarc and the
# dnspython checks get the address from the env file (scripts/interop/oracles.py); nobody
# touches /etc/resolv.conf.
setup_oracles() {
    local O=$WORK/oracles z
    mkdir -p "$O"
    {
        echo "# libunbound configuration for opendkim-testkey (made by interop.sh)"
        echo "server:"
        echo "    do-not-query-localhost: no"
        echo "    module-config: \"iterator\""
        echo "    local-zone: \"test.\" nodefault"
        echo "    local-zone: \"127.in-addr.arpa.\" nodefault"
        echo "    local-zone: \"8.b.d.0.1.0.0.2.ip6.arpa.\" nodefault"
        echo "    local-zone: \"2.0.192.in-addr.arpa.\" nodefault"
        for z in . signals.test reports.test elsewhere.test interop.test; do
            echo "stub-zone:"
            echo "    name: \"$z\""
            echo "    stub-addr: 127.0.0.1@$PORT_DNS"
            echo "    stub-first: no"
        done
    } >"$O/unbound.conf"
    printf 'ResolverConfiguration %s\n' "$O/unbound.conf" >"$O/opendkim.conf"
    chmod 0644 "$O/unbound.conf" "$O/opendkim.conf"
}

write_env() {
    local blackhole=
    [ "$BLACKHOLE_KIND" = none ] || blackhole=127.0.0.1:$PORT_BLACKHOLE
    local sweep= sweep_filtered= sweep_open=
    if [ "$SWEEP_KIND" != none ]; then
        sweep=$SWEEP_ADDR
        sweep_filtered=25
        sweep_open=465,587,2525
    fi
    local tmp=$WORK/env.tmp
    # One KEY=VALUE per line, nothing else (no comments, no quoting, no spaces): docs/interop.md.
    cat >"$tmp" <<EOF
SMTPING_INTEROP_DIR=$WORK
SMTPING_INTEROP_CA=$WORK/certs/ca.pem
SMTPING_INTEROP_CA_INTERMEDIATE=$WORK/certs/intermediate.pem
SMTPING_INTEROP_DNS=127.0.0.1:$PORT_DNS
SMTPING_INTEROP_DNS6=[::1]:$PORT_DNS
SMTPING_INTEROP_DOMAIN=$DOMAIN
SMTPING_INTEROP_MX_HOST=$MX_HOST
SMTPING_INTEROP_EXIM_HOST=$EXIM_HOST
SMTPING_INTEROP_MISMATCH_HOST=wrong.example.net
SMTPING_INTEROP_POSTFIX_STARTTLS=127.0.0.1:$PORT_MX
SMTPING_INTEROP_POSTFIX_STARTTLS6=[::1]:$PORT_MX
SMTPING_INTEROP_POSTFIX_IMPLICIT=127.0.0.1:$PORT_SMTPS
SMTPING_INTEROP_POSTFIX_SUBMISSION=127.0.0.1:$PORT_SUBMISSION
SMTPING_INTEROP_POSTFIX_ENCRYPT=127.0.0.1:$PORT_ENCRYPT
SMTPING_INTEROP_POSTFIX_GREYLIST=127.0.0.1:$PORT_GREYLIST
SMTPING_INTEROP_POSTFIX_PLAIN=127.0.0.1:$PORT_PLAIN
SMTPING_INTEROP_POSTFIX_TLS12=127.0.0.1:$PORT_TLS12
SMTPING_INTEROP_POSTFIX_OPENRELAY=127.0.0.1:$PORT_OPENRELAY
SMTPING_INTEROP_TLS_VALID=127.0.0.1:$PORT_MX
SMTPING_INTEROP_TLS_MISMATCH=127.0.0.1:$PORT_TLS_MISMATCH
SMTPING_INTEROP_TLS_EXPIRED=127.0.0.1:$PORT_TLS_EXPIRED
SMTPING_INTEROP_TLS_SELFSIGNED=127.0.0.1:$PORT_TLS_SELFSIGNED
SMTPING_INTEROP_TLS_INCOMPLETE=127.0.0.1:$PORT_TLS_INCOMPLETE
SMTPING_INTEROP_TLS_UNTRUSTED=127.0.0.1:$PORT_TLS_UNTRUSTED
SMTPING_INTEROP_TLS_NOTYETVALID=127.0.0.1:$PORT_TLS_NOTYETVALID
SMTPING_INTEROP_EXIM=127.0.0.1:$PORT_EXIM
SMTPING_INTEROP_EXIM6=[::1]:$PORT_EXIM
SMTPING_INTEROP_REFUSED=127.0.0.1:$PORT_REFUSED
SMTPING_INTEROP_REFUSED_MX2=127.0.0.2:$PORT_MX
SMTPING_INTEROP_BLACKHOLE=$blackhole
SMTPING_INTEROP_BLACKHOLE_KIND=$BLACKHOLE_KIND
SMTPING_INTEROP_SILENT=127.0.0.1:$PORT_SILENT
SMTPING_INTEROP_GREYLIST_KIND=postgrey
SMTPING_INTEROP_USER=$SASL_USER
SMTPING_INTEROP_PASSWORD=$SASL_PASSWORD
SMTPING_INTEROP_USER2=bob@$DOMAIN
SMTPING_INTEROP_PASSWORD2=$SASL_PASSWORD
SMTPING_INTEROP_FROM=tester@$DOMAIN
SMTPING_INTEROP_RCPT_OK=alice@$DOMAIN
SMTPING_INTEROP_RCPT_OK2=bob@$DOMAIN
SMTPING_INTEROP_RCPT_UNKNOWN=nobody@$DOMAIN
SMTPING_INTEROP_RCPT_OUTSIDE=rcpt@outside.example
SMTPING_INTEROP_FROM_OUTSIDE=sender@outside.example
SMTPING_INTEROP_FROM_BLOCKED=blocked@sender.example
SMTPING_INTEROP_RCPT_450=greylist450@$DOMAIN
SMTPING_INTEROP_RCPT_421=shutdown421@$DOMAIN
SMTPING_INTEROP_RCPT_451=tempfail451@$DOMAIN
SMTPING_INTEROP_RCPT_550=disabled550@$DOMAIN
SMTPING_INTEROP_RCPT_552=full552@$DOMAIN
SMTPING_INTEROP_RCPT_553=notallowed553@$DOMAIN
SMTPING_INTEROP_RCPT_554=policy554@$DOMAIN
SMTPING_INTEROP_SIZE_LIMIT=$SIZE_LIMIT
SMTPING_INTEROP_RCPT_LIMIT=$RCPT_LIMIT
SMTPING_INTEROP_MAILDIR=$WORK/mail/$DOMAIN
SMTPING_INTEROP_EXIM_MAILDIR=$WORK/exim/mail
SMTPING_INTEROP_DNS_MX=$DOMAIN
SMTPING_INTEROP_DNS_NULLMX=nullmx.$DOMAIN
SMTPING_INTEROP_DNS_NOMX=nomx.$DOMAIN
SMTPING_INTEROP_DNS_CNAME=mail.$DOMAIN
SMTPING_INTEROP_DNS_DANGLING=dangling.$DOMAIN
SMTPING_INTEROP_DNS_DEADMX=deadmx.$DOMAIN
SMTPING_INTEROP_DNS_NOPTR=noptr.$DOMAIN
SMTPING_INTEROP_DNS_BIG=big.$DOMAIN
SMTPING_INTEROP_DNS_NXDOMAIN=nxdomain.$DOMAIN
SMTPING_INTEROP_DNS_TLSA=_25._tcp.$MX_HOST
SMTPING_INTEROP_TLSA_SHA256=$(cat "$WORK/certs/valid.tlsa311")
SMTPING_INTEROP_RBLDNSD=127.0.0.1:$PORT_RBLDNSD
SMTPING_INTEROP_SIGNALS_DOMAIN=signals.test
SMTPING_INTEROP_DKIM_DIR=$WORK/dkim
SMTPING_INTEROP_DNSBL_IP=dnsbl.test
SMTPING_INTEROP_DNSBL_DOMAIN=dbl.test
SMTPING_INTEROP_CHECKDMARC_PY=$CHECKDMARC_PY
SMTPING_INTEROP_OPENDKIM_CONF=$WORK/oracles/opendkim.conf
SMTPING_INTEROP_VALIDATOR=127.0.0.1:$PORT_VALIDATOR
SMTPING_INTEROP_VALIDATOR6=[::1]:$PORT_VALIDATOR
SMTPING_INTEROP_TRUST_ANCHOR=$WORK/unbound/secure.test.ds
SMTPING_INTEROP_SECURE_DOMAIN=secure.test
SMTPING_INTEROP_SECURE_MX=127.0.0.1:$PORT_SECURE_MX
SMTPING_INTEROP_SECURE_MX6=[::1]:$PORT_SECURE_MX
SMTPING_INTEROP_SECURE_MX_ADDR=127.0.0.37
SMTPING_INTEROP_BOGUS_DOMAIN=bogus.secure.test
SMTPING_INTEROP_EXPIRED_DOMAIN=expired.secure.test
SMTPING_INTEROP_INSECURE_DOMAIN=unsigned.secure.test
SMTPING_INTEROP_TLSA_SECURE_311=$(cat "$WORK/certs/secure.tlsa311")
SMTPING_INTEROP_TLSA_NEXT_311=$(cat "$WORK/certs/next.tlsa311")
SMTPING_INTEROP_TLSA_INTERMEDIATE_201=$(cat "$WORK/certs/intermediate.tlsa201")
SMTPING_INTEROP_MTASTS=127.0.0.1:$PORT_MTASTS
SMTPING_INTEROP_MTASTS_ADDR=127.0.0.44
SMTPING_INTEROP_LEGACY_TLS=127.0.0.1:$PORT_LEGACY_TLS
SMTPING_INTEROP_LEGACY_STARTTLS=127.0.0.1:$PORT_LEGACY_STARTTLS
SMTPING_INTEROP_SWEEP_HOST=sweep.$DOMAIN
SMTPING_INTEROP_SWEEP_ADDR=$sweep
SMTPING_INTEROP_SWEEP_KIND=$SWEEP_KIND
SMTPING_INTEROP_SWEEP_FILTERED=$sweep_filtered
SMTPING_INTEROP_SWEEP_OPEN=$sweep_open
EOF
    rx_env >>"$tmp"
    echo SMTPING_INTEROP_READY=1 >>"$tmp"
    mv -f "$tmp" "$WORK/env"
    chmod 0600 "$WORK/env"
}

SETUP_OK=
setup_trap() {
    local rc=$?
    policy_guard_off
    if [ -z "$SETUP_OK" ]; then
        log "setup failed (rc=$rc); logs follow, then cleanup"
        dump_logs
        do_stop quiet
        do_cleanup
    fi
}

do_setup() {
    require_root
    check_workdir
    local t0=$SECONDS
    # A previous instance (finished or not) is stopped and wiped first: setup is re-runnable.
    do_stop quiet
    rm -rf "$WORK"
    mkdir -p "$WORK/log" "$WORK/run"
    chmod 0755 "$WORK"
    trap setup_trap EXIT
    local busy=() p
    for p in "${ALL_PORTS[@]}"; do
        if port_listening "$p"; then busy+=("$p"); fi
    done
    for p in "${UDP_PORTS[@]}"; do
        if ss -Hlun "sport = :$p" 2>/dev/null | grep -q .; then busy+=("$p/udp"); fi
    done
    if [ ${#busy[@]} -gt 0 ]; then
        ss -Hltnp | grep -E ":($(
            IFS='|'
            echo "${busy[*]}"
        ))\b" >&2 || true
        die "ports already in use by something else: ${busy[*]} (the suite needs 10025-10099)"
    fi

    local t1=$SECONDS
    install_packages
    setup_checkdmarc
    local t_apt=$((SECONDS - t1))
    fetch_exim
    template_env
    setup_certs
    setup_dkim_keys
    setup_tx_dkim_keys
    setup_rx_netns
    export TPL_KNOT_RX_LISTEN=
    [ "$RX_KIND" != netns ] || TPL_KNOT_RX_LISTEN=", $RX_HOST_ADDR@53"
    setup_rbldnsd
    setup_dns
    setup_oracles
    setup_postgrey
    setup_postfix
    setup_receiver
    setup_exim
    setup_blackhole
    setup_silent
    setup_validator
    setup_mtasts
    setup_legacy_tls
    setup_sweep

    log "waiting for listeners"
    for p in "${LISTEN_PORTS[@]}"; do
        wait_tcp 127.0.0.1 "$p" 20 || die "nothing listens on 127.0.0.1:$p"
    done
    wait_tcp ::1 "$PORT_MX" 10 || die "nothing listens on [::1]:$PORT_MX"
    wait_tcp ::1 "$PORT_EXIM" 10 || die "nothing listens on [::1]:$PORT_EXIM"
    assert_loopback_only
    write_env
    SETUP_OK=1
    trap - EXIT
    log "setup done in $((SECONDS - t0)) s (packages/apt: ${t_apt} s); endpoints in $WORK/env"
}

# Every socket our processes hold must be bound to loopback.
assert_loopback_only() {
    local pids bad
    pids=$(our_pids | paste -sd'|')
    [ -n "$pids" ] || die "no processes of this instance found"
    bad=$(ss -Hlntup | grep -E "pid=($pids)," | awk '{print $5}' |
        grep -vE "^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]|$RX_HOST_ADDR):[0-9]+\$" || true)
    if [ -n "$bad" ]; then
        echo "$bad" >&2
        die "a daemon of this instance listens on a non-loopback address"
    fi
}

# ---------------------------------------------------------------------------------------------
# Tests

# The test step: the Rust interop tests (smtping-client/tests/interop.rs: every state of the
# report against these servers, a few cross-checked with swaks), then the `smtping check`
# command line against the same servers: exit codes, JSON fields, and that no form of the
# password ever reaches its output (card, --transcript, --json).
do_test() {
    [ -s "$WORK/env" ] || die "no $WORK/env: run '$0 setup' first"
    if [ ! -f "$REPO/smtping-client/tests/interop/main.rs" ]; then
        log "SKIP: smtping-client/tests/interop/main.rs does not exist yet; no interop tests to run"
        return 0
    fi
    local rc=0 t0=$SECONDS
    # The same cargo selection as the README's test command (`cargo test --workspace
    # --all-features`), so that .ci/run reuses the test binary it has just built.
    log "cargo test --workspace --all-features --test interop -- --test-threads=2"
    (cd "$REPO" && SMTPING_INTEROP_ENV=$WORK/env \
        cargo test --workspace --all-features --test interop -- --test-threads=2) || rc=$?
    log "interop tests: rc=$rc, $((SECONDS - t0)) s (build included)"
    if [ -f "$REPO/smtping-cli/Cargo.toml" ]; then
        local t1=$SECONDS
        cli_test || rc=$?
        log "CLI checks: $((SECONDS - t1)) s (build included)"
    fi
    return $rc
}

# The deliverability-signal cross-check (issue 14): smtping spf / smtping domain against pyspf,
# opendkim-testkey + openssl, checkdmarc, dnspython and rbldnsd on the signals.test zones.
do_crosscheck() {
    [ -s "$WORK/env" ] || die "no $WORK/env: run '$0 setup' first"
    local rc=0 t0=$SECONDS
    log "signals cross-check (scripts/crosscheck-signals.sh)"
    SMTPING_INTEROP_DIR=$WORK bash "$HERE/crosscheck-signals.sh" || rc=$?
    log "signals cross-check: rc=$rc, $((SECONDS - t0)) s"
    return $rc
}

# The TLS-scan cross-check (issue 15): testssl.sh (as an oracle) and `smtping check --tls-scan`
# against the same two listeners — openssl s_server offering TLS 1.0-1.2 at @SECLEVEL=0 and
# Postfix's TLS 1.2-only STARTTLS listener — compared aspect by aspect (crosscheck-tls.py).
do_tls_crosscheck() {
    [ -s "$WORK/env" ] || die "no $WORK/env: run '$0 setup' first"
    local rc=0 t0=$SECONDS out=$WORK/testssl
    mkdir -p "$out"
    (cd "$REPO" && cargo build -q -p smtping-cli) || {
        log "FAIL: cannot build smtping-cli"
        return 1
    }
    local target bin
    target=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
        perl -MJSON::PP -0777 -e 'print JSON::PP->new->decode(scalar <STDIN>)->{target_directory}')
    bin=$target/debug/smtping
    (
        set -a
        # shellcheck disable=SC1091 # written at setup
        . "$WORK/env"
        set +a
        local common=(--tls-scan --quit-after tls --no-signals --sni "$SMTPING_INTEROP_MX_HOST"
            --ca-file "$SMTPING_INTEROP_CA" --command-timeout 15s --json)
        timeout 120 "$bin" check "$SMTPING_INTEROP_LEGACY_TLS" --tls implicit "${common[@]}" \
            >"$out/legacy-tls.smtping.json" || true
        timeout 120 "$bin" check "$SMTPING_INTEROP_POSTFIX_TLS12" "${common[@]}" \
            >"$out/tls12.smtping.json" || true
    )
    log "testssl.sh on legacy-tls and tls12 (scripts/interop/testssl-oracle.sh; minutes)"
    SMTPING_INTEROP_DIR=$WORK bash "$HERE/interop/testssl-oracle.sh" legacy-tls tls12 >"$out/oracle.txt" || rc=$?
    python3 "$HERE/interop/crosscheck-tls.py" "$out" \
        legacy-tls "$out/legacy-tls.smtping.json" tls12 "$out/tls12.smtping.json" |
        tee "$out/crosscheck.txt" || rc=1
    log "tls cross-check: rc=$rc, $((SECONDS - t0)) s"
    return $rc
}

# json_get FILE PATH: the value at a slash-separated PATH of the JSON object in FILE
# ("null" when absent; booleans as true/false). Perl's core JSON::PP: no jq needed.
json_get() {
    perl -MJSON::PP -0777 -e '
        my $v = eval { JSON::PP->new->decode(scalar <STDIN>) };
        for my $k (split m{/}, $ARGV[0]) {
            last unless defined $v;
            $v = ref $v eq "ARRAY" ? $v->[$k] : ref $v eq "HASH" ? $v->{$k} : undef;
        }
        print !defined $v ? "null" : JSON::PP::is_bool($v) ? ($v ? "true" : "false") : ref $v ? "object" : $v;
    ' "$2" <"$1"
}

# cli_case NAME WANT_EXIT SECRET JSON_CHECKS ARGS...: run `smtping check ARGS`; JSON_CHECKS is
# "" or "path=value;path=value" (the output must then be JSON); SECRET is a password that
# must appear in no form in stdout or stderr ("" for none).
CLI_ROWS=()
CLI_FAILED=0
cli_case() {
    local name=$1 want=$2 secret=$3 checks=$4 out err code=0 problems=() pair path value got
    shift 4
    out=$WORK/log/cli/$name.out
    err=$WORK/log/cli/$name.err
    timeout 60 "$SMTPING_BIN" "${CLI_CMD:-check}" "$@" >"$out" 2>"$err" || code=$?
    [ "$code" = "$want" ] || problems+=("exit $code, want $want")
    if [ -n "$checks" ]; then
        local IFS=';'
        for pair in $checks; do
            path=${pair%%=*}
            value=${pair#*=}
            got=$(json_get "$out" "$path")
            [ "$got" = "$value" ] || problems+=("$path=$got, want $value")
        done
        unset IFS
    fi
    if [ -n "$secret" ]; then
        local user=${SMTPING_INTEROP_USER:-} forms s
        forms=("$secret"
            "$(printf '%s' "$secret" | base64 -w0)"
            "$(printf '\0%s\0%s' "$user" "$secret" | base64 -w0)")
        forms+=("${forms[1]%%=*}" "${forms[2]%%=*}")
        for s in "${forms[@]}"; do
            if grep -qF -- "$s" "$out" "$err"; then problems+=("SECRET LEAKED: '$s'"); fi
        done
    fi
    if [ ${#problems[@]} -eq 0 ]; then
        CLI_ROWS+=("PASS|$name|exit $code")
    else
        CLI_ROWS+=("FAIL|$name|$(
            IFS=';'
            echo "${problems[*]}"
        )")
        CLI_FAILED=$((CLI_FAILED + 1))
        {
            echo "----- $name: smtping check $* -----"
            head -c 4000 "$out"
            head -c 2000 "$err"
        } >&2
    fi
}

# find_smtping_bin: build the CLI (debug, like the test command) and set $SMTPING_BIN.
find_smtping_bin() {
    (cd "$REPO" && cargo build -q -p smtping-cli) || {
        log "FAIL: cannot build smtping-cli"
        return 1
    }
    local target
    target=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
        perl -MJSON::PP -0777 -e 'print JSON::PP->new->decode(scalar <STDIN>)->{target_directory}')
    SMTPING_BIN=$target/debug/smtping
    [ -x "$SMTPING_BIN" ] || {
        log "FAIL: no $SMTPING_BIN after the build"
        return 1
    }
}

cli_test() {
    log "smtping check (the command line) against the same servers"
    find_smtping_bin || return 1
    mkdir -p "$WORK/log/cli"
    (
        set -a
        # shellcheck disable=SC1091 # written at setup
        . "$WORK/env"
        set +a
        local tls=(--ca-file "$SMTPING_INTEROP_CA" --sni "$SMTPING_INTEROP_MX_HOST"
            --command-timeout 15s --connect-timeout 5s)
        local wrongfile=$WORK/log/cli/wrong-password
        printf 'wrong-%s\n' "$SMTPING_INTEROP_PASSWORD" >"$wrongfile"
        chmod 0600 "$wrongfile"
        CLI_ROWS=()
        CLI_FAILED=0

        cli_case tls-valid 0 "" "verdict=green;tls/certificate/verification=valid;error=null" \
            "$SMTPING_INTEROP_POSTFIX_STARTTLS" "${tls[@]}" --json
        cli_case tls-expired 2 "" "verdict=red;tls/certificate/verification=expired" \
            "$SMTPING_INTEROP_TLS_EXPIRED" "${tls[@]}" --json
        cli_case refused 2 "" "connectivity/attempts/0/outcome=refused;error/kind=refused" \
            "$SMTPING_INTEROP_REFUSED" "${tls[@]}" --json
        cli_case auth-ok-card 0 "$SMTPING_INTEROP_PASSWORD" "" \
            "$SMTPING_INTEROP_POSTFIX_SUBMISSION" "${tls[@]}" --auth-user "$SMTPING_INTEROP_USER" \
            --auth-password-env SMTPING_INTEROP_PASSWORD --quit-after auth --transcript
        cli_case auth-ok-json 0 "$SMTPING_INTEROP_PASSWORD" "auth/login/outcome=success;auth/login/reply/code=235" \
            "$SMTPING_INTEROP_POSTFIX_SUBMISSION" "${tls[@]}" --auth-user "$SMTPING_INTEROP_USER" \
            --auth-password-env SMTPING_INTEROP_PASSWORD --auth-mechanism LOGIN --quit-after auth --transcript --json
        cli_case auth-failed-card 2 "wrong-$SMTPING_INTEROP_PASSWORD" "" \
            "$SMTPING_INTEROP_POSTFIX_SUBMISSION" "${tls[@]}" --auth-user "$SMTPING_INTEROP_USER" \
            --auth-password-file "$wrongfile" --quit-after auth --transcript
        cli_case auth-failed-json 2 "wrong-$SMTPING_INTEROP_PASSWORD" "auth/login/outcome=failure;auth/login/reply/code=535" \
            "$SMTPING_INTEROP_POSTFIX_SUBMISSION" "${tls[@]}" --auth-user "$SMTPING_INTEROP_USER" \
            --auth-password-file "$wrongfile" --quit-after auth --transcript --json
        cli_case auth-plain-refused 2 "$SMTPING_INTEROP_PASSWORD" "auth/login/outcome=refused_by_client" \
            "$SMTPING_INTEROP_POSTFIX_PLAIN" "${tls[@]}" --auth-user "$SMTPING_INTEROP_USER" \
            --auth-password-env SMTPING_INTEROP_PASSWORD --quit-after auth --transcript --json
        cli_case rcpt-unknown 2 "" "delivery/outcome=bounced;delivery/reason=mailbox_unknown;delivery/reply/code=550" \
            "$SMTPING_INTEROP_POSTFIX_STARTTLS" "${tls[@]}" --from "$SMTPING_INTEROP_FROM" \
            --to "$SMTPING_INTEROP_RCPT_UNKNOWN" --quit-after rcpt --json
        cli_case greylisted 1 "" "delivery/outcome=deferred;delivery/reason=greylisted;delivery/reply/code=450" \
            "$SMTPING_INTEROP_POSTFIX_GREYLIST" "${tls[@]}" --from "$SMTPING_INTEROP_FROM" \
            --to "$SMTPING_INTEROP_RCPT_OK" --quit-after rcpt --json
        cli_case delivered 0 "" "delivery/outcome=accepted;delivery/stage=data_end" \
            "$SMTPING_INTEROP_POSTFIX_STARTTLS" "${tls[@]}" --from "$SMTPING_INTEROP_FROM" \
            --to "$SMTPING_INTEROP_RCPT_OK" --json
        cli_case open-relay 2 "" "relay/open=true;findings/0/id=relay.open" \
            "$SMTPING_INTEROP_POSTFIX_OPENRELAY" "${tls[@]}" --relay-probe --json
        cli_case no-starttls-required 2 "" "error/kind=tls_unavailable" \
            "$SMTPING_INTEROP_POSTFIX_PLAIN" "${tls[@]}" --require-tls --json
        cli_case null-mx 2 "" "connectivity/dns/null_mx=true;delivery/reason=null_mx" \
            "$SMTPING_INTEROP_DNS_NULLMX" --resolver "$SMTPING_INTEROP_DNS" --json

        # Issue 15: `smtping domain` on the signed zone through Unbound (DNSSEC, DANE on every
        # MX address, MTA-STS from nginx, TLS-RPT) and a port sweep with 25 dropped; the cards
        # are kept in $WORK/log/cli/*.out.
        CLI_CMD=domain cli_case domain-secure 1 "" \
            "dnssec/domain=secure;dane/status=green;tls/hosts/0/dane_matched=true;mta_sts/mode=enforce;tls/status=green" \
            "$SMTPING_INTEROP_SECURE_DOMAIN" --resolver "$SMTPING_INTEROP_VALIDATOR" \
            --ca-file "$SMTPING_INTEROP_CA" --json
        CLI_CMD=domain cli_case domain-secure-card 1 "" "" "$SMTPING_INTEROP_SECURE_DOMAIN" \
            --resolver "$SMTPING_INTEROP_VALIDATOR" --ca-file "$SMTPING_INTEROP_CA"
        CLI_CMD=domain cli_case domain-dane-mismatch 2 "" "dane/status=red;dane/hosts/0/matched=false" \
            dane-mismatch.secure.test --resolver "$SMTPING_INTEROP_VALIDATOR" \
            --ca-file "$SMTPING_INTEROP_CA" --json
        if [ -n "$SMTPING_INTEROP_SWEEP_ADDR" ]; then
            cli_case sweep-card 1 "" "" "$SMTPING_INTEROP_SWEEP_HOST:587" --resolver "$SMTPING_INTEROP_DNS" \
                --ca-file "$SMTPING_INTEROP_CA" --sni "$SMTPING_INTEROP_MX_HOST" --quit-after tls \
                --ports 25,465,587,2525 --connect-timeout 3s --command-timeout 5s --no-signals
        fi
        # Issue 16: the follow-through through the CLI: submitted to the relay, found in the
        # receiver's INBOX over IMAP, the receiver's verdict in the report; the seed password
        # must never be printed.
        if [ "$SMTPING_INTEROP_RX_KIND" = netns ]; then
            cli_case follow-through-inbox 0 "$SMTPING_INTEROP_RX_PASSWORD" \
                "follow_through/seeds/0/found=true;follow_through/seeds/0/folder=INBOX;follow_through/seeds/0/authentication_results/dmarc=pass" \
                "$SMTPING_INTEROP_POSTFIX_SUBMISSION" "${tls[@]}" --auth-user "$SMTPING_INTEROP_USER" \
                --auth-password-env SMTPING_INTEROP_PASSWORD --from "$SMTPING_INTEROP_TX_FROM" \
                --to "$SMTPING_INTEROP_RX_USER" --resolver "$SMTPING_INTEROP_DNS" \
                --seed "imap://alice%40rx.test@$SMTPING_INTEROP_RX_IMAP_HOST/INBOX,Junk" \
                --seed-password-env SMTPING_INTEROP_RX_PASSWORD --seed-timeout 60s --json
            cli_case follow-through-card 0 "$SMTPING_INTEROP_RX_PASSWORD" "" \
                "$SMTPING_INTEROP_POSTFIX_SUBMISSION" "${tls[@]}" --auth-user "$SMTPING_INTEROP_USER" \
                --auth-password-env SMTPING_INTEROP_PASSWORD --from "$SMTPING_INTEROP_TX_FROM" \
                --to "$SMTPING_INTEROP_RX_USER" --resolver "$SMTPING_INTEROP_DNS" \
                --seed "imap://alice%40rx.test@$SMTPING_INTEROP_RX_IMAP_HOST/INBOX,Junk" \
                --seed-password-env SMTPING_INTEROP_RX_PASSWORD --seed-timeout 60s \
                --dkim-key "$SMTPING_INTEROP_TX_DKIM_ED_KEY" --dkim-selector "$SMTPING_INTEROP_TX_DKIM_ED_SELECTOR"
            # The other follow-through scenarios, each as a card (kept in $WORK/log/cli/*.out,
            # and copied next to the screenshots): SPF fail filed in Junk; accepted by the relay
            # then bounced by the receiver (the DSN watched in the sender's mailbox);
            # greylisted by postgrey then accepted on the retry and found; never arrives.
            local rx_imap=$SMTPING_INTEROP_RX_IMAP_HOST submit=(
                "$SMTPING_INTEROP_POSTFIX_SUBMISSION" "${tls[@]}" --auth-user "$SMTPING_INTEROP_USER"
                --auth-password-env SMTPING_INTEROP_PASSWORD --resolver "$SMTPING_INTEROP_DNS"
                --seed-password-env SMTPING_INTEROP_RX_PASSWORD)
            cli_case follow-through-junk-card 2 "$SMTPING_INTEROP_RX_PASSWORD" "" "${submit[@]}" \
                --from "$SMTPING_INTEROP_TX_FROM_NOSPF" --to "$SMTPING_INTEROP_RX_USER" \
                --seed "imap://alice%40rx.test@$rx_imap/INBOX,Junk" --seed-timeout 60s
            cli_case follow-through-bounce 2 "$SMTPING_INTEROP_RX_PASSWORD" \
                "delivery/outcome=accepted;follow_through/bounce/found=true;follow_through/bounce/dsn/hard=true;follow_through/bounce/dsn/status=5.1.1;follow_through/bounce/matched_by=envelope_id" \
                "${submit[@]}" --from "$SMTPING_INTEROP_RX_BOUNCES" --to "$SMTPING_INTEROP_RX_UNKNOWN" \
                --bounce-mailbox "imap://bounces%40rx.test@$rx_imap/INBOX,Junk" --seed-timeout 60s --json
            cli_case follow-through-bounce-card 2 "$SMTPING_INTEROP_RX_PASSWORD" "" "${submit[@]}" \
                --from "$SMTPING_INTEROP_RX_BOUNCES" --to "$SMTPING_INTEROP_RX_UNKNOWN" \
                --bounce-mailbox "imap://bounces%40rx.test@$rx_imap/INBOX,Junk" --seed-timeout 60s
            # postgrey knows sender triplets: a sender never seen before (letters only, as
            # postgrey folds digits).
            local grey
            grey=grey-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 0-9 g-p)@tx.test
            cli_case follow-through-greylist-card 0 "$SMTPING_INTEROP_RX_PASSWORD" "" \
                "$SMTPING_INTEROP_RX_MX" --ca-file "$SMTPING_INTEROP_CA" --sni "$SMTPING_INTEROP_RX_MX_HOST" \
                --command-timeout 15s --connect-timeout 5s --resolver "$SMTPING_INTEROP_DNS" \
                --from "$grey" --to "$SMTPING_INTEROP_RX_GREYLIST" \
                --retry-deferred --retry-schedule 25s --retry-deadline 120s \
                --seed "imap://greylist%40rx.test@$rx_imap/INBOX,Junk" \
                --seed-password-env SMTPING_INTEROP_RX_PASSWORD --seed-timeout 60s
            cli_case follow-through-lost-card 2 "$SMTPING_INTEROP_RX_PASSWORD" "" "${submit[@]}" \
                --from "$SMTPING_INTEROP_TX_FROM" --to "$SMTPING_INTEROP_RX_LOST" \
                --seed "imap://lost%40rx.test@$rx_imap/INBOX,Junk" --seed-timeout 15s
            mkdir -p "$ARTIFACTS/cards"
            cp "$WORK/log/cli/"follow-through-*.out "$ARTIFACTS/cards/" 2>/dev/null || true
        fi
        cli_case tls-scan-legacy-card 2 "" "" "$SMTPING_INTEROP_LEGACY_TLS" --tls implicit --tls-scan \
            --quit-after tls --no-signals --sni "$SMTPING_INTEROP_MX_HOST" --ca-file "$SMTPING_INTEROP_CA" \
            --command-timeout 3s

        printf '%-4s  %-30s %s\n' RES CASE RESULT
        local row
        for row in "${CLI_ROWS[@]}"; do
            IFS='|' read -r res name detail <<<"$row"
            printf '%-4s  %-30s %s\n' "$res" "$name" "$detail"
        done
        log "interop-cli: $((${#CLI_ROWS[@]} - CLI_FAILED)) passed, $CLI_FAILED failed"
        rm -f "$wrongfile"
        [ "$CLI_FAILED" -eq 0 ]
    )
}

# ---------------------------------------------------------------------------------------------

usage() {
    sed -n '2,/^# shellcheck/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

main() {
    local cmd=${1:-all}
    # Turn Ctrl-C / TERM into an ordinary exit so the EXIT traps clean up.
    trap 'exit 130' INT
    trap 'exit 143' TERM
    case $cmd in
        setup) do_setup ;;
        check)
            # shellcheck source=interop/check.sh
            . "$TPL/check.sh"
            do_check
            ;;
        test) do_test ;;
        crosscheck) do_crosscheck ;;
        tls-crosscheck) do_tls_crosscheck ;;
        monitoring) do_monitoring ;;
        stop)
            require_root
            check_workdir
            do_stop
            do_cleanup
            log "stopped"
            ;;
        status)
            check_workdir
            local pids
            pids=$(our_pids | paste -sd, -)
            if [ -n "$pids" ]; then ps -o pid,user,args -p "$pids"; else echo "nothing of ours is running"; fi
            ;;
        all)
            require_root
            check_workdir
            local rc=0
            trap 'do_stop quiet; do_cleanup' EXIT
            do_setup
            trap 'do_stop quiet; do_cleanup' EXIT
            # shellcheck source=interop/check.sh
            . "$TPL/check.sh"
            do_check || rc=$?
            if [ $rc -ne 0 ]; then
                dump_logs
                die "check failed: the servers do not behave as promised"
            fi
            do_test || rc=$?
            if [ $rc -ne 0 ]; then
                dump_logs
                log "interop tests failed (rc=$rc)"
            fi
            do_crosscheck || {
                log "signals cross-check failed"
                rc=1
            }
            do_tls_crosscheck || {
                log "TLS-scan cross-check against testssl.sh failed"
                rc=1
            }
            do_monitoring || {
                log "monitoring (Chromium render, Prometheus scrape of smtping serve) failed"
                rc=1
            }
            exit $rc
            ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
