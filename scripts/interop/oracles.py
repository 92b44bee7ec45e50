#!/usr/bin/python3
"""Independent oracles for the issue-14 cross-check, all pointed at the interop suite's loopback DNS.

Each subcommand prints one JSON object on stdout:

  pyspf IP IDENTITY [HELO]   pyspf (Debian python3-spf) check_host: {result, explanation,
                             lookups, void_lookups}
  dmarc DOMAIN               checkdmarc (PyPI, in the venv): {record, policy, subdomain_policy, pct,
                             rua[], org_domain, external_rua[{destination, authorized}], error}
  spf-posture DOMAIN         checkdmarc: {record, lookups, void_lookups, error}
  domain DOMAIN              checkdmarc's whole check_domains() (the benchmark's unit of work)
  dkim DOMAIN SELECTOR       opendkim-testkey's verdict + the key decoded by openssl:
                             {found, key_type, key_bits, testing, revoked, opendkim}
  ptr IP                     dnspython: {names[], fcrdns}
  mx DOMAIN                  dnspython: {null_mx, hosts[]}
  dnsbl QNAME                dnspython straight to rbldnsd (not through Knot): {listed, codes[], txt}

Where the DNS is: SMTPING_INTEROP_DNS (default 127.0.0.1:10053) and SMTPING_INTEROP_RBLDNSD
(default 127.0.0.1:10054). Nothing reads or changes /etc/resolv.conf: dnspython's resolvers are
built with configure=False and given the loopback server. As a second guard, every socket this
process opens may only talk to loopback and names are never resolved through the system
(getaddrinfo accepts numeric addresses only), so an oracle that wanted to reach out (checkdmarc's
MTA-STS/BIMI fetches) fails with an error instead of sending anything.
"""

import ipaddress
import json
import os
import socket
import subprocess
import sys

# ---------------------------------------------------------------------------------------------
# Loopback-only guard.


def _loopback_only(address):
    host = address[0] if isinstance(address, tuple) else address
    try:
        ip = ipaddress.ip_address(host.split("%")[0] if isinstance(host, str) else host)
    except ValueError:
        raise OSError(f"oracles.py: refusing to contact non-literal address {host!r}")
    if not ip.is_loopback and not (ip.version == 6 and ip.ipv4_mapped and ip.ipv4_mapped.is_loopback):
        raise OSError(f"oracles.py: refusing to contact {host} (loopback only)")


def _install_guard():
    cls = socket.socket
    orig_connect, orig_connect_ex, orig_sendto = cls.connect, cls.connect_ex, cls.sendto

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _loopback_only(address)
        return orig_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _loopback_only(address)
        return orig_connect_ex(self, address)

    def sendto(self, data, *args):
        address = args[-1]
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _loopback_only(address)
        return orig_sendto(self, data, *args)

    cls.connect, cls.connect_ex, cls.sendto = connect, connect_ex, sendto
    orig_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host is not None:
            h = host.decode() if isinstance(host, bytes) else str(host)
            try:
                ipaddress.ip_address(h.split("%")[0])
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, f"oracles.py: no system name resolution ({h})")
        return orig_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


_install_guard()


def _server(var, default):
    value = os.environ.get(var, default)
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


DNS = _server("SMTPING_INTEROP_DNS", "127.0.0.1:10053")
RBLDNSD = _server("SMTPING_INTEROP_RBLDNSD", "127.0.0.1:10054")
TIMEOUT = 3.0


def resolver(server=DNS):
    import dns.resolver

    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [server[0]]
    r.port = server[1]
    r.timeout = TIMEOUT
    r.lifetime = TIMEOUT
    return r


def lookup(name, rdtype, server=DNS, depth=0):
    """The answer's rdatas, [] for NXDOMAIN/NODATA; exceptions for anything else. A CNAME into
    another zone (Knot, authoritative only, does not chase it) is followed here, 8 deep at most."""
    import dns.resolver

    try:
        return list(resolver(server).resolve(name, rdtype, search=False))
    except dns.resolver.NXDOMAIN:
        return []
    except dns.resolver.NoAnswer as e:
        cnames = [rr for rrset in e.response().answer for rr in rrset if rrset.rdtype == 5]
        if cnames and depth < 8:
            return lookup(cnames[-1].target.to_text(), rdtype, server, depth + 1)
        return []


# ---------------------------------------------------------------------------------------------
# pyspf


