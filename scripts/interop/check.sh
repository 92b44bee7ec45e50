# shellcheck shell=bash
# `scripts/interop.sh check`: prove that every endpoint in $WORK/env behaves as documented, with
# tools nobody here wrote (swaks, kdig, openssl s_client). Sourced by interop.sh, which defines
# WORK, TPL, the PORT_* variables, log and die.
#
# Each case is one row: PASS/FAIL, name, what is expected, what was seen. A failing SMTP case
# keeps its whole swaks transcript in $WORK/log/check/<name>.txt.

CHECK_ROWS=()
CHECK_FAILS=0
CHECK_CLIENT=client.interop.test

# record NAME WANT GOT [TRANSCRIPT]: GOT passes when it equals WANT or starts with "WANT ".
record() {
    local name=$1 want=$2 got=$3 transcript=${4:-} status=PASS
    if [ "$got" != "$want" ] && [[ "$got" != "$want "* ]]; then
        status=FAIL
        CHECK_FAILS=$((CHECK_FAILS + 1))
        if [ -n "$transcript" ]; then
            mkdir -p "$WORK/log/check"
            printf '%s\n' "$transcript" >"$WORK/log/check/$name.txt"
        fi
    fi
    CHECK_ROWS+=("$status|$name|$want|$got")
    if [ -n "${SMTPING_INTEROP_VERBOSE:-}" ]; then printf '%-4s %-28s %s\n' "$status" "$name" "$got" >&2; fi
}

# reply_after REGEX: reads a swaks transcript on stdin and prints "CODE ENHANCED text" of the
# first server reply after the LAST client line matching REGEX ("none" when there is none);
# REGEX "GREETING" means the greeting.
reply_after() {
    perl -e '
        my $re = qr/$ARGV[0]/;
        my $greeting = $ARGV[0] eq "GREETING";
        my ($seen, $got) = ($greeting ? 1 : 0, "none");
        while (my $l = <STDIN>) {
            chomp $l;
            if ($l =~ /^ [-~]> (.*)$/) {
                if (!$greeting && $1 =~ $re) { $seen = 1; $got = "none"; }
                next;
            }
            if ($seen && $got eq "none" && $l =~ /^<[-~*]+\s+(\d{3})[ -](.*)$/) {
                $got = "$1 $2";
            }
        }
        $got = substr($got, 0, 90);
        print "$got\n";
    ' "$1"
}

# smtp_case NAME WANT CMD_REGEX SWAKS_ARGS...: run swaks, compare the reply to CMD_REGEX.
smtp_case() {
    local name=$1 want=$2 re=$3 out got
    shift 3
    out=$(timeout 40 swaks --helo "$CHECK_CLIENT" --timeout 15 "$@" 2>&1) || true
    got=$(printf '%s\n' "$out" | reply_after "$re")
    record "$name" "$want" "$got" "$out"
}

