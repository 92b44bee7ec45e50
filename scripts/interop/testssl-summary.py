#!/usr/bin/python3
"""Summarise testssl.sh JSON (--jsonfile, the flat list) into the table `smtping --tls-scan` is
compared with: per target, the protocol versions offered, the ciphers accepted per version, the
weak cipher classes among them and forward secrecy. Used by testssl-oracle.sh.

Usage: testssl-summary.py DIR TARGET...   (reads DIR/TARGET.json)

Weak classes (the issue-15 list), decided from the IANA name testssl.sh prints for each cipher:
  NULL      _WITH_NULL_                      anon     _anon_ (ADH, AECDH)
  EXPORT    _EXPORT                          RC4      _RC4_
  3DES      _3DES_                           CBC-SHA1 _CBC_SHA (HMAC-SHA1 with CBC)
  no-FS     static key exchange: TLS_RSA_WITH_*, static TLS_DH_*/TLS_ECDH_*, PSK (TLS 1.3 suites and
            anonymous (EC)DH are ephemeral: not no-FS)
"""
import json
import re
import sys

PROTOS = [("SSLv2", "SSLv2"), ("SSLv3", "SSLv3"), ("TLS1", "TLSv1.0"), ("TLS1_1", "TLSv1.1"),
          ("TLS1_2", "TLSv1.2"), ("TLS1_3", "TLSv1.3")]
PROTO_OF_ID = {"ssl2": "SSLv2", "ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1",
               "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}
CLASSES = ["NULL", "anon", "EXPORT", "RC4", "3DES", "CBC-SHA1", "no-FS"]


def classes(iana):
    c = set()
    if "_WITH_NULL_" in iana or iana.endswith("_NULL_SHA") or "_NULL_" in iana:
        c.add("NULL")
    if "_anon_" in iana:
        c.add("anon")
    if "EXPORT" in iana:
        c.add("EXPORT")
    if "_RC4_" in iana:
        c.add("RC4")
    if "_3DES_" in iana:
        c.add("3DES")
    if re.search(r"_CBC_SHA$", iana):
        c.add("CBC-SHA1")
    # Static key exchange; anonymous (EC)DH is ephemeral, so it is "anon", not "no-FS".
    if iana.startswith("TLS_") and not re.match(r"TLS_(DHE|ECDHE)_", iana) and "_WITH_" in iana \
            and "_anon_" not in iana:
        c.add("no-FS")
    if re.match(r"TLS_(AES|CHACHA20|SM4)_", iana):  # TLS 1.3 suites: always (EC)DHE
        c.discard("no-FS")
    return c


def summarise(path):
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, dict):  # --jsonfile-pretty
        data = [e for s in data.get("scanResult", []) for v in s.values() if isinstance(v, list) for e in v]
    by_id = {}
    ciphers = {}
    for e in data:
        i, finding = e.get("id", ""), e.get("finding", "")
        by_id.setdefault(i, finding)
        m = re.match(r"cipher-(tls1(?:_[123])?|ssl[23])_x([0-9a-f]+)$", i)
        if m:
            proto = PROTO_OF_ID[m.group(1)]
            f = finding.split()
            hexpos = next((k for k, w in enumerate(f) if re.fullmatch(r"x[0-9a-f]+", w)), None)
            openssl_name = f[hexpos + 1] if hexpos is not None and hexpos + 1 < len(f) else "?"
            iana = f[-1] if f and f[-1].startswith(("TLS_", "SSL_")) else openssl_name
            ciphers.setdefault(proto, []).append((openssl_name, iana))
    rows = []
    for pid, name in PROTOS:
        rows.append((name, by_id.get(pid, "(not tested)")))
    return by_id, rows, ciphers


def main():
    out_dir, targets = sys.argv[1], sys.argv[2:]
    for t in targets:
        try:
            by_id, rows, ciphers = summarise(f"{out_dir}/{t}.json")
        except (OSError, ValueError) as e:
            print(f"== {t}: no usable JSON ({e})\n")
            continue
        print(f"== {t}")
        print("  versions (testssl -p):")
        for name, finding in rows:
            print(f"    {name:<8} {finding}")
        print("  ciphers accepted (testssl -E), weak classes:")
        all_classes = set()
        for proto in sorted(ciphers):
            cs = ciphers[proto]
            cl = {}
            for o, iana in cs:
                for c in classes(iana):
                    cl.setdefault(c, []).append(o)
                    all_classes.add(c)
            summary = ", ".join(f"{c} {len(cl[c])}" for c in CLASSES if c in cl) or "none"
            print(f"    {proto:<8} {len(cs):3d} ciphers; weak: {summary}")
        print(f"  weak classes offered: {', '.join(c for c in CLASSES if c in all_classes) or 'none'}")
        fs = by_id.get("FS", by_id.get("PFS", "(not tested)"))
        print(f"  forward secrecy (testssl -f): {fs}")
        for k in ("FS_ciphers", "PFS_ciphers", "FS_ECDHE_curves", "PFS_ECDHE_curves", "DH_groups"):
            if k in by_id:
                print(f"    {k}: {by_id[k]}")
        print(f"  per-cipher names: {out_dir}/{t}.json (ids cipher-<proto>_x<hex>)")
        print()


if __name__ == "__main__":
    main()
