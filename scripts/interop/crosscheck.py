#!/usr/bin/python3
"""Cross-check of smtping's deliverability signals against independent implementations (issue 14).

Run by scripts/crosscheck-signals.sh (which sets the environment from $WORK/env and finds the
smtping binary). For every case of the table below it asks an oracle (pyspf, opendkim-testkey +
openssl, checkdmarc, dnspython, rbldnsd) and, when the command exists, smtping, on the same
loopback zones (scripts/interop/knot/signals.test.zone.in), and prints

    case | field | expected | oracle | smtping | match

"expected" is what the zone was written to produce: an oracle that disagrees means the zone or
the oracle's setup is broken (ORACLE row, exit 1); smtping that disagrees with the oracle is a
MISMATCH (exit 1). When `smtping spf --help` / `smtping domain --help` fail (the commands are
not built yet), the smtping column says so and only the oracle is checked.

Environment: SMTPING_BIN (the binary), SMTPING_INTEROP_DNS, SMTPING_INTEROP_CHECKDMARC_PY,
SMTPING_INTEROP_RBLDNSD, SMTPING_INTEROP_DKIM_DIR, SMTPING_INTEROP_OPENDKIM_CONF,
SMTPING_CROSSCHECK_VERBOSE=1 (print every command), SMTPING_CROSSCHECK_LOG (a directory: each
smtping JSON output is kept there).
"""

import ipaddress
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import oracles  # noqa: E402  (installs the loopback-only socket guard for this process too)

DNS = os.environ.get("SMTPING_INTEROP_DNS", "127.0.0.1:10053")
SMTPING = os.environ.get("SMTPING_BIN", "smtping")
CHECKDMARC_PY = os.environ.get("SMTPING_INTEROP_CHECKDMARC_PY", "")
VERBOSE = bool(os.environ.get("SMTPING_CROSSCHECK_VERBOSE"))
LOGDIR = os.environ.get("SMTPING_CROSSCHECK_LOG")
Z = "signals.test"

# Codes a list returns when it refuses to answer (Spamhaus via public resolvers, DBL): an error,
# never a listing (issue 14).
REFUSED_CODES = {"127.255.255.254", "127.255.255.255", "127.0.1.255"}

