#!/usr/bin/python3
"""Find one message by a header value in a Dovecot mailbox of the follow-through receiver, as an
independent IMAP client (Python's imaplib) for `scripts/interop.sh check`.

Usage: imap-find.py HOST PORT CAFILE USER HEADER VALUE [WAIT_SECONDS]
  STARTTLS on PORT (143), LOGIN (password from $IMAP_PASSWORD), then for INBOX and Junk:
  EXAMINE, UID SEARCH HEADER HEADER VALUE, and BODY.PEEK[HEADER] of the first match.
Prints one line: "FOLDER <folder> AR <authentication-results methods>" (e.g. "FOLDER Junk AR
spf=fail dkim=none dmarc=fail") or "NOTFOUND"; polls every second until WAIT_SECONDS pass.
HEADER "BODY" searches the whole message text (IMAP SEARCH TEXT: a DSN quotes the returned headers).
Also "PLAINTEXT-LOGIN-REFUSED" / "PLAINTEXT-LOGIN-ALLOWED" with HEADER = "-".
"""
import email
import imaplib
import os
import re
import ssl
import sys
import time


def connect(host, port, cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False  # the receiver is reached by address; the chain is still verified
    conn = imaplib.IMAP4(host, int(port), timeout=10)
    conn.starttls(ssl_context=ctx)
    return conn


def methods(headers):
    found = []
    for value in headers.get_all("Authentication-Results") or []:
        value = re.sub(r"\s+", " ", value)
        for m in re.finditer(r"\b(spf|dkim|dmarc|arc)=([a-z]+)", value):
            found.append(f"{m.group(1)}={m.group(2)}")
    order = {"spf": 0, "dkim": 1, "dmarc": 2, "arc": 3}
    return " ".join(sorted(set(found), key=lambda s: (order.get(s.split("=")[0], 9), s)))


def main():
    host, port, cafile, user, header, value = sys.argv[1:7]
    wait = float(sys.argv[7]) if len(sys.argv) > 7 else 20
    password = os.environ["IMAP_PASSWORD"]
    if header == "-":
        conn = imaplib.IMAP4(host, int(port), timeout=10)
        try:
            conn.login(user, password)
            print("PLAINTEXT-LOGIN-ALLOWED")
        except imaplib.IMAP4.error:
            print("PLAINTEXT-LOGIN-REFUSED")
        return 0
    deadline = time.monotonic() + wait
    while True:
        conn = connect(host, port, cafile)
        conn.login(user, password)
        for folder in ("INBOX", "Junk"):
            typ, _ = conn.select(folder, readonly=True)
            if typ != "OK":
                continue
            if header == "BODY":
                typ, data = conn.uid("SEARCH", None, "TEXT", f'"{value}"')
            else:
                typ, data = conn.uid("SEARCH", None, "HEADER", header, f'"{value}"')
            uids = data[0].split() if typ == "OK" and data and data[0] else []
            if uids:
                typ, fetched = conn.uid("FETCH", uids[0], "(BODY.PEEK[HEADER])")
                raw = next((p[1] for p in fetched if isinstance(p, tuple)), b"")
                headers = email.message_from_bytes(raw)
                print(f"FOLDER {folder} AR {methods(headers) or 'none'}")
                conn.logout()
                return 0
        conn.logout()
        if time.monotonic() >= deadline:
            print("NOTFOUND")
            return 0
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
