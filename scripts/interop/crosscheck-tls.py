#!/usr/bin/python3
"""Cross-check `smtping check --tls-scan --json` against testssl.sh's JSON for the same server.

Usage: crosscheck-tls.py TESTSSL_DIR TARGET SMTPING_JSON [TARGET SMTPING_JSON ...]
Reads TESTSSL_DIR/TARGET.json (written by testssl-oracle.sh) and the smtping report; prints one
table row per aspect and exits 1 when any row disagrees.

Aspects, each "offered by the server?" as each tool saw it:
  version SSLv3 / TLSv1.0 / TLSv1.1 / TLSv1.2 / TLSv1.3   testssl -p   vs tls.scan.versions[].accepted
  TLSv1.2 class NULL / anon / EXPORT / RC4 / 3DES / CBC-SHA1   testssl -E (the class among the
          accepted TLS 1.2 ciphers)   vs the scan's probe of that class (probe "class")
  TLSv1.2 no-FS (static RSA key transport)   testssl -E   vs the scan's "static_rsa" probe
  forward secrecy   testssl -f   vs any accepted suite with forward_secrecy
  suites   every suite the scan saw accepted must be among testssl's accepted suites of that
           version (the scan asks far fewer questions, so it may see fewer, never others)
"""
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("testssl_summary", os.path.join(HERE, "testssl-summary.py"))
summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(summary)

PROTO_IDS = {"SSLv3": "SSLv3", "TLSv1.0": "TLS1", "TLSv1.1": "TLS1_1", "TLSv1.2": "TLS1_2",
             "TLSv1.3": "TLS1_3"}
# testssl-summary class -> smtping class probe name
CLASS_PROBES = {"NULL": "null", "anon": "anonymous", "EXPORT": "export", "RC4": "rc4",
                "3DES": "3des", "CBC-SHA1": "cbc_sha1"}


def offered(finding):
    f = finding.strip().lower()
    return f.startswith("offered")


def testssl_view(path):
    with open(path) as f:
        data = json.load(f)
    by_id, _rows, ciphers = summary.summarise(path)
    codes = {}
    for e in data:
        i = e.get("id", "")
        if i.startswith("cipher-") and "_x" in i:
            proto_id, hexcode = i[len("cipher-"):].rsplit("_x", 1)
            proto = summary.PROTO_OF_ID.get(proto_id)
            if proto:
                codes.setdefault(proto, set()).add(int(hexcode, 16))
    classes12 = set()
    for _openssl, iana in ciphers.get("TLSv1.2", []):
        classes12 |= summary.classes(iana)
    fs = by_id.get("FS", by_id.get("PFS", ""))
    return by_id, codes, classes12, fs


def smtping_view(path):
    with open(path) as f:
        report = json.load(f)
    scan = (report.get("tls") or {}).get("scan")
    if not isinstance(scan, dict):
        raise ValueError(f"{path}: no tls.scan in the report (error: {report.get('error')})")
    versions = {v["version"]: v["accepted"] for v in scan.get("versions", [])}
    probes = scan.get("probes", [])
    class_outcome = {p.get("class"): p.get("outcome") for p in probes if p.get("probe") == "class"}
    static_rsa = next((p.get("outcome") for p in probes if p.get("probe") == "static_rsa"), None)
    ciphers = scan.get("ciphers", [])
    return scan, versions, class_outcome, static_rsa, ciphers


def yes_no(v):
    return {True: "yes", False: "no", None: "?"}.get(v, str(v))


def main():
    out_dir, pairs = sys.argv[1], sys.argv[2:]
    if not pairs or len(pairs) % 2:
        print(__doc__)
        return 2
    failures = 0
    rows = []
    for target, report_path in zip(pairs[::2], pairs[1::2]):
        try:
            by_id, codes, classes12, fs = testssl_view(f"{out_dir}/{target}.json")
            scan, versions, class_outcome, static_rsa, ciphers = smtping_view(report_path)
        except (OSError, ValueError, KeyError) as e:
            rows.append((target, "input", "-", "-", f"FAIL ({e})"))
            failures += 1
            continue

        def row(aspect, theirs, ours):
            nonlocal failures
            ok = theirs == ours
            failures += 0 if ok else 1
            rows.append((target, aspect, yes_no(theirs), yes_no(ours), "agree" if ok else "DISAGREE"))

        for version, tid in PROTO_IDS.items():
            row(f"version {version}", offered(by_id.get(tid, "")), versions.get(version))
        for cls, probe in CLASS_PROBES.items():
            outcome = class_outcome.get(probe)
            ours = None if outcome is None else outcome == "accepted"
            row(f"TLSv1.2 {cls}", cls in classes12, ours)
        row("TLSv1.2 no-FS (static RSA)", "no-FS" in classes12,
            None if static_rsa is None else static_rsa == "accepted")
        row("forward secrecy", offered(fs), any(c.get("forward_secrecy") for c in ciphers) or None)
        foreign = []
        for c in ciphers:
            try:
                code = int(str(c.get("code", "")), 16)
            except ValueError:
                foreign.append(str(c.get("name")))
                continue
            if code not in codes.get(c.get("version"), set()):
                foreign.append(f"{c.get('version')} {c.get('name')}")
        seen = len(ciphers)
        ok = not foreign
        failures += 0 if ok else 1
        rows.append((target, f"suites seen by the scan ({seen})", f"{sum(len(v) for v in codes.values())} accepted",
                     "all among them" if ok else "; ".join(foreign), "agree" if ok else "DISAGREE"))
        rows.append((target, "grade (smtping only)", "-", str(scan.get("grade")), "-"))

    widths = [max(len(str(r[i])) for r in rows + [("TARGET", "ASPECT", "TESTSSL", "SMTPING", "RESULT")])
              for i in range(5)]
    header = ("TARGET", "ASPECT", "TESTSSL", "SMTPING", "RESULT")
    for r in [header] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    print(f"tls cross-check: {len([r for r in rows if r[4] == 'agree'])} agree, {failures} disagree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