# ---------------------------------------------------------------------------------------------
# The cases. SPF: (name, ip, identity, helo, expected result, expected explanation or None).
SPF_CASES = [
    ("spf.ip4.pass", "192.0.2.10", f"spf-pass.{Z}", None, "pass", None),
    ("spf.ip6.pass", "2001:db8::10", f"spf-pass.{Z}", None, "pass", None),
    ("spf.ip4.fail", "192.0.2.99", f"spf-pass.{Z}", None, "fail", None),
    ("spf.softfail", "192.0.2.99", f"spf-softfail.{Z}", None, "softfail", None),
    ("spf.neutral", "192.0.2.99", f"spf-neutral.{Z}", None, "neutral", None),
    ("spf.plusall", "198.51.100.200", f"spf-plusall.{Z}", None, "pass", None),
    ("spf.include.nested", "192.0.2.21", f"spf-include.{Z}", None, "pass", None),
    ("spf.include.first", "192.0.2.20", f"spf-include.{Z}", None, "pass", None),
    ("spf.include.fail", "192.0.2.22", f"spf-include.{Z}", None, "fail", None),
    ("spf.redirect.pass", "192.0.2.10", f"spf-redirect.{Z}", None, "pass", None),
    ("spf.redirect.fail", "192.0.2.99", f"spf-redirect.{Z}", None, "fail", None),
    ("spf.a.cidr4.pass", "192.0.2.40", f"spf-a-cidr.{Z}", None, "pass", None),
    ("spf.a.cidr4.fail", "192.0.2.50", f"spf-a-cidr.{Z}", None, "fail", None),
    ("spf.a.cidr6.pass", "2001:db8:1::ffff", f"spf-a-cidr.{Z}", None, "pass", None),
    ("spf.mx.cidr.pass", "192.0.2.47", f"spf-mx-cidr.{Z}", None, "pass", None),
    ("spf.mx.cidr.fail", "192.0.2.48", f"spf-mx-cidr.{Z}", None, "fail", None),
    ("spf.exists.macro.pass", "192.0.2.10", f"alice@spf-exists.{Z}", None, "pass", None),
    ("spf.exists.macro.fail", "192.0.2.10", f"bob@spf-exists.{Z}", None, "fail", None),
    ("spf.ptr.pass", "192.0.2.10", f"spf-ptr.{Z}", None, "pass", None),
    ("spf.ptr.unvalidated", "192.0.2.11", f"spf-ptr.{Z}", None, "fail", None),
    ("spf.exp", "192.0.2.99", f"spf-exp.{Z}", None, "fail", f"192.0.2.99 is not allowed to send for spf-exp.{Z}"),
    ("spf.limit.ten", "192.0.2.99", f"spf-ten.{Z}", None, "fail", None),
    ("spf.limit.eleven", "192.0.2.99", f"spf-toomany.{Z}", None, "permerror", None),
    ("spf.void.two", "192.0.2.99", f"spf-void2.{Z}", None, "fail", None),
    ("spf.void.three", "192.0.2.99", f"spf-void.{Z}", None, "permerror", None),
    ("spf.multiple", "192.0.2.10", f"spf-multi.{Z}", None, "permerror", None),
    ("spf.syntax", "192.0.2.10", f"spf-syntax.{Z}", None, "permerror", None),
    ("spf.include.none", "192.0.2.10", f"spf-incnone.{Z}", None, "permerror", None),
    ("spf.include.temperror", "192.0.2.10", f"spf-temperror.{Z}", None, "temperror", None),
    ("spf.none", "192.0.2.10", f"spf-none.{Z}", None, "none", None),
    ("spf.nxdomain", "192.0.2.10", f"nxdomain.{Z}", None, "none", None),
    ("spf.helo", "192.0.2.10", "", f"spf-pass.{Z}", "pass", None),
]
# The RFC 7208 4.6.4 counts of an evaluation, (lookups, void_lookups), compared for these cases
# (results that are not errors: where an evaluation aborts, the count it reports is its own).
SPF_COUNTS = {
    "spf.ip4.fail": (0, 0),
    "spf.include.nested": (2, 0),
    "spf.include.first": (2, 0),
    "spf.redirect.pass": (1, 0),
    "spf.mx.cidr.pass": (1, 0),
    "spf.exists.macro.pass": (1, 0),
    "spf.ptr.pass": (1, 0),
    "spf.limit.ten": (10, 0),
    "spf.void.two": (2, 2),
}
SPF_EXIT = {"pass": 0, "neutral": 1, "none": 1, "softfail": 1, "fail": 2, "permerror": 2, "temperror": 2}

# DKIM: selector -> expected (found, key_type, key_bits, testing, revoked), all in signals.test.
DKIM_CASES = {
    "rsa1024": (True, "rsa", 1024, False, False),
    "rsa2048": (True, "rsa", 2048, False, False),
    "pkcs1": (True, "rsa", 2048, False, False),
    "weak": (True, "rsa", 512, False, False),
    "ed": (True, "ed25519", 256, False, False),
    "testing": (True, "rsa", 2048, True, False),
    "revoked": (True, "rsa", None, False, True),
    "alias": (True, "rsa", 2048, False, False),
    "missing": (False, None, None, False, False),
}

# DMARC: domain -> expected {policy, subdomain_policy, pct, rua, org_domain, external_rua}
# (policy "(error)" for a record that gives no usable policy). Effective values: subdomain_policy
# is sp, else p (RFC 7489 6.3); pct defaults to 100; policy/subdomain_policy of a subdomain
# without a record are those of the org domain's record, which org_domain names.
DMARC_CASES = {
    Z: {"policy": "reject", "subdomain_policy": "quarantine", "pct": 100, "rua": ["agg@reports.test"],
        "org_domain": Z, "external_rua": [("reports.test", True)]},
    f"dmarc-unauth.{Z}": {"policy": "reject", "subdomain_policy": "reject", "pct": 100, "rua": ["agg@elsewhere.test"],
                          "org_domain": f"dmarc-unauth.{Z}", "external_rua": [("elsewhere.test", False)]},
    f"dmarc-none.{Z}": {"policy": "none", "pct": 100, "rua": [], "org_domain": f"dmarc-none.{Z}"},
    f"dmarc-pct.{Z}": {"policy": "quarantine", "subdomain_policy": "none", "pct": 25, "rua": [],
                       "org_domain": f"dmarc-pct.{Z}"},
    f"dmarc-syntax.{Z}": {"policy": "(error)"},
    f"dmarc-multi.{Z}": {"policy": "(error)"},
    f"child.{Z}": {"policy": "reject", "subdomain_policy": "quarantine", "org_domain": Z},
}

