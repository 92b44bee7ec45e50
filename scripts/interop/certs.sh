#!/usr/bin/env bash
# Make the interop suite's throwaway PKI with openssl (OpenSSL 3.0 is enough).
#
# Usage: certs.sh OUTDIR
#
# OUTDIR/ca.pem                  the trust anchor for clients (the test root ONLY: adding the
#                                intermediate would make the incomplete-chain case verify)
# OUTDIR/intermediate.pem        the intermediate CA that signs the good leaves
# OUTDIR/other-ca.pem            a second root that is NOT in ca.pem (untrusted issuer case)
# OUTDIR/<name>.key              leaf private key
# OUTDIR/<name>.crt              leaf certificate alone
# OUTDIR/<name>.chain.pem        what the server presents (leaf, then the chain it is meant to send)
# OUTDIR/<name>.bundle.pem       key followed by the presented chain (Postfix smtpd_tls_chain_files)
#
# Leaf names and what they are (expected name in every case: mx.interop.test, except exim):
#   valid            mx.interop.test, signed by the intermediate, served with the intermediate
#   exim             exim.interop.test, same CA, served with the intermediate
#   mismatch         wrong.example.net, same CA, served with the intermediate
#   expired          mx.interop.test, validity 2020-01-01 .. 2021-01-01, served with the intermediate
#   notyetvalid      mx.interop.test, validity from 2099-01-01, served with the intermediate
#   selfsigned       mx.interop.test, self-signed leaf (basicConstraints CA:FALSE)
#   incomplete       mx.interop.test, signed by the intermediate, served WITHOUT the intermediate
#   untrusted        mx.interop.test, signed by other-ca (not in ca.pem), served with other-ca
# Transport security (issue 15):
#   secure           the MX hosts of the signed zone secure.test (mx-dane, mx-roll, mx-ta, …; NOT
#                    mx-ta-badname), signed by the intermediate, served with it (Postfix 10037)
#   mtasts           the MTA-STS policy hosts mta-sts.{secure,testing.secure,nomatch.secure,
#                    missing.secure,redirect.secure,ctype.secure,twotxt.secure}.test (nginx)
#   next.key         a spare key, never in a certificate: the "next" key of the DANE rollover
# and the TLSA digests of them (*.tlsaUSMM, hex, lower case; see the end of this file).
set -euo pipefail