def pyspf(ip, identity, helo=None):
    import dns.resolver
    import spf

    # pyspf asks dnspython's module-level resolver: point it at Knot.
    dns.resolver.default_resolver = resolver()
    if identity and "@" not in identity:
        identity = "postmaster@" + identity
    if not helo:
        helo = identity.split("@", 1)[1] if identity else ""
    # An empty MAIL FROM: pyspf checks the HELO identity (postmaster@HELO), as RFC 7208 2.4 says.
    q = spf.query(i=ip, s=identity, h=helo, timeout=TIMEOUT * 4)
    result, _code, explanation = q.check()
    # RFC 7208 4.6.4 counts: DNS-querying terms (include a mx ptr exists redirect) and void lookups.
    return {"result": result, "explanation": explanation if result == "fail" else None,
            "lookups": q.lookups, "void_lookups": q.void_lookups}


# ---------------------------------------------------------------------------------------------
# checkdmarc


def _checkdmarc_ns():
    import dns.nameserver

    return [dns.nameserver.Do53Nameserver(DNS[0], DNS[1])]


def dmarc(domain):
    import checkdmarc.dmarc as D

    r = D.check_dmarc(domain, nameservers=_checkdmarc_ns(), timeout=TIMEOUT, retries=0)
    out = {
        "record": r.get("record"),
        "policy": None,
        "subdomain_policy": None,
        "pct": None,
        "rua": [],
        "org_domain": r.get("location"),
        "external_rua": [],
        "error": r.get("error"),
    }
    tags = r.get("tags") or {}
    if tags:
        out["policy"] = tags.get("p", {}).get("value")
        # checkdmarc fills in the implicit sp (= p): the effective subdomain policy.
        out["subdomain_policy"] = tags.get("sp", {}).get("value")
        # checkdmarc 6 no longer reports pct (RFC 9989 removed it): read it from the record
        # checkdmarc found and validated (RFC 7489 default 100).
        pct = tags.get("pct", {}).get("value")
        if pct is None:
            for part in (r.get("record") or "").split(";"):
                k, _, v = part.partition("=")
                if k.strip().lower() == "pct" and v.strip().isdigit():
                    pct = v.strip()
        out["pct"] = int(pct) if pct is not None else 100
        out["rua"] = ["%s:%s" % (u["scheme"], u["address"]) for u in tags.get("rua", {}).get("value", [])]
        location = r.get("location") or domain
        for u in tags.get("rua", {}).get("value", []):
            dest = u["address"].rpartition("@")[2].lower()
            if dest == location or dest.endswith("." + location):
                continue
            # checkdmarc warns "<dest> does not indicate that it accepts DMARC reports about ..."
            unauthorized = any(
                w.startswith(f"{dest} does not indicate that it accepts DMARC reports") for w in r.get("warnings", [])
            )
            out["external_rua"].append({"destination": dest, "authorized": not unauthorized})
    return out


def spf_posture(domain):
    import checkdmarc.spf as S

    r = S.check_spf(domain, nameservers=_checkdmarc_ns(), timeout=TIMEOUT, retries=0)
    return {
        "record": r.get("record"),
        "lookups": r.get("dns_lookups"),
        "void_lookups": r.get("void_dns_lookups"),
        "error": r.get("error"),
    }


def checkdmarc_domain(domain):
    import checkdmarc

    r = checkdmarc.check_domains([domain], nameservers=_checkdmarc_ns(), timeout=TIMEOUT, retries=0)
    return json.loads(checkdmarc.results_to_json(r))


# ---------------------------------------------------------------------------------------------
# DKIM: opendkim-testkey for the verdict, openssl for type and size.

ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def _dkim_tags(txt):
    tags = {}
    for part in txt.split(";"):
        if "=" in part:
            k, _, v = part.partition("=")
            tags[k.strip()] = "".join(v.split())
    return tags


def _openssl_bits(der, pkcs1=False):
    args = ["openssl", "rsa", "-RSAPublicKey_in"] if pkcs1 else ["openssl", "pkey", "-pubin"]
    p = subprocess.run(
        args + ["-inform", "DER", "-noout", "-text"], input=der, capture_output=True, timeout=20
    )
    text = p.stdout.decode(errors="replace")
    for line in text.splitlines():
        if "Public-Key: (" in line:
            return int(line.split("(")[1].split()[0]), text
    return None, text