# SPF posture of `smtping domain` (checkdmarc counts the same static lookups): domain -> lookups.
SPF_POSTURE_CASES = {Z: 3, f"spf-ten.{Z}": 10, f"spf-mx-cidr.{Z}": 1, f"spf-redirect.{Z}": 1,
                     f"spf-pass.{Z}": 0}

# MX, PTR/FCrDNS: domain -> (null_mx, [host names]); ip -> (names, fcrdns) seen from `smtping domain`.
MX_CASES = {Z: (False, [f"mx-good.{Z}"]), f"nullmx.{Z}": (True, []),
            f"fcrdns.{Z}": (False, [f"mx-good.{Z}", f"mx-bad.{Z}", f"mx-noptr.{Z}"])}
PTR_CASES = {"192.0.2.10": ([f"good.{Z}"], True), "2001:db8::10": ([f"good.{Z}"], True),
             "192.0.2.11": ([f"bad.{Z}"], False), "192.0.2.13": ([], False)}

# DNSBL: (domain whose MX addresses/names are checked, query name) -> expected (listed, codes).
NIBBLE_2 = "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
DNSBL_CASES = [
    (f"dnsbl-hit.{Z}", "2.0.0.127.dnsbl.test", True, ["127.0.0.2"]),
    (f"dnsbl-hit.{Z}", f"{NIBBLE_2}.dnsbl.test", True, ["127.0.0.2"]),
    (f"dnsbl-hit.{Z}", "254.2.0.192.dnsbl.test", False, ["127.255.255.254"]),
    (f"dnsbl-hit.{Z}", f"mx-listed.{Z}.dbl.test", True, ["127.0.1.2"]),
    (f"dnsbl-hit.{Z}", f"mx-refused.{Z}.dbl.test", False, ["127.0.1.255"]),
    (f"fcrdns.{Z}", "11.2.0.192.dnsbl.test", True, ["127.0.0.4"]),
    (f"fcrdns.{Z}", "10.2.0.192.dnsbl.test", False, []),
]
# dbl.test is a domain list: `domain:` tells smtping so (a bare zone is an IP list).
DNSBL_ZONES = ["dnsbl.test", "domain:dbl.test"]

# `smtping domain --sending-ip` verdicts (spf.results[]) against pyspf for the same domain.
SENDING_IP_CASES = [(Z, "192.0.2.10", "pass"), (Z, "192.0.2.21", "pass"), (Z, "192.0.2.99", "fail")]

# ---------------------------------------------------------------------------------------------