out=${1:?usage: certs.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$out"
# ext.cnf reads the SAN from the environment; every openssl call that loads it needs a value.
export LEAF_SAN=DNS:unused.invalid

# Quiet openssl; show its output only when it fails.
ossl() {
    local log
    log=$(mktemp)
    if ! openssl "$@" >"$log" 2>&1; then
        echo "certs.sh: openssl $1 failed:" >&2
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

ec_key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
rsa_key() { ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }

cat >ext.cnf <<'EOF'
[root_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[intermediate_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = $ENV::LEAF_SAN

[selfsigned_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = $ENV::LEAF_SAN
EOF

# A minimal `openssl ca` setup per issuer, so leaves can get explicit start/end dates
# (OpenSSL 3.0's `x509 -req` cannot back-date a certificate).
ca_config() { # $1 = issuer name
    mkdir -p "db-$1"
    : >"db-$1/index.txt"
    # Random serials: re-running must never reuse one.
    openssl rand -hex 16 >"db-$1/serial"
    cat >"ca-$1.cnf" <<EOF
[ca]
default_ca = this_ca
[this_ca]
dir = $out/db-$1
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $out/$1.pem
private_key = $out/$1.key
default_md = sha256
default_days = 3650
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[policy_any]
organizationName = optional
commonName = supplied
EOF
}

# Roots.
for root in ca other-ca; do
    ec_key "$root.key"
    case $root in
        ca) cn="SMTPing Interop Test Root CA" ;;
        *) cn="SMTPing Interop Untrusted Root CA" ;;
    esac
    ossl req -new -x509 -key "$root.key" -out "$root.pem" -days 3650 -sha256 \
        -subj "/O=SMTPing interop (test only)/CN=$cn" \
        -config ext.cnf -extensions root_ca
done

# Intermediate, signed by the root.
ec_key intermediate.key
ossl req -new -key intermediate.key -out intermediate.csr \
    -subj "/O=SMTPing interop (test only)/CN=SMTPing Interop Test Intermediate CA"
ca_config ca
ossl ca -batch -notext -config ca-ca.cnf -in intermediate.csr -out intermediate.pem \
    -days 3650 -extfile ext.cnf -extensions intermediate_ca
ca_config intermediate
ca_config other-ca

# leaf NAME ISSUER CN SAN [extra openssl ca args...]
leaf() {
    local name=$1 issuer=$2 cn=$3 san=$4
    shift 4
    if [ "$name" = valid ]; then rsa_key "$name.key"; else ec_key "$name.key"; fi
    ossl req -new -key "$name.key" -out "$name.csr" -subj "/O=SMTPing interop (test only)/CN=$cn"
    LEAF_SAN=$san ossl ca -batch -notext -config "ca-$issuer.cnf" -in "$name.csr" \
        -out "$name.crt" -extfile ext.cnf -extensions leaf "$@"
}

leaf valid intermediate mx.interop.test "DNS:mx.interop.test" -days 825
leaf exim intermediate exim.interop.test "DNS:exim.interop.test" -days 825
leaf mismatch intermediate wrong.example.net "DNS:wrong.example.net" -days 825
leaf expired intermediate mx.interop.test "DNS:mx.interop.test" \
    -startdate 20200101000000Z -enddate 20210101000000Z
leaf notyetvalid intermediate mx.interop.test "DNS:mx.interop.test" \
    -startdate 20990101000000Z -enddate 21000101000000Z
leaf incomplete intermediate mx.interop.test "DNS:mx.interop.test" -days 825
leaf untrusted other-ca mx.interop.test "DNS:mx.interop.test" -days 825
secure_names=""
for h in mx-dane mx-dual mx-dane-302 mx-roll mx-roll-ta mx-ta mx-mismatch mx-pkix mx-notlsa; do
    secure_names+="DNS:$h.secure.test,"
done
secure_names+="DNS:mx.bogus.secure.test,DNS:mx.unsigned.secure.test"
leaf secure intermediate mx-dane.secure.test "$secure_names" -days 825
mtasts_names=DNS:mta-sts.secure.test
for d in testing nomatch missing redirect ctype twotxt; do mtasts_names+=",DNS:mta-sts.$d.secure.test"; done
leaf mtasts intermediate mta-sts.secure.test "$mtasts_names" -days 825
# The receiving MX and IMAP server of the follow-through namespace (issue 16).
leaf rx intermediate mx.rx.test "DNS:mx.rx.test,DNS:imap.rx.test" -days 825
ec_key next.key

ec_key selfsigned.key
LEAF_SAN="DNS:mx.interop.test" ossl req -new -x509 -key selfsigned.key -out selfsigned.crt \
    -days 825 -sha256 -subj "/O=SMTPing interop (test only)/CN=mx.interop.test" \
    -config ext.cnf -extensions selfsigned_leaf

# What each server presents.
for n in valid exim mismatch expired notyetvalid secure mtasts rx; do
    cat "$n.crt" intermediate.pem >"$n.chain.pem"
done
cp selfsigned.crt selfsigned.chain.pem
cp incomplete.crt incomplete.chain.pem
cat untrusted.crt other-ca.pem >untrusted.chain.pem
for n in valid exim mismatch expired notyetvalid selfsigned incomplete untrusted secure mtasts rx; do
    cat "$n.key" "$n.chain.pem" >"$n.bundle.pem"
done

# Sanity: the good chains verify against the root alone, the bad ones do not.
openssl verify -CAfile ca.pem -untrusted intermediate.pem valid.crt >/dev/null
openssl verify -CAfile ca.pem -untrusted intermediate.pem exim.crt >/dev/null
if openssl verify -CAfile ca.pem incomplete.crt >/dev/null 2>&1; then
    echo "certs.sh: incomplete.crt verifies without its intermediate" >&2
    exit 1
fi

# DANE: "3 1 1" digest (SHA-256 of the valid leaf's SubjectPublicKeyInfo).
openssl x509 -in valid.crt -noout -pubkey | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -hex | sed 's/^.*= *//' >valid.tlsa311

# Issue 15: the TLSA digests of the signed zone secure.test (usage selector matching, RFC 6698):
#   secure.tlsa311 / secure.tlsa302   DANE-EE: SHA-256 of the secure leaf's SPKI / SHA-512 of the whole cert
#   next.tlsa311                      DANE-EE of the spare key (the rollover's "next" record)
#   mismatch.tlsa311                  a real but different key (the wrong.example.net leaf)
#   intermediate.tlsa201 / .tlsa211   DANE-TA: SHA-256 of the intermediate cert / of its SPKI
#   ca.tlsa001                        PKIX-TA (usage 0): SHA-256 of the root cert
spki_digest() { openssl pkey -in "$1" -pubout -outform DER | openssl dgst "-$2" -hex | sed 's/^.*= *//'; }
cert_digest() { openssl x509 -in "$1" -outform DER | openssl dgst "-$2" -hex | sed 's/^.*= *//'; }
cert_spki_digest() {
    openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst "-$2" -hex | sed 's/^.*= *//'
}
cert_spki_digest secure.crt sha256 >secure.tlsa311
cert_digest secure.crt sha512 >secure.tlsa302
spki_digest next.key sha256 >next.tlsa311
cert_spki_digest mismatch.crt sha256 >mismatch.tlsa311
cert_digest intermediate.pem sha256 >intermediate.tlsa201
cert_spki_digest intermediate.pem sha256 >intermediate.tlsa211
cert_digest ca.pem sha256 >ca.tlsa001

rm -f ./*.csr
# Test-only keys; servers running as their own users (postfix, Debian-exim) must read them.
chmod 0644 ./*.key ./*.pem ./*.crt
