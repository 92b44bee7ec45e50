# shellcheck shell=bash
# The follow-through receiver of the interop suite (issue 16), sourced by scripts/interop.sh.
#
# A network namespace `smtping-rx` joined to the host by a veth pair (host end 198.51.100.1/24,
# namespace end 198.51.100.25/24: documentation addresses, nothing leaves the machine) holds the
# receiving MX of rx.test: Postfix with OpenDKIM and OpenDMARC as milters and policyd-spf at
# RCPT (real Authentication-Results), postgrey for greylist@rx.test, and Dovecot serving the
# mailboxes over IMAP (143 STARTTLS, 993 implicit TLS) with a Sieve rule that files DMARC
# failures into Junk. Its resolver is /etc/netns/smtping-rx/resolv.conf -> Knot on 198.51.100.1:53
# (the host's /etc/resolv.conf is never touched). The suite's Postfix relays rx.test from its
# submission port to 198.51.100.25 (transport map), so bounces come back as real DSNs.
#
# Without the rights to create a namespace (no CAP_NET_ADMIN), RX_KIND=none and the receiver
# is skipped: the env file says so and the tests skip with a printed reason.

RX_NS=smtping-rx
RX_HOST_IF=smtpingrx0
RX_NS_IF=smtpingrx1
RX_HOST_ADDR=198.51.100.1
RX_ADDR=198.51.100.25
RX_KIND=none
RX_PASSWORD=

rx_exec() { ip netns exec "$RX_NS" "$@"; }

# Remove the namespace, the veth and /etc/netns/smtping-rx (idempotent).
rx_netns_off() {
    ip link del "$RX_HOST_IF" 2>/dev/null || true
    ip netns del "$RX_NS" 2>/dev/null || true
    rm -rf "/etc/netns/$RX_NS"
}

# The namespace and its link; sets RX_KIND=netns, or none (with the reason logged).
setup_rx_netns() {
    rx_netns_off
    if ! ip netns add "$RX_NS" 2>"$WORK/log/rx-netns.log"; then
        log "follow-through receiver: cannot create a network namespace ($(head -1 "$WORK/log/rx-netns.log")); skipped"
        RX_KIND=none
        return 0
    fi
    ip -n "$RX_NS" link set lo up &&
        ip link add "$RX_HOST_IF" type veth peer name "$RX_NS_IF" netns "$RX_NS" &&
        ip addr add "$RX_HOST_ADDR/24" dev "$RX_HOST_IF" &&
        ip link set "$RX_HOST_IF" up &&
        ip -n "$RX_NS" addr add "$RX_ADDR/24" dev "$RX_NS_IF" &&
        ip -n "$RX_NS" link set "$RX_NS_IF" up || {
        rx_netns_off
        die "follow-through receiver: cannot set up the veth link into $RX_NS"
    }
    mkdir -p "/etc/netns/$RX_NS"
    printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$RX_HOST_ADDR" >"/etc/netns/$RX_NS/resolv.conf"
    printf '127.0.0.1 localhost\n%s mx.rx.test imap.rx.test\n' "$RX_ADDR" >"/etc/netns/$RX_NS/hosts"
    RX_KIND=netns
    log "follow-through receiver: namespace $RX_NS, $RX_HOST_ADDR <-> $RX_ADDR"
}

# The DKIM keys of tx.test for `smtping check --dkim-key` (RSA 2048 and Ed25519, PKCS#8 PEM).
setup_tx_dkim_keys() {
    local D=$WORK/dkim
    mkdir -p "$D"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$D/tx-rsa.key" \
        2>>"$WORK/log/dkim-keys.log" || die "openssl: cannot make the tx.test RSA key"
    openssl genpkey -algorithm ED25519 -out "$D/tx-ed.key" 2>>"$WORK/log/dkim-keys.log" ||
        die "openssl: cannot make the tx.test Ed25519 key"
    chmod 0600 "$D"/tx-*.key
    export TPL_DKIM_TX_RSA TPL_DKIM_TX_ED
    TPL_DKIM_TX_RSA=$(dkim_txt "v=DKIM1; k=rsa;" "$(openssl pkey -in "$D/tx-rsa.key" -pubout \
        -outform DER 2>>"$WORK/log/dkim-keys.log" | base64 -w0)")
    TPL_DKIM_TX_ED=$(dkim_txt "v=DKIM1; k=ed25519;" "$(openssl pkey -in "$D/tx-ed.key" -pubout \
        -outform DER 2>>"$WORK/log/dkim-keys.log" | tail -c 32 | base64 -w0)")
}