def show(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(show(x) for x in v) + "]"
    return str(v)


def run(args, timeout=60):
    if VERBOSE:
        print("+ " + " ".join(repr(a) if (not a or " " in a) else a for a in args), file=sys.stderr)
    t0 = time.monotonic()
    try:
        p = subprocess.run(args, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", "timeout", time.monotonic() - t0
    except OSError as e:
        return 127, "", str(e), time.monotonic() - t0
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), time.monotonic() - t0


def checkdmarc(cmd, domain):
    if not CHECKDMARC_PY:
        return {"oracle_error": "SMTPING_INTEROP_CHECKDMARC_PY not set"}
    code, out, err, _ = run([CHECKDMARC_PY, os.path.join(HERE, "oracles.py"), cmd, domain])
    try:
        return json.loads(out)
    except ValueError:
        return {"oracle_error": f"exit {code}: {err.strip()[-300:]}"}


def has_command(name):
    code, _, _, _ = run([SMTPING, name, "--help"], timeout=30)
    return code == 0


SMTPING_CACHE = {}


def smtping_json(args):
    """Run smtping ARGS --resolver DNS --json; (exit code, parsed JSON or {"_error": …})."""
    key = tuple(args)
    if key in SMTPING_CACHE:
        return SMTPING_CACHE[key]
    code, out, err, _ = run([SMTPING, *args, "--resolver", DNS, "--json"])
    if LOGDIR:
        safe = "_".join(a.replace("/", "_") for a in args if a)[:150]
        with open(os.path.join(LOGDIR, safe + ".json"), "w") as f:
            f.write(out)
            if err:
                f.write("\n--- stderr ---\n" + err)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {"_error": f"exit {code}, no JSON: {(err or out).strip()[-200:]}"}
    SMTPING_CACHE[key] = (code, doc)
    return code, doc


def get(doc, path):
    """The value at a slash-separated path of doc, or None."""
    v = doc
    for k in path.split("/"):
        if isinstance(v, dict):
            v = v.get(k)
        elif isinstance(v, list) and k.isdigit() and int(k) < len(v):
            v = v[int(k)]
        else:
            return None
    return v


def norm_name(n):
    return n.rstrip(".").lower() if isinstance(n, str) else n


def norm_rua(items):
    """rua[] as sorted addresses: accepts "mailto:a@b" strings or objects with uri/address."""
    out = []
    for u in items or []:
        if isinstance(u, dict):
            u = u.get("address") or u.get("uri") or ""
        u = str(u)
        if u.lower().startswith("mailto:"):
            u = u[7:]
        out.append(u.split("!")[0].lower())
    return sorted(out)


def same_ip(a, b):
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


# ---------------------------------------------------------------------------------------------

ROWS = []  # (case, field, expected, oracle, smtping, status)


def row(case, field, expected, oracle, smt, compare=True):
    """Record one row. smt is the smtping value, or a str note when smtping is not compared."""
    ok_oracle = expected == oracle
    if not compare:
        status = "ok" if ok_oracle else "ORACLE"
        shown = smt
    else:
        status = "match" if (ok_oracle and smt == oracle) else ("ORACLE" if not ok_oracle else "MISMATCH")
        shown = show(smt)
    ROWS.append((case, field, show(expected), show(oracle), shown, status))


def main():
    have_spf = has_command("spf")
    have_domain = has_command("domain")
    note_spf = None if have_spf else "(no `smtping spf`)"
    note_domain = None if have_domain else "(no `smtping domain`)"

    # --- SPF: pyspf vs smtping spf ---
    for name, ip, ident, helo, want, want_exp in SPF_CASES:
        o = oracles.pyspf(ip, ident, helo)
        args = ["spf", ip, ident] + (["--helo", helo] if helo else [])
        if have_spf:
            code, doc = smtping_json(args)
            got = doc.get("result", doc.get("_error"))
            row(name, "result", want, o["result"], got)
            exit_want = SPF_EXIT.get(o["result"])
            row(name, "exit", exit_want, exit_want, code)
            if want_exp:
                row(name, "explanation", want_exp, o["explanation"], doc.get("explanation"))
            if name in SPF_COUNTS:
                row(name, "lookups", SPF_COUNTS[name][0], o["lookups"], doc.get("lookups"))
                row(name, "void_lookups", SPF_COUNTS[name][1], o["void_lookups"], doc.get("void_lookups"))
        else:
            row(name, "result", want, o["result"], note_spf, compare=False)
            if want_exp:
                row(name, "explanation", want_exp, o["explanation"], note_spf, compare=False)
            if name in SPF_COUNTS:
                row(name, "lookups", SPF_COUNTS[name][0], o["lookups"], note_spf, compare=False)
                row(name, "void_lookups", SPF_COUNTS[name][1], o["void_lookups"], note_spf, compare=False)

    # --- DKIM: opendkim-testkey + openssl vs smtping domain --dkim-selector ---
    dargs = ["domain", Z] + [a for s in DKIM_CASES for a in ("--dkim-selector", s)]
    doc = smtping_json(dargs)[1] if have_domain else {}
    for sel, (found, ktype, bits, testing, revoked) in DKIM_CASES.items():
        o = oracles.dkim(Z, sel)
        mine = next((s for s in get(doc, "dkim/selectors") or [] if s.get("selector") == sel), {})
        for field, want, ov in (("found", found, o["found"]), ("key_type", ktype, o["key_type"]),
                                ("key_bits", bits, o["key_bits"]), ("testing", testing, o["testing"]),
                                ("revoked", revoked, o["revoked"])):
            if field in ("key_type", "key_bits") and not found:
                continue
            if field in ("key_type", "key_bits") and revoked:
                continue
            smt = mine.get(field) if have_domain else note_domain
            if field == "key_type" and isinstance(smt, str) and have_domain:
                smt = smt.lower()
            row(f"dkim.{sel}", field, want, ov, smt, compare=have_domain)
    # RFC 8020 _domainkey existence (dnspython as the oracle: NOERROR/NODATA vs NXDOMAIN).
    for dom, want in ((Z, True), (f"nodkim.{Z}", False)):
        o = _exists(f"_domainkey.{dom}")
        if have_domain:
            d = doc if dom == Z else smtping_json(["domain", dom])[1]
            row(f"dkim.domainkey.{dom}", "domainkey_exists", want, o, get(d, "dkim/domainkey_exists"))
        else:
            row(f"dkim.domainkey.{dom}", "domainkey_exists", want, o, note_domain, compare=False)

    # --- DMARC: checkdmarc vs smtping domain ---
    for dom, want in DMARC_CASES.items():
        o = checkdmarc("dmarc", dom)
        if "oracle_error" in o:
            row(f"dmarc.{dom}", "oracle", None, o["oracle_error"], "", compare=False)
            continue
        d = smtping_json(["domain", dom])[1] if have_domain else {}
        ov = {
            "policy": "(error)" if o.get("error") else o.get("policy"),
            "subdomain_policy": o.get("subdomain_policy"),
            "pct": o.get("pct"),
            "rua": norm_rua(o.get("rua")),
            "org_domain": norm_name(o.get("org_domain")),
            "external_rua": sorted((e["destination"], e["authorized"]) for e in o.get("external_rua", [])),
        }
        sv = {}
        if have_domain:
            dm = get(d, "dmarc") or {}
            sv = {
                "policy": "(error)" if (dm.get("error") or not dm.get("policy")) else str(dm.get("policy")).lower(),
                "subdomain_policy": dm.get("subdomain_policy"),
                "pct": dm.get("pct"),
                "rua": norm_rua(dm.get("rua")),
                # checkdmarc's org_domain is the domain whose record applies (its own
                # record when it has one, else the base domain's): smtping calls that
                # record_domain. smtping's org_domain is the RFC 7489 one (public suffix
                # list: .test is not listed, so its default rule makes every name under
                # signals.test belong to signals.test) and org_domain_rfc9989 the tree
                # walk's, which also finds signals.test (the fewest labels with a record).
                "org_domain": norm_name(dm.get("record_domain")),
                "external_rua": sorted((norm_name(e.get("destination")), e.get("authorized"))
                                       for e in dm.get("external_rua") or []),
            }
        for field, w in want.items():
            if field == "rua":
                w = sorted(w)
            row(f"dmarc.{dom}", field, w, ov[field], sv.get(field) if have_domain else note_domain,
                compare=have_domain)

    # --- SPF posture (record lookups): checkdmarc vs smtping domain ---
    for dom, want in SPF_POSTURE_CASES.items():
        o = checkdmarc("spf-posture", dom)
        ov = o.get("lookups", o.get("oracle_error"))
        if have_domain:
            row(f"spf.posture.{dom}", "lookups", want, ov, get(smtping_json(["domain", dom])[1], "spf/lookups"))
        else:
            row(f"spf.posture.{dom}", "lookups", want, ov, note_domain, compare=False)

    # --- smtping domain --sending-ip: pyspf vs spf.results[] ---
    for dom, ip, want in SENDING_IP_CASES:
        o = oracles.pyspf(ip, dom)["result"]
        if have_domain:
            args = ["domain", dom] + [a for d2, i, _w in SENDING_IP_CASES if d2 == dom for a in ("--sending-ip", i)]
            res = get(smtping_json(args)[1], "spf/results") or []
            mine = next((r for r in res if same_ip(r.get("ip", ""), ip)), {})
            row(f"spf.sending-ip.{dom}.{ip}", "result", want, o, mine.get("result"))
        else:
            row(f"spf.sending-ip.{dom}.{ip}", "result", want, o, note_domain, compare=False)

    # --- MX and PTR/FCrDNS: dnspython vs smtping domain ---
    for dom, (null, names) in MX_CASES.items():
        o = oracles.mx(dom)
        ov = (o["null_mx"], [h["name"] for h in o["hosts"]])
        if have_domain:
            m = get(smtping_json(["domain", dom])[1], "mx") or {}
            hosts = sorted(m.get("hosts") or [], key=lambda h: (h.get("preference", 0), norm_name(h.get("name"))))
            sv = (m.get("null_mx"), [norm_name(h.get("name")) for h in hosts])
            row(f"mx.{dom}", "null_mx", null, ov[0], sv[0])
            row(f"mx.{dom}", "hosts", names, ov[1], sv[1])
        else:
            row(f"mx.{dom}", "null_mx", null, ov[0], note_domain, compare=False)
            row(f"mx.{dom}", "hosts", names, ov[1], note_domain, compare=False)
    for ip, (names, fcrdns) in PTR_CASES.items():
        o = oracles.ptr(ip)
        if have_domain:
            ptrs = get(smtping_json(["domain", f"fcrdns.{Z}"])[1], "reputation/ptr") or []
            mine = next((p for p in ptrs if same_ip(p.get("ip", ""), ip)), None)
            sn = sorted(norm_name(n) for n in (mine or {}).get("names") or []) if mine else "(ip absent)"
            row(f"ptr.{ip}", "names", names, o["names"], sn)
            row(f"ptr.{ip}", "fcrdns", fcrdns, o["fcrdns"], (mine or {}).get("fcrdns"))
        else:
            row(f"ptr.{ip}", "names", names, o["names"], note_domain, compare=False)
            row(f"ptr.{ip}", "fcrdns", fcrdns, o["fcrdns"], note_domain, compare=False)

    # --- DNSBL: rbldnsd (asked directly) vs smtping domain --dnsbl ---
    for dom, q, listed, codes in DNSBL_CASES:
        o = oracles.dnsbl(q)
        o_listed = bool(o["codes"]) and not (set(o["codes"]) & REFUSED_CODES)
        if have_domain:
            args = ["domain", dom] + [a for z in DNSBL_ZONES for a in ("--dnsbl", z)]
            entries = get(smtping_json(args)[1], "reputation/dnsbl") or []
            mine = next((e for e in entries if norm_name(e.get("query")) == q), None)
            if mine is None:
                row(f"dnsbl.{q}", "listed", listed, o_listed, "(query absent)")
                continue
            row(f"dnsbl.{q}", "listed", listed, o_listed, mine.get("listed"))
            row(f"dnsbl.{q}", "codes", codes, o["codes"], sorted(mine.get("codes") or []))
            refused = bool(set(o["codes"]) & REFUSED_CODES)
            row(f"dnsbl.{q}", "error", refused, refused, mine.get("error") is not None)
        else:
            row(f"dnsbl.{q}", "listed", listed, o_listed, note_domain, compare=False)
            row(f"dnsbl.{q}", "codes", codes, o["codes"], note_domain, compare=False)

    # --- the table ---
    widths = [max(len(str(r[i])) for r in ROWS + [("case", "field", "expected", "oracle", "smtping", "match")])
              for i in range(6)]
    widths = [min(w, 60) for w in widths]
    fmt = " | ".join("%%-%ds" % w for w in widths)
    print(fmt % ("case", "field", "expected", "oracle", "smtping", "match"))
    print("-+-".join("-" * w for w in widths))
    for r in ROWS:
        print(fmt % tuple(r))
    n_oracle = sum(1 for r in ROWS if r[5] == "ORACLE")
    n_mis = sum(1 for r in ROWS if r[5] == "MISMATCH")
    n_match = sum(1 for r in ROWS if r[5] == "match")
    n_only = sum(1 for r in ROWS if r[5] == "ok")
    print()
    if not (have_spf and have_domain):
        missing = [c for c, h in (("spf", have_spf), ("domain", have_domain)) if not h]
        print("NOTE: `smtping %s --help` failed with %s: those rows check the oracle against the zone only;"
              % ("`/`smtping ".join(missing), SMTPING))
        print("      they will be compared with smtping as soon as the command exists.")
    print(f"{n_match} rows compared with smtping, {n_only} oracle-only; {n_mis} smtping mismatches,"
          f" {n_oracle} oracle/zone disagreements")
    print(f"crosscheck: {n_match + n_only} passed, {n_oracle + n_mis} failed")
    return 1 if (n_oracle or n_mis) else 0


def _exists(name):
    """RFC 8020: does the name exist (NOERROR, possibly no data) or not (NXDOMAIN)?"""
    import dns.resolver

    try:
        oracles.resolver().resolve(name, "TXT", search=False)
        return True
    except dns.resolver.NoAnswer:
        return True
    except dns.resolver.NXDOMAIN:
        return False


if __name__ == "__main__":
    sys.exit(main())