def dkim(domain, selector):
    import base64

    name = f"{selector}._domainkey.{domain}"
    out = {"found": False, "key_type": None, "key_bits": None, "testing": False, "revoked": False, "opendkim": None}
    # opendkim-testkey: with the private key where it can compare (RSA SPKI), without otherwise.
    conf = os.environ.get("SMTPING_INTEROP_OPENDKIM_CONF", "/tmp/smtping-interop/oracles/opendkim.conf")
    keydir = os.environ.get("SMTPING_INTEROP_DKIM_DIR", "/tmp/smtping-interop/dkim")
    key = os.path.join(keydir, ("s1" if selector == "alias" else selector) + ".key")
    args = ["opendkim-testkey", "-x", conf, "-d", domain, "-s", selector, "-vvv"]
    if os.path.exists(key) and selector not in ("ed", "pkcs1"):
        args += ["-k", key]
    p = subprocess.run(args, capture_output=True, timeout=30)
    lines = [l.split(": ", 1)[-1] for l in p.stderr.decode(errors="replace").splitlines() + p.stdout.decode().splitlines()]
    verdict = [l for l in lines if not l.startswith(("key loaded", "checking key", "key not secure"))]
    out["opendkim"] = "; ".join(verdict) or f"exit {p.returncode}"
    if p.returncode == 0 and "key OK" in verdict:
        out["found"] = True
    elif any("Revoked key" in l for l in verdict):
        out["found"], out["revoked"] = True, True
    elif any("record not found" in l for l in verdict):
        return out
    # The key itself (CNAMEs followed by the resolver), decoded by openssl.
    txts = lookup(name, "TXT")
    if not txts:
        return out
    txt = b"".join(txts[0].strings).decode()
    tags = _dkim_tags(txt)
    out["found"] = True
    out["testing"] = "y" in tags.get("t", "").split(":")
    ktype = tags.get("k", "rsa").lower()
    out["key_type"] = ktype
    p64 = tags.get("p", "")
    if not p64:
        out["revoked"] = True
        return out
    der = base64.b64decode(p64)
    if ktype == "ed25519":
        # openssl must accept it as an Ed25519 key; its size is fixed (RFC 8463: 256 bits).
        _, text = _openssl_bits(ED25519_SPKI_PREFIX + der) if len(der) == 32 else (None, "")
        out["key_bits"] = 256 if "ED25519 Public-Key" in text else None
    else:
        bits, _ = _openssl_bits(der)
        if bits is None:
            bits, _ = _openssl_bits(der, pkcs1=True)
        out["key_bits"] = bits
    return out


# ---------------------------------------------------------------------------------------------
# PTR / FCrDNS, MX, DNSBL with dnspython.


def ptr(ip):
    import dns.reversename

    names = sorted(r.target.to_text().rstrip(".").lower() for r in lookup(dns.reversename.from_address(ip), "PTR"))
    rdtype = "AAAA" if ipaddress.ip_address(ip).version == 6 else "A"
    fcrdns = False
    for n in names[:10]:
        if any(ipaddress.ip_address(r.address) == ipaddress.ip_address(ip) for r in lookup(n, rdtype)):
            fcrdns = True
    return {"names": names, "fcrdns": fcrdns}


def mx(domain):
    rs = lookup(domain, "MX")
    null = len(rs) == 1 and rs[0].preference == 0 and rs[0].exchange.to_text() == "."
    hosts = []
    if not null:
        for r in sorted(rs, key=lambda r: (r.preference, r.exchange.to_text())):
            n = r.exchange.to_text().rstrip(".").lower()
            addrs = [a.address for t in ("A", "AAAA") for a in lookup(n, t)]
            hosts.append({"name": n, "preference": r.preference, "addresses": addrs})
    return {"null_mx": null, "hosts": hosts}


def dnsbl(qname):
    codes = sorted(r.address for r in lookup(qname, "A", RBLDNSD))
    txt = [b"".join(r.strings).decode() for r in lookup(qname, "TXT", RBLDNSD)] if codes else []
    return {"listed": bool(codes), "codes": codes, "txt": txt}


# ---------------------------------------------------------------------------------------------

COMMANDS = {
    "pyspf": pyspf,
    "dmarc": dmarc,
    "spf-posture": spf_posture,
    "domain": checkdmarc_domain,
    "dkim": dkim,
    "ptr": ptr,
    "mx": mx,
    "dnsbl": dnsbl,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        return 2
    try:
        out = COMMANDS[argv[1]](*argv[2:])
    except Exception as e:  # an oracle that breaks is a row with an error, not a traceback
        out = {"oracle_error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