# The relay route of the suite's Postfix (its transport map): rx.test to the receiver.
rx_transport_map() {
    if [ "$RX_KIND" = netns ]; then
        printf 'rx.test    smtp:[%s]:25\n' "$RX_ADDR"
    fi
}

# The receiver's daemons, each started inside the namespace.
setup_receiver() {
    [ "$RX_KIND" = netns ] || return 0
    log "follow-through receiver: Postfix + OpenDKIM + OpenDMARC + policyd-spf + postgrey + Dovecot in $RX_NS"
    local R=$WORK/rx T=$TPL/receiver u
    mkdir -p "$R/postfix/etc" "$R/postfix/queue" "$R/postfix/data" "$R/dovecot/run" \
        "$R/dovecot/state" "$R/mail" "$R/sieve" "$R/postgrey/db"
    render "$T/main.cf.in" "$R/postfix/etc/main.cf"
    render "$T/master.cf.in" "$R/postfix/etc/master.cf"
    cp "$T/recipient_access" "$T/vmailbox" "$R/postfix/etc/"
    if [ -e /etc/postfix/dynamicmaps.cf ]; then cp /etc/postfix/dynamicmaps.cf "$R/postfix/etc/"; fi
    render "$T/opendkim.conf.in" "$R/opendkim.conf"
    render "$T/unbound.conf.in" "$R/unbound.conf"
    render "$T/opendmarc.conf.in" "$R/opendmarc.conf"
    render "$T/policyd-spf.conf.in" "$R/policyd-spf.conf"
    render "$T/dovecot.conf.in" "$R/dovecot/dovecot.conf"
    cp "$T/junk.sieve" "$R/sieve/junk.sieve"
    chown postfix:postfix "$R/postfix/data"
    chown -R nobody:nogroup "$R/mail"
    chown postgrey:postgrey "$R/postgrey" "$R/postgrey/db"

    RX_PASSWORD=$(openssl rand -hex 12)
    : >"$R/dovecot/users"
    for u in alice bounces greylist lost; do
        printf '%s@rx.test:{PLAIN}%s::::::\n' "$u" "$RX_PASSWORD" >>"$R/dovecot/users"
    done
    chown root:dovecot "$R/dovecot/users"
    chmod 0640 "$R/dovecot/users"
    sievec -c "$R/dovecot/dovecot.conf" "$R/sieve/junk.sieve" >"$WORK/log/rx-sievec.log" 2>&1 || {
        cat "$WORK/log/rx-sievec.log" >&2
        die "sievec failed on junk.sieve"
    }

    rx_exec opendkim -x "$R/opendkim.conf" >"$WORK/log/rx-opendkim.log" 2>&1 || {
        cat "$WORK/log/rx-opendkim.log" >&2
        die "opendkim failed to start in $RX_NS"
    }
    rx_exec opendmarc -c "$R/opendmarc.conf" >"$WORK/log/rx-opendmarc.log" 2>&1 || {
        cat "$WORK/log/rx-opendmarc.log" >&2
        die "opendmarc failed to start in $RX_NS"
    }
    rx_exec postgrey --inet="127.0.0.1:$PORT_RX_POSTGREY" --daemonize \
        --pidfile="$R/postgrey/postgrey.pid" --dbdir="$R/postgrey/db" \
        --user=postgrey --group=postgrey --hostname=mx.rx.test \
        --delay=20 --auto-whitelist-clients=0 \
        --greylist-text="Greylisted, try again in 20 seconds" \
        >"$WORK/log/rx-postgrey.log" 2>&1 || {
        cat "$WORK/log/rx-postgrey.log" >&2
        die "postgrey failed to start in $RX_NS"
    }
    rx_exec dovecot -c "$R/dovecot/dovecot.conf" >"$WORK/log/rx-dovecot.log" 2>&1 || {
        cat "$WORK/log/rx-dovecot.log" >&2
        die "dovecot failed to start in $RX_NS"
    }
    rx_exec postfix -c "$R/postfix/etc" check >"$WORK/log/rx-postfix-check.log" 2>&1 || {
        cat "$WORK/log/rx-postfix-check.log" >&2
        die "postfix check failed for the receiver"
    }
    rx_exec postfix -c "$R/postfix/etc" start >"$WORK/log/rx-postfix-start.log" 2>&1 || {
        cat "$WORK/log/rx-postfix-start.log" >&2
        die "postfix failed to start in $RX_NS"
    }
    local port
    for port in 25 143 993; do
        wait_tcp "$RX_ADDR" "$port" 20 || die "nothing listens on $RX_ADDR:$port in $RX_NS"
    done
    # The milters and postgrey listen on the namespace's own loopback.
    for port in "$PORT_RX_OPENDKIM" "$PORT_RX_OPENDMARC" "$PORT_RX_POSTGREY"; do
        rx_exec bash -c "$(declare -f wait_tcp); wait_tcp 127.0.0.1 $port 20" ||
            die "nothing listens on 127.0.0.1:$port in $RX_NS (a milter or postgrey did not start)"
    done
}