# ehlo_case NAME WANT SWAKS_ARGS...: GOT = "starttls=yes|no auth=MECHS|no" from the last EHLO.
ehlo_case() {
    local name=$1 want=$2 out got
    shift 2
    out=$(timeout 40 swaks --helo "$CHECK_CLIENT" --timeout 15 --quit-after EHLO "$@" 2>&1) || true
    got=$(printf '%s\n' "$out" | perl -e '
        my @ehlo;
        while (my $l = <STDIN>) {
            chomp $l;
            if ($l =~ /^ [-~]> EHLO /) { @ehlo = (); next; }
            push @ehlo, $1 if $l =~ /^<[-~*]+\s+250[ -](.*)$/;
        }
        my ($tls) = grep { /^STARTTLS$/i } @ehlo;
        my ($auth) = grep { /^AUTH[ =]/i } @ehlo;
        $auth = defined $auth ? (split /[ =]/, $auth, 2)[1] : "no";
        $auth =~ s/\s+/,/g;
        printf "starttls=%s auth=%s\n", ($tls ? "yes" : "no"), $auth;
    ')
    record "$name" "$want" "$got" "$out"
}

# probe_case NAME WANT HOST PORT CMD_PREFIX COMMAND...: raw dialogue (smtp-probe.pl); compare
# the reply to the first command that starts with CMD_PREFIX.
probe_case() {
    local name=$1 want=$2 host=$3 port=$4 prefix=$5 out got
    shift 5
    out=$(timeout 40 perl "$TPL/smtp-probe.pl" "$host" "$port" "$@" 2>&1) || true
    got=$(printf '%s\n' "$out" | awk -F'|' -v p="$prefix" 'index($1, p) == 1 {
        split($3, w, " "); print $2 " " (w[2] ~ /^[245]\.[0-9]+\.[0-9]+$/ ? w[2] : "-"); exit }')
    record "$name" "$want" "${got:-none}" "$out"
}

# tls_case NAME WANT PORT NAME [starttls|implicit]: openssl s_client verdict against the test root.
tls_case() {
    local name=$1 want=$2 port=$3 host=$4 mode=${5:-starttls} out got
    local args=(-connect "127.0.0.1:$port" -servername "$host" -verify_hostname "$host"
        -CAfile "$WORK/certs/ca.pem" -brief)
    [ "$mode" = starttls ] && args+=(-starttls smtp -name "$CHECK_CLIENT")
    out=$(timeout 20 openssl s_client "${args[@]}" </dev/null 2>&1) || true
    got=$(printf '%s\n' "$out" | perl -e '
        my ($err, $ok, $proto);
        while (my $l = <STDIN>) {
            $err //= $1 if $l =~ /^verify error:num=\d+:(.*?)\s*$/;
            $ok = 1 if $l =~ /^Verification: OK/;
            $proto = $1 if $l =~ /^Protocol version: (\S+)/;
        }
        if (!$proto) { print "no-handshake\n" }
        elsif ($err) { print "$err ($proto)\n" }
        elsif ($ok) { print "OK ($proto)\n" }
        else { print "unknown ($proto)\n" }
    ')
    record "$name" "$want" "$got" "$out"
}

# dns_case NAME WANT KDIG_ARGS...: GOT = the answer data sorted and joined by " | ", or the
# status word when it is not NOERROR, or "NOERROR/empty".
dns_case() {
    local name=$1 want=$2 out got status
    shift 2
    out=$(kdig +timeout=2 +retry=1 "$@" 2>&1) || true
    status=$(printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -1)
    if [ "$status" = NOERROR ]; then
        got=$(printf '%s\n' "$out" | awk '/^;; ANSWER SECTION:/ {a=1; next} /^;;/ || /^$/ {a=0} a' |
            awk '{ $1=""; $2=""; $3=""; $4=""; sub(/^ +/, ""); print }' | sort | paste -sd'|' | sed 's/|/ | /g')
        got=${got:-NOERROR/empty}
    else
        got=${status:-no-answer}
    fi
    record "$name" "$want" "$got" "$out"
}

# connect_case NAME WANT HOST PORT: refused | timeout (no answer to SYN within 3 s) | silent
# (connected, no byte within 2 s) | speaks.
connect_case() {
    local name=$1 want=$2 host=$3 port=$4 got
    # shellcheck disable=SC2016 # Perl code, not shell
    got=$(timeout 10 perl -e '
        use IO::Socket::INET;
        use IO::Select;
        my ($host, $port) = @ARGV;
        my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => "tcp", Timeout => 3);
        if (!$s) {
            print $!{ECONNREFUSED} ? "refused\n" : ($!{ETIMEDOUT} || $!{EINPROGRESS} || "$@" =~ /timeout/i) ? "timeout\n" : "error: $!\n";
            exit 0;
        }
        print IO::Select->new($s)->can_read(2) ? "speaks\n" : "silent\n";
    ' "$host" "$port" 2>&1) || got=check-timeout
    record "$name" "$want" "$got"
}

# maildir_count DIR: files in DIR/new (0 when absent).
maildir_count() { { find "$1/new" -type f 2>/dev/null || true; } | wc -l; }

# wait_maildir NAME DIR BEFORE: a new message must land within 15 s.
wait_maildir() {
    local name=$1 dir=$2 before=$3 i n=0
    for ((i = 0; i < 75; i++)); do
        n=$(maildir_count "$dir")
        [ "$n" -gt "$before" ] && break
        sleep 0.2
    done
    if [ "$n" -gt "$before" ]; then record "$name" delivered delivered; else record "$name" delivered "not-delivered ($n files)"; fi
}

check_dns() {
    local at=(@127.0.0.1 -p "$PORT_DNS")
    local tlsa
    tlsa=$(tr 'a-f' 'A-F' <"$WORK/certs/valid.tlsa311")
    dns_case dns.mx "10 mx.interop.test. | 20 mx2.interop.test." "${at[@]}" MX interop.test
    dns_case dns.mx.a "127.0.0.1" "${at[@]}" A mx.interop.test
    dns_case dns.mx.aaaa "::1" "${at[@]}" AAAA mx.interop.test
    dns_case dns.mx2.a "127.0.0.2" "${at[@]}" A mx2.interop.test
    dns_case dns.nullmx "0 ." "${at[@]}" MX nullmx.interop.test
    dns_case dns.nomx.mx "NOERROR/empty" "${at[@]}" MX nomx.interop.test
    dns_case dns.nomx.a "127.0.0.1" "${at[@]}" A nomx.interop.test
    dns_case dns.cname "mx.interop.test." "${at[@]}" CNAME mail.interop.test
    dns_case dns.dangling "10 nowhere.interop.test." "${at[@]}" MX dangling.interop.test
    dns_case dns.dangling.a "NXDOMAIN" "${at[@]}" A nowhere.interop.test
    dns_case dns.deadmx "10 mx2.interop.test." "${at[@]}" MX deadmx.interop.test
    dns_case dns.spf '"v=spf1 ip4:127.0.0.1 ip6:::1 -all"' "${at[@]}" TXT interop.test
    dns_case dns.dmarc '"v=DMARC1; p=reject; rua=mailto:dmarc@interop.test"' "${at[@]}" TXT _dmarc.interop.test
    dns_case dns.tlsa "3 1 1 $tlsa" "${at[@]}" TLSA _25._tcp.mx.interop.test
    dns_case dns.ptr4 "mx.interop.test." "${at[@]}" -x 127.0.0.1
    dns_case dns.ptr4.mx2 "mx2.interop.test." "${at[@]}" -x 127.0.0.2
    dns_case dns.ptr4.none "NXDOMAIN" "${at[@]}" -x 127.0.0.3
    dns_case dns.ptr6 "mx.interop.test." "${at[@]}" -x ::1
    dns_case dns.nxdomain "NXDOMAIN" "${at[@]}" A nxdomain.interop.test
    dns_case dns.outside "REFUSED" "${at[@]}" A outside.example
    dns_case dns.over-ipv6 "127.0.0.1" @::1 -p "$PORT_DNS" A mx.interop.test
    dns_case dns.over-tcp "127.0.0.1" "${at[@]}" +tcp A mx.interop.test
    # Deliverability signals (issue 14): the signals.test zones, rbldnsd directly and through
    # Knot's proxy, and the empty _dmarc.test node (the cross-check compares the rest).
    dns_case dns.signals.spf '"v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"' "${at[@]}" TXT spf-pass.signals.test
    dns_case dns.signals.dkim-cname "s1._domainkey.esp.signals.test." "${at[@]}" CNAME alias._domainkey.signals.test
    dns_case dns.signals.domainkey-ent "NOERROR/empty" "${at[@]}" TXT _domainkey.signals.test
    dns_case dns.signals.ptr "good.signals.test." "${at[@]}" -x 192.0.2.10
    dns_case dns.signals.ptr6 "good.signals.test." "${at[@]}" -x 2001:db8::10
    dns_case dns.signals.report-auth '"v=DMARC1"' "${at[@]}" TXT signals.test._report._dmarc.reports.test
    dns_case dns.signals.dmarc-tld "NOERROR/empty" "${at[@]}" TXT _dmarc.test
    dns_case dns.rbldnsd.listed "127.0.0.2" @127.0.0.1 -p "$PORT_RBLDNSD" A 2.0.0.127.dnsbl.test
    dns_case dns.rbldnsd.unlisted "NXDOMAIN" @127.0.0.1 -p "$PORT_RBLDNSD" A 10.2.0.192.dnsbl.test
    dns_case dns.rbldnsd.proxied "127.0.0.2" "${at[@]}" A 2.0.0.127.dnsbl.test
    dns_case dns.rbldnsd.proxied.txt '"Listed: the conventional DNSBL test entry 127.0.0.2"' "${at[@]}" TXT 2.0.0.127.dnsbl.test
    dns_case dns.rbldnsd.domain "127.0.1.2" "${at[@]}" A mx-listed.signals.test.dbl.test
    # Truncation: over UDP the big answer has TC set; over TCP it is complete.
    local out n
    out=$(kdig +timeout=2 +retry=1 +notcp +ignore "${at[@]}" TXT big.interop.test 2>&1) || true
    if printf '%s\n' "$out" | grep -qE ';; Flags:.* tc( |;|$)'; then
        record dns.big.udp "TC=1" "TC=1" "$out"
    else
        record dns.big.udp "TC=1" "TC=0" "$out"
    fi
    out=$(kdig +timeout=2 +retry=1 +tcp +short "${at[@]}" TXT big.interop.test 2>&1) || true
    n=$(printf '%s\n' "$out" | grep -c '^"record ' || true)
    record dns.big.tcp "30 records" "$n records" "$out"
}

check_tls() {
    tls_case tls.valid "OK (TLSv1.3)" "$PORT_MX" mx.interop.test
    tls_case tls.implicit "OK (TLSv1.3)" "$PORT_SMTPS" mx.interop.test implicit
    tls_case tls.submission "OK (TLSv1.3)" "$PORT_SUBMISSION" mx.interop.test
    tls_case tls.encrypt "OK (TLSv1.3)" "$PORT_ENCRYPT" mx.interop.test
    tls_case tls.greylist "OK (TLSv1.3)" "$PORT_GREYLIST" mx.interop.test
    tls_case tls.openrelay "OK (TLSv1.3)" "$PORT_OPENRELAY" mx.interop.test
    tls_case tls.tls12 "OK (TLSv1.2)" "$PORT_TLS12" mx.interop.test
    tls_case tls.exim "OK (TLSv1.3)" "$PORT_EXIM" exim.interop.test
    tls_case tls.mismatch "hostname mismatch (TLSv1.3)" "$PORT_TLS_MISMATCH" mx.interop.test
    tls_case tls.expired "certificate has expired (TLSv1.3)" "$PORT_TLS_EXPIRED" mx.interop.test
    tls_case tls.selfsigned "self-signed certificate (TLSv1.3)" "$PORT_TLS_SELFSIGNED" mx.interop.test
    tls_case tls.incomplete "unable to get local issuer certificate (TLSv1.3)" "$PORT_TLS_INCOMPLETE" mx.interop.test
    tls_case tls.untrusted "self-signed certificate in certificate chain (TLSv1.3)" "$PORT_TLS_UNTRUSTED" mx.interop.test
    tls_case tls.notyetvalid "certificate is not yet valid (TLSv1.3)" "$PORT_TLS_NOTYETVALID" mx.interop.test
    # The valid chain checked with a wrong expected name, as a client connecting by IP would.
    tls_case tls.valid.wrong-name "hostname mismatch (TLSv1.3)" "$PORT_MX" other.interop.test
}

check_postfix() {
    local pw=$1 mx=(--server 127.0.0.1 --port "$PORT_MX") from=tester@interop.test
    local big=$WORK/log/check-body-30k.txt
    mkdir -p "$WORK/log"
    perl -e 'print "x" x 76, "\n" for 1 .. 400' >"$big"

    smtp_case mx.greeting "220" GREETING "${mx[@]}" --quit-after CONNECT
    ehlo_case mx.ehlo.plain "starttls=yes auth=no" "${mx[@]}"
    ehlo_case mx.ehlo.tls "starttls=no auth=PLAIN,LOGIN" "${mx[@]}" --tls
    local before
    before=$(maildir_count "$WORK/mail/interop.test/alice")
    smtp_case mx.deliver.tls "250 2.0.0" '^\.$' "${mx[@]}" --tls --from "$from" --to alice@interop.test
    wait_maildir mx.deliver.maildir "$WORK/mail/interop.test/alice" "$before"
    smtp_case mx.deliver.plain "250 2.0.0" '^\.$' "${mx[@]}" --from "$from" --to bob@interop.test
    smtp_case mx.unknown "550 5.1.1" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to nobody@interop.test --quit-after RCPT
    smtp_case mx.relay.noauth "554 5.7.1" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to rcpt@outside.example --quit-after RCPT
    smtp_case mx.auth.plain "235 2.7.0" '^AUTH' "${mx[@]}" --tls --auth PLAIN --auth-user alice@interop.test --auth-password "$pw" --quit-after AUTH
    smtp_case mx.auth.login "235 2.7.0" '^AUTH|^[A-Za-z0-9+/]{12,}=*$' "${mx[@]}" --tls --auth LOGIN --auth-user alice@interop.test --auth-password "$pw" --quit-after AUTH
    smtp_case mx.auth.bad "535 5.7.8" '^AUTH' "${mx[@]}" --tls --auth PLAIN --auth-user alice@interop.test --auth-password wrong-password --quit-after AUTH
    # AUTH is not offered before TLS; sent anyway, it is refused (fixed dummy credentials).
    probe_case mx.auth.plaintext "503 5.5.1" 127.0.0.1 "$PORT_MX" "AUTH" "AUTH PLAIN $(printf '\0x\0y' | base64)"
    smtp_case mx.relay.auth "250 2.1.5" '^RCPT TO' "${mx[@]}" --tls --auth PLAIN --auth-user alice@interop.test --auth-password "$pw" --from alice@interop.test --to rcpt@outside.example --quit-after RCPT
    probe_case mx.size.mail "552 5.3.4" 127.0.0.1 "$PORT_MX" "MAIL FROM" "MAIL FROM:<$from> SIZE=30000"
    smtp_case mx.size.body "552 5.3.4" '^\.$' "${mx[@]}" --tls --from "$from" --to alice@interop.test --body "@$big"
    smtp_case mx.rcpt-limit "452 4.5.3" '^RCPT TO' "${mx[@]}" --tls --from "$from" --quit-after RCPT \
        --to alice@interop.test,alice@interop.test,alice@interop.test,alice@interop.test,alice@interop.test,alice@interop.test
    smtp_case mx.rcpt.450 "450 4.7.1" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to greylist450@interop.test --quit-after RCPT
    smtp_case mx.rcpt.421 "421 4.3.2" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to shutdown421@interop.test --quit-after RCPT
    smtp_case mx.rcpt.451 "451 4.3.0" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to tempfail451@interop.test --quit-after RCPT
    smtp_case mx.rcpt.550 "550 5.2.1" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to disabled550@interop.test --quit-after RCPT
    smtp_case mx.rcpt.552 "552 5.2.2" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to full552@interop.test --quit-after RCPT
    smtp_case mx.rcpt.553 "553 5.1.3" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to notallowed553@interop.test --quit-after RCPT
    smtp_case mx.rcpt.554 "554 5.7.1" '^RCPT TO' "${mx[@]}" --tls --from "$from" --to policy554@interop.test --quit-after RCPT
    smtp_case mx.sender.blocked "553 5.7.1" '^RCPT TO' "${mx[@]}" --tls --from blocked@sender.example --to alice@interop.test --quit-after RCPT
    smtp_case mx6.rcpt "250 2.1.5" '^RCPT TO' --server ::1 --port "$PORT_MX" --tls --from "$from" --to alice@interop.test --quit-after RCPT

    local smtps=(--server 127.0.0.1 --port "$PORT_SMTPS" --tlsc)
    ehlo_case smtps.ehlo "starttls=no auth=PLAIN,LOGIN" "${smtps[@]}"
    smtp_case smtps.auth "235 2.7.0" '^AUTH' "${smtps[@]}" --auth PLAIN --auth-user alice@interop.test --auth-password "$pw" --quit-after AUTH
    smtp_case smtps.deliver "250 2.0.0" '^\.$' "${smtps[@]}" --from "$from" --to alice@interop.test

    local sub=(--server 127.0.0.1 --port "$PORT_SUBMISSION")
    ehlo_case submission.ehlo.plain "starttls=yes auth=no" "${sub[@]}"
    smtp_case submission.mail.plain "530 5.7.0" '^MAIL FROM' "${sub[@]}" --from "$from" --to alice@interop.test --quit-after MAIL
    smtp_case submission.mail.tls "530 5.7.0" '^MAIL FROM' "${sub[@]}" --tls --from "$from" --to alice@interop.test --quit-after MAIL
    smtp_case submission.auth "235 2.7.0" '^AUTH' "${sub[@]}" --tls --auth PLAIN --auth-user alice@interop.test --auth-password "$pw" --quit-after AUTH
    smtp_case submission.auth.bad "535 5.7.8" '^AUTH' "${sub[@]}" --tls --auth PLAIN --auth-user alice@interop.test --auth-password wrong-password --quit-after AUTH
    smtp_case submission.relay.auth "250 2.1.5" '^RCPT TO' "${sub[@]}" --tls --auth PLAIN --auth-user alice@interop.test --auth-password "$pw" --from alice@interop.test --to rcpt@outside.example --quit-after RCPT

    local enc=(--server 127.0.0.1 --port "$PORT_ENCRYPT")
    smtp_case encrypt.mail.plain "530 5.7.0" '^MAIL FROM' "${enc[@]}" --from "$from" --to alice@interop.test --quit-after MAIL
    smtp_case encrypt.rcpt.tls "250 2.1.5" '^RCPT TO' "${enc[@]}" --tls --from "$from" --to alice@interop.test --quit-after RCPT

    local grey=(--server 127.0.0.1 --port "$PORT_GREYLIST")
    smtp_case greylist.first "450 4.2.0" '^RCPT TO' "${grey[@]}" --tls --from "$from" --to alice@interop.test --quit-after RCPT
    smtp_case greylist.retry "450 4.2.0" '^RCPT TO' "${grey[@]}" --tls --from "$from" --to alice@interop.test --quit-after RCPT

    local plain=(--server 127.0.0.1 --port "$PORT_PLAIN")
    ehlo_case plain.ehlo "starttls=no auth=PLAIN,LOGIN" "${plain[@]}"
    smtp_case plain.auth "235 2.7.0" '^AUTH' "${plain[@]}" --auth PLAIN --auth-user alice@interop.test --auth-password "$pw" --quit-after AUTH
    probe_case plain.starttls "502 5.5.1" 127.0.0.1 "$PORT_PLAIN" "STARTTLS" "STARTTLS"

    local relay=(--server 127.0.0.1 --port "$PORT_OPENRELAY")
    smtp_case openrelay.rcpt "250 2.1.5" '^RCPT TO' "${relay[@]}" --from sender@outside.example --to rcpt@outside.example --quit-after RCPT

    local v
    for v in MISMATCH EXPIRED SELFSIGNED INCOMPLETE UNTRUSTED NOTYETVALID; do
        local port_var=PORT_TLS_$v
        ehlo_case "tlsvariant.${v,,}.ehlo" "starttls=yes auth=no" --server 127.0.0.1 --port "${!port_var}"
    done
}

check_exim() {
    local ex=(--server 127.0.0.1 --port "$PORT_EXIM") from=tester@interop.test out got
    out=$(timeout 20 swaks --helo "$CHECK_CLIENT" --timeout 15 "${ex[@]}" --quit-after CONNECT 2>&1) || true
    got=$(printf '%s\n' "$out" | perl -ne 'if (/^<[-~*]+\s+(\d{3}) .*\b(Exim) \d/) { print "$1 $2\n"; exit }')
    record exim.greeting "220 Exim" "${got:-none}" "$out"
    ehlo_case exim.ehlo.plain "starttls=yes auth=no" "${ex[@]}"
    local before
    before=$(maildir_count "$WORK/exim/mail/alice")
    smtp_case exim.deliver.tls "250 OK" '^\.$' "${ex[@]}" --tls --from "$from" --to alice@interop.test
    wait_maildir exim.deliver.maildir "$WORK/exim/mail/alice" "$before"
    smtp_case exim.unknown "550 5.1.1" '^RCPT TO' "${ex[@]}" --tls --from "$from" --to nobody@interop.test --quit-after RCPT
    smtp_case exim.relay "550 5.7.1" '^RCPT TO' "${ex[@]}" --tls --from "$from" --to rcpt@outside.example --quit-after RCPT
    probe_case exim.size.mail "552 -" 127.0.0.1 "$PORT_EXIM" "MAIL FROM" "MAIL FROM:<$from> SIZE=30000"
    smtp_case exim.size.body "552 Message" '^\.$' "${ex[@]}" --tls --from "$from" --to alice@interop.test --body "@$WORK/log/check-body-30k.txt"
    smtp_case exim.rcpt-limit "452" '^RCPT TO' "${ex[@]}" --tls --from "$from" --quit-after RCPT \
        --to alice@interop.test,alice@interop.test,alice@interop.test,alice@interop.test,alice@interop.test,alice@interop.test
    smtp_case exim6.rcpt "250 Accepted" '^RCPT TO' --server ::1 --port "$PORT_EXIM" --tls --from "$from" --to alice@interop.test --quit-after RCPT
}

check_network() {
    connect_case net.refused refused 127.0.0.1 "$PORT_REFUSED"
    connect_case net.refused.mx2 refused 127.0.0.2 "$PORT_MX"
    connect_case net.silent silent 127.0.0.1 "$PORT_SILENT"
    if [ "${SMTPING_INTEROP_BLACKHOLE_KIND:-none}" != none ]; then
        connect_case net.blackhole timeout 127.0.0.1 "$PORT_BLACKHOLE"
    else
        CHECK_ROWS+=("SKIP|net.blackhole|timeout|no firewall available (SMTPING_INTEROP_BLACKHOLE empty)")
    fi
    # Nothing of ours listens anywhere but loopback.
    local pids bad
    pids=$(our_pids | paste -sd'|')
    bad=$(ss -Hlntup | grep -E "pid=($pids)," | awk '{print $5}' |
        grep -vE "^(127\.[0-9.]+|\[::1\]|198\.51\.100\.1):[0-9]+$" | paste -sd' ' || true)
    record net.loopback-only "yes" "${bad:+no: $bad}${bad:-yes}"
}

# --- Transport security (issue 15) ------------------------------------------------------------

# vdns_case NAME WANT KDIG_ARGS...: a query to the validating resolver (with DO). GOT = "STATUS ad"
# or "STATUS noad", then " ede CODE" when the answer carries an Extended DNS Error. A bogus zone's
# first failure is EDE 9 (DNSKEY Missing) / 7 (Signature Expired); while Unbound keeps the failed
# key in its key cache, later answers say EDE 6 (DNSSEC Bogus): so the bogus cases accept any code.
vdns_case() {
    local name=$1 want=$2 out status ad ede
    shift 2
    out=$(dig +time=3 +tries=1 +dnssec @127.0.0.1 -p "$PORT_VALIDATOR" "$@" 2>&1) || true
    status=$(printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -1)
    if printf '%s\n' "$out" | grep -qE '^;; flags:[^;]* ad[ ;]'; then ad=ad; else ad=noad; fi
    ede=$(printf '%s\n' "$out" | sed -n 's/^; EDE: \([0-9]*\).*/ ede \1/p' | head -1)
    record "$name" "$want" "${status:-no-answer} $ad$ede" "$out"
}

# dane_case NAME WANT MXHOST: openssl s_client's DANE verdict (the TLSA set from the validating
# resolver, -dane_tlsa_rrdata) on the secure Postfix listener (what MXHOST:25 at 127.0.0.37 reaches).
dane_case() {
    local name=$1 want=$2 host=$3 out got rr args=() l
    rr=$(dig +time=3 +tries=1 +short @127.0.0.1 -p "$PORT_VALIDATOR" TLSA "_25._tcp.$host" 2>/dev/null |
        awk '{ d = ""; for (i = 4; i <= NF; i++) d = d $i; print $1, $2, $3, d }')
    while read -r l; do [ -n "$l" ] && args+=(-dane_tlsa_rrdata "$l"); done <<<"$rr"
    out=$(timeout 20 openssl s_client -connect "127.0.0.1:$PORT_SECURE_MX" -starttls smtp -name "$CHECK_CLIENT" \
        -servername "$host" -dane_tlsa_domain "$host" "${args[@]}" -CAfile "$WORK/certs/ca.pem" \
        -brief </dev/null 2>&1) || true
    got=$(printf '%s\n' "$out" | perl -e '
        my ($err, $ok, $m);
        while (my $l = <STDIN>) {
            $err //= $1 if $l =~ /^verify error:num=\d+:(.*?)\s*$/;
            $ok = 1 if $l =~ /^Verification: OK/;
            $m = "$1 $2 $3" if $l =~ /^DANE TLSA (\d) (\d) (\d) .*matched/;
        }
        print $ok && $m ? "OK $m\n" : $err ? "$err\n" : "no-handshake\n";
    ')
    record "$name" "$want" "$got" "$out"
}

# https_case NAME WANT HOST: GET https://HOST/.well-known/mta-sts.txt through nginx
# (--connect-to HOST:443:127.0.0.1:PORT_MTASTS), CA = the test root: "CODE content-type" or curl's error.
https_case() {
    local name=$1 want=$2 host=$3 out got
    out=$(curl -sS --max-time 10 --cacert "$WORK/certs/ca.pem" --connect-to "$host:443:127.0.0.1:$PORT_MTASTS" \
        -o /dev/null -w '%{http_code} %{content_type}' "https://$host/.well-known/mta-sts.txt" 2>&1) || true
    got=$(printf '%s' "$out" | sed -e 's/^curl: (\([0-9]*\)).*/curl-error-\1/' -e 's/;.*//' | head -1)
    record "$name" "$want" "$got" "$out"
}

# legacy_case NAME WANT PORT VERSION [starttls]: the protocol openssl s_client negotiates when
# limited to VERSION (tls1, tls1_1, tls1_2, tls1_3) at @SECLEVEL=0, or "refused".
legacy_case() {
    local name=$1 want=$2 port=$3 v=$4 mode=${5:-implicit} out got args
    args=(-connect "127.0.0.1:$port" "-$v" -brief)
    [ "$v" = tls1_3 ] || args+=(-cipher 'ALL:eNULL:@SECLEVEL=0')
    [ "$mode" = starttls ] && args+=(-starttls smtp -name "$CHECK_CLIENT")
    out=$(timeout 15 openssl s_client "${args[@]}" </dev/null 2>&1) || true
    got=$(printf '%s\n' "$out" | sed -n 's/^Protocol version: \(.*\)/\1/p' | head -1)
    record "$name" "$want" "${got:-refused}" "$out"
}

check_transport() {
    if [ -z "${SMTPING_INTEROP_VALIDATOR:-}" ]; then
        CHECK_ROWS+=("SKIP|transport|-|no SMTPING_INTEROP_VALIDATOR in env")
        return 0
    fi
    local at=(@127.0.0.1 -p "$PORT_DNS")
    # Knot signs (RRSIG present at the authoritative server) and the validator sets AD.
    dns_case dnssec.knot.mx "10 mx-dane.secure.test. | 20 mx-roll.secure.test. | 30 mx-ta.secure.test." "${at[@]}" MX secure.test
    local out
    out=$(kdig +timeout=2 +retry=1 +dnssec "${at[@]}" MX secure.test 2>&1) || true
    if printf '%s\n' "$out" | grep -q 'RRSIG.*MX 13 2'; then record dnssec.knot.rrsig "RRSIG MX 13" "RRSIG MX 13" "$out"; else record dnssec.knot.rrsig "RRSIG MX 13" none "$out"; fi
    vdns_case dnssec.secure.mx "NOERROR ad" MX secure.test
    vdns_case dnssec.secure.a "NOERROR ad" A mx-dane.secure.test
    vdns_case dnssec.secure.tlsa "NOERROR ad" TLSA _25._tcp.mx-dane.secure.test
    vdns_case dnssec.secure.notlsa "NXDOMAIN ad" TLSA _25._tcp.mx-notlsa.secure.test
    vdns_case dnssec.secure.nxdomain "NXDOMAIN ad" A nothing-here.secure.test
    vdns_case dnssec.bogus.mx "SERVFAIL noad ede" MX bogus.secure.test
    vdns_case dnssec.bogus.tlsa "SERVFAIL noad ede" TLSA _25._tcp.mx.bogus.secure.test
    vdns_case dnssec.expired.mx "SERVFAIL noad ede" MX expired.secure.test
    vdns_case dnssec.unsigned.mx "NOERROR noad" MX unsigned.secure.test
    vdns_case dnssec.insecure.interop "NOERROR noad" MX interop.test
    vdns_case dnssec.validator6 "NOERROR ad" MX secure.test @::1 -p "$PORT_VALIDATOR"
    vdns_case dnssec.mtasts.txt "NOERROR ad" TXT _mta-sts.secure.test
    vdns_case dnssec.tlsrpt.txt "NOERROR ad" TXT _smtp._tls.secure.test

    # DANE, with OpenSSL as the oracle (it also accepts PKIX usages 0/1, which SMTP must not).
    dane_case dane.ee "OK 3 1 1" mx-dane.secure.test
    dane_case dane.ee.302 "OK 3 0 2" mx-dane-302.secure.test
    dane_case dane.rollover "OK 3 1 1" mx-roll.secure.test
    dane_case dane.rollover.ta "OK 3 1 1" mx-roll-ta.secure.test
    dane_case dane.ta "OK 2" mx-ta.secure.test
    dane_case dane.mismatch "no matching DANE TLSA records" mx-mismatch.secure.test
    dane_case dane.ta.badname "hostname mismatch" mx-ta-badname.secure.test
    if [ "${SMTPING_INTEROP_SWEEP_KIND:-none}" != none ]; then
        connect_case dane.mx.port25 speaks 127.0.0.37 25
    fi

    # MTA-STS policy hosts (nginx).
    https_case mtasts.enforce "200 text/plain" mta-sts.secure.test
    https_case mtasts.testing "200 text/plain" mta-sts.testing.secure.test
    https_case mtasts.nomatch "200 text/plain" mta-sts.nomatch.secure.test
    https_case mtasts.missing "404 text/html" mta-sts.missing.secure.test
    https_case mtasts.redirect "301 text/html" mta-sts.redirect.secure.test
    https_case mtasts.ctype "200 text/html" mta-sts.ctype.secure.test
    https_case mtasts.badcert "curl-error-60" mta-sts.badcert.secure.test
    dns_case mtasts.twotxt '"v=STSv1; id=twotxt1;" | "v=STSv1; id=twotxt2;"' "${at[@]}" TXT _mta-sts.twotxt.secure.test

    # Legacy TLS: openssl s_server (implicit) and Postfix (STARTTLS) take TLS 1.0-1.2, not 1.3.
    legacy_case legacy.implicit.tls1 TLSv1 "$PORT_LEGACY_TLS" tls1
    legacy_case legacy.implicit.tls1_1 TLSv1.1 "$PORT_LEGACY_TLS" tls1_1
    legacy_case legacy.implicit.tls1_2 TLSv1.2 "$PORT_LEGACY_TLS" tls1_2
    legacy_case legacy.implicit.tls1_3 refused "$PORT_LEGACY_TLS" tls1_3
    legacy_case legacy.starttls.tls1 TLSv1 "$PORT_LEGACY_STARTTLS" tls1 starttls
    legacy_case legacy.starttls.tls1_3 refused "$PORT_LEGACY_STARTTLS" tls1_3 starttls
    legacy_case tls12only.tls1 refused "$PORT_TLS12" tls1 starttls
    legacy_case tls12only.tls1_3 refused "$PORT_TLS12" tls1_3 starttls

    # The port sweep host: 25 filtered (timeout), 465 / 587 / 2525 answer.
    if [ "${SMTPING_INTEROP_SWEEP_KIND:-none}" != none ]; then
        connect_case sweep.25 timeout "$SMTPING_INTEROP_SWEEP_ADDR" 25
        connect_case sweep.465 silent "$SMTPING_INTEROP_SWEEP_ADDR" 465
        connect_case sweep.587 speaks "$SMTPING_INTEROP_SWEEP_ADDR" 587
        connect_case sweep.2525 speaks "$SMTPING_INTEROP_SWEEP_ADDR" 2525
        dns_case sweep.a "127.0.0.25" "${at[@]}" A sweep.interop.test
    else
        CHECK_ROWS+=("SKIP|sweep|timeout|no nftables NAT (SMTPING_INTEROP_SWEEP_ADDR empty)")
    fi
}

print_table() {
    local row status name want got
    printf '\n%-4s  %-28s  %-45s  %s\n' RES CHECK EXPECTED GOT
    printf '%-4s  %-28s  %-45s  %s\n' ---- ---------------------------- \
        --------------------------------------------- ---------------------------------------------
    for row in "${CHECK_ROWS[@]}"; do
        IFS='|' read -r status name want got <<<"$row"
        printf '%-4s  %-28s  %-45s  %s\n' "$status" "$name" "$want" "$got"
    done
    printf '\n'
}

# rx_case NAME WANT USER HEADER VALUE [WAIT]: what an independent IMAP client (imap-find.py) sees
# in a mailbox of the follow-through receiver: "FOLDER <f> AR <methods>", or NOTFOUND.
rx_case() {
    local name=$1 want=$2 user=$3 header=$4 value=$5 wait=${6:-30} got
    got=$(IMAP_PASSWORD=$SMTPING_INTEROP_RX_PASSWORD timeout $((wait + 30)) python3 "$TPL/imap-find.py" \
        "${SMTPING_INTEROP_RX_IMAP%:*}" "${SMTPING_INTEROP_RX_IMAP##*:}" "$SMTPING_INTEROP_CA" \
        "$user" "$header" "$value" "$wait" 2>&1 | tail -1) || true
    record "$name" "$want" "${got:-no output}"
}

# The follow-through receiver (issue 16): mail relayed by the suite's Postfix from its submission
# port lands with real Authentication-Results, DMARC failures in Junk, a bounce returns as a DSN,
# greylisting and the plaintext-login refusal, all seen with swaks and Python's imaplib.
check_receiver() {
    if [ "${SMTPING_INTEROP_RX_KIND:-none}" != netns ]; then
        CHECK_ROWS+=("SKIP|rx-*|receiver|no network namespace at setup")
        return 0
    fi
    local relay=(--server "$SMTPING_INTEROP_POSTFIX_SUBMISSION" --tls --tls-ca-path "$SMTPING_INTEROP_CA"
        --auth-user "$SMTPING_INTEROP_USER" --auth-password "$SMTPING_INTEROP_PASSWORD")
    local tag letters
    tag=$(date +%s)-$$
    # postgrey folds digits out of sender local parts (VERP), so a fresh triplet needs letters.
    letters=$(openssl rand -hex 6 | tr 0-9 g-p)
    smtp_case rx-relay-pass "250 2.0.0" '^\.$' "${relay[@]}" --from "$SMTPING_INTEROP_TX_FROM" \
        --to "$SMTPING_INTEROP_RX_USER" --header "From: $SMTPING_INTEROP_TX_FROM" \
        --header "Subject: interop check pass $tag"
    smtp_case rx-relay-nospf "250 2.0.0" '^\.$' "${relay[@]}" --from "$SMTPING_INTEROP_TX_FROM_NOSPF" \
        --to "$SMTPING_INTEROP_RX_USER" --header "From: $SMTPING_INTEROP_TX_FROM" \
        --header "Subject: interop check nospf $tag"
    smtp_case rx-relay-unknown "250 2.0.0" '^\.$' "${relay[@]}" --from "$SMTPING_INTEROP_RX_BOUNCES" \
        --to "$SMTPING_INTEROP_RX_UNKNOWN" --header "Subject: interop check bounce $tag"
    smtp_case rx-greylist "450 4.2.0" '^RCPT' --server "$SMTPING_INTEROP_RX_MX" --tls \
        --tls-ca-path "$SMTPING_INTEROP_CA" --from "grey-$letters@tx.test" \
        --to "$SMTPING_INTEROP_RX_GREYLIST" --quit-after RCPT
    rx_case rx-inbox-pass "FOLDER INBOX AR spf=pass dkim=none dmarc=pass" "$SMTPING_INTEROP_RX_USER" \
        Subject "interop check pass $tag"
    rx_case rx-junk-dmarc-fail "FOLDER Junk AR spf=fail dkim=none dmarc=fail" "$SMTPING_INTEROP_RX_USER" \
        Subject "interop check nospf $tag"
    # The DSN comes from MAILER-DAEMON@interop.test, whose DMARC policy is p=reject and whose HELO
    # has no SPF record: the receiver files it into Junk, as a real one would.
    rx_case rx-bounce-dsn "FOLDER Junk" "$SMTPING_INTEROP_RX_BOUNCES" BODY "interop check bounce $tag" 60
    rx_case rx-imap-plaintext "PLAINTEXT-LOGIN-REFUSED" "$SMTPING_INTEROP_RX_USER" - -
}

do_check() {
    check_workdir
    [ -s "$WORK/env" ] || die "no $WORK/env: run '$0 setup' first"
    # shellcheck disable=SC1091
    . "$WORK/env"
    [ "${SMTPING_INTEROP_READY:-}" = 1 ] || die "$WORK/env is incomplete"
    local t0=$SECONDS
    log "checking endpoints with kdig, openssl s_client and swaks"
    rm -rf "$WORK/log/check"
    check_dns
    check_tls
    check_postfix "$SMTPING_INTEROP_PASSWORD"
    check_exim
    check_network
    check_transport
    check_receiver
    print_table
    local total=${#CHECK_ROWS[@]} skipped
    skipped=$(printf '%s\n' "${CHECK_ROWS[@]}" | grep -c '^SKIP|' || true)
    log "check took $((SECONDS - t0)) s"
    # The plain closing line CI reads as a test count.
    echo "interop-check: $((total - CHECK_FAILS - skipped)) passed, $CHECK_FAILS failed, $skipped skipped"
    if [ "$CHECK_FAILS" -gt 0 ]; then
        log "transcripts of failed SMTP cases: $WORK/log/check/"
        return 1
    fi
}