stop_receiver() {
    local R=$WORK/rx
    if [ -s "$R/postfix/queue/pid/master.pid" ]; then
        rx_exec postfix -c "$R/postfix/etc" stop >/dev/null 2>&1 || true
    fi
    kill_pidfile "$R/postfix/queue/pid/master.pid" master
    kill_pidfile "$R/dovecot/run/master.pid" dovecot
    kill_pidfile "$R/opendkim.pid" opendkim
    kill_pidfile "$R/opendmarc.pid" opendmarc
    kill_pidfile "$R/postgrey/postgrey.pid" postgrey
    rx_netns_off
}

# The env file's lines for the receiver.
rx_env() {
    cat <<EOF
SMTPING_INTEROP_RX_KIND=$RX_KIND
SMTPING_INTEROP_RX_NS=$RX_NS
SMTPING_INTEROP_RX_DOMAIN=rx.test
SMTPING_INTEROP_RX_MX=$RX_ADDR:25
SMTPING_INTEROP_RX_MX_HOST=mx.rx.test
SMTPING_INTEROP_RX_IMAP=$RX_ADDR:143
SMTPING_INTEROP_RX_IMAPS=$RX_ADDR:993
SMTPING_INTEROP_RX_IMAP_HOST=imap.rx.test
SMTPING_INTEROP_RX_USER=alice@rx.test
SMTPING_INTEROP_RX_BOUNCES=bounces@rx.test
SMTPING_INTEROP_RX_GREYLIST=greylist@rx.test
SMTPING_INTEROP_RX_LOST=lost@rx.test
SMTPING_INTEROP_RX_UNKNOWN=nobody@rx.test
SMTPING_INTEROP_RX_PASSWORD=$RX_PASSWORD
SMTPING_INTEROP_RX_MAIL=$WORK/rx/mail
SMTPING_INTEROP_TX_DOMAIN=tx.test
SMTPING_INTEROP_TX_FROM=tester@tx.test
SMTPING_INTEROP_TX_FROM_NOSPF=tester@nospf.tx.test
SMTPING_INTEROP_TX_RELAY_ADDR=$RX_HOST_ADDR
SMTPING_INTEROP_TX_DKIM_RSA_KEY=$WORK/dkim/tx-rsa.key
SMTPING_INTEROP_TX_DKIM_RSA_SELECTOR=rsa2026
SMTPING_INTEROP_TX_DKIM_ED_KEY=$WORK/dkim/tx-ed.key
SMTPING_INTEROP_TX_DKIM_ED_SELECTOR=ed2026
EOF
}
