#!/usr/bin/env python3
"""
text_tokens.py - an oracle for the plain-text log reader (src/detect/log_text.c).

The reader finds observables in text with a hand-tuned scanner (SIMD skips, two-ended token
search, a dispatch per token kind). This is a second, deliberately plain reading of the rules its
header documents: split a line into maximal tokens, look at each, in a few lines of Python. Both
run over generated lines full of the awkward cases (URLs with user:password@, brackets and
trailing punctuation, IPv6 with zones, e-mail addresses, xn-- labels, hex runs of 31-65 digits,
MAC addresses, colon-joined parts, bytes >= 0x80, control bytes) and over lines like a real log's;
every record's fields (type, path, value, in order) must be the same.

usage: text_tokens.py LOG_FIELDS_BINARY [LINES]   (exit 0: same; 1: differences, listed)
"""
import random
import re
import socket
import subprocess
import sys
import tempfile

TOK = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@:%+-") | set(range(0x80, 0x100))
URL_END = set(range(0, 0x21)) | set(b"\"'<>`{|}\\^") | {0x7F}
HEX = set(b"0123456789abcdefABCDEF")
ALPHA = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGIT = set(b"0123456789")
HASH_PATH = {32: b"hashes.MD5", 40: b"hashes.'SHA-1'", 64: b"hashes.'SHA-256'"}
# The one time form the oracle models; a line starting with another date form is not compared.
TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
FIELDS_MAX = 256


class Record:
    def __init__(self):
        self.fields = []

    def add(self, typ, path, value):
        f = (typ, path, value)
        if value and f not in self.fields and len(self.fields) < FIELDS_MAX:
            self.fields.append(f)


def is_ipv4(b):
    parts = b.split(b".")
    return 7 <= len(b) <= 15 and len(parts) == 4 and all(
        1 <= len(x) <= 3 and all(c in DIGIT for c in x) and not (len(x) > 1 and x[:1] == b"0")
        and int(x) <= 255 for x in parts)


def is_domain(b):
    labels = b.split(b".")
    if not 4 <= len(b) <= 253 or len(labels) < 2:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or label[:1] == b"-" or label[-1:] == b"-":
            return False
        if not all(c in ALPHA or c in DIGIT or c == ord("-") for c in label):
            return False
    tld = labels[-1]
    if all(c in ALPHA for c in tld):
        return len(tld) >= 2
    return len(tld) >= 5 and tld[:4].lower() == b"xn--"


def is_email(b):
    if b.count(b"@") != 1:
        return False
    local, domain = b.split(b"@")
    return (1 <= len(local) <= 64 and local[:1] != b"." and local[-1:] != b"." and
            all(c in ALPHA or c in DIGIT or c in b"._%+-" for c in local) and is_domain(domain))


def ipv6(rec, b):
    if b"%" in b:
        b = b[:b.index(b"%")]
    if len(b) < 2 or len(b) > 45 or b == b"::" or not all(c in HEX or c in b":." for c in b):
        return False
    if not 2 <= b.count(b":") <= 8:  # more colons: a MAC address
        return False
    try:
        canon = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, b.decode()))
    except (OSError, ValueError):
        return False
    rec.add(b"ipv6-addr", b"value", canon.encode())
    return True


def host_or_address(rec, b):
    if is_ipv4(b):
        rec.add(b"ipv4-addr", b"value", b)
    elif is_domain(b):
        rec.add(b"domain-name", b"value", b.lower())


def part(rec, b):
    b = b.strip(b".")
    if b"@" in b:
        if is_email(b):
            at = b.index(b"@")
            rec.add(b"email-addr", b"value", b[:at] + b[at:].lower())
    elif b"." in b:
        if not any(c in ALPHA for c in b):
            if is_ipv4(b):
                rec.add(b"ipv4-addr", b"value", b)
        elif is_domain(b):
            rec.add(b"domain-name", b"value", b.lower())
    elif len(b) in HASH_PATH and all(c in HEX for c in b):
        rec.add(b"file", HASH_PATH[len(b)], b.lower())


def token(rec, t):
    if b":" not in t:
        part(rec, t)
    elif not ipv6(rec, t):
        for piece in t.split(b":"):
            if len(piece) >= 4:
                part(rec, piece)


def url_trailer(u):
    c = u[-1:]
    if c in (b".", b",", b";", b":", b"!", b"?", b"'"):
        return True
    if c not in (b")", b"]"):
        return False
    return u.count(c) > u.count(b"(" if c == b")" else b"[")


def url_host(rec, h):
    h = re.split(rb"[/?#]", h, maxsplit=1)[0]
    h = h[h.rindex(b"@") + 1:] if b"@" in h else h
    if h[:1] == b"[":
        if b"]" in h:
            ipv6(rec, h[1:h.index(b"]")])
        return
    host_or_address(rec, h.split(b":")[0].rstrip(b"."))


def line_fields(line):
    """The fields of one line, or None when it starts with a date form not modelled here."""
    rec, n, pos = Record(), len(line), 0
    if n >= 19 and line[0] in DIGIT and line[4] == ord("-"):
        m = TIME.match(line)
        if m is None:
            return None
        pos = m.end()
    while True:
        while pos < n and line[pos] not in TOK:
            pos += 1
        if pos >= n:
            return rec.fields
        s = e = pos
        while e < n and line[e] in TOK:
            e += 1
        t = line[s:e]
        special = any(c in b".:@" for c in t)
        pos = e
        if not special and re.search(rb"[0-9a-fA-F]{32}", t) is None:
            continue
        if t.lower() in (b"http:", b"https:", b"ftp:") and line[e:e + 2] == b"//" and e + 2 < n:
            host = j = e + 2
            while j < n and line[j] not in URL_END:
                j += 1
            while j > host and url_trailer(line[s:j]):
                j -= 1
            if j == host or line[host] == ord("/"):
                pos = e + 2  # no host: the scan goes on after "//"
                continue
            rec.add(b"url", b"value", line[s:j])
            url_host(rec, line[host:j])
            pos = j
        elif special:
            token(rec, t)
        elif len(t) in HASH_PATH and all(c in HEX for c in t):
            rec.add(b"file", HASH_PATH[len(t)], t.lower())


ATOMS = [b"http://", b"https://", b"ftp://", b"HTTP://", b"Https://", b"hxxp://", b"//",
         b"user:pw@", b"@", b"[", b"]", b"(", b")", b"::1", b"fe80::", b"%eth0", b"2001:db8::",
         b"::ffff:", b"1.2.3.4", b"10.0.0.1", b"256.1.1.1", b"01.2.3.4", b".", b"..", b":",
         b":443", b"/", b"?", b"#", b"=", b"a", b"Z", b"-", b"_", b"xn--", b"xn--p1ai",
         b"EXAMPLE", b"example", b"com", b"co.uk", b"c0m", b"a-b", b"-ab", b"ab-", b"mail",
         b"+tag", b"%", b"!", b",", b";", b"'", b'"', b"<", b">", b"`", b"{", b"}", b"|", b"\\",
         b"^", b" ", b" ", b" ", b"\t", b"\x7f", b"\x00", b"\xc3\xa9", b"\x80",
         b"52:54:00:6f:f6:1d:fa:16:3e", b"sha1:", b"md5=", b"2024-01-02T03:04:05Z "]
REAL = [b"%s proxy squid[%d]: %s TCP_MISS/200 %d GET %s - HIER_DIRECT/%s text/html",
        b"%s fw kernel: [UFW BLOCK] IN=eth0 MAC=52:54:00:%02x:aa:bb SRC=%s DST=%s LEN=60",
        b"%s ns1 dnsmasq[%d]: query[A] %s from %s",
        b"%s edr[%d]: event=file_write path=C:\\Temp\\x.tmp sha256=%s user=%s host=%s"]


def generate(path, lines, seed=5):
    rnd = random.Random(seed)

    def hexrun():
        return bytes(rnd.choice(b"0123456789abcdefABCDEF") for _ in range(rnd.choice([31, 32, 33, 40, 64, 65])))

    def ip():
        return b"%d.%d.%d.%d" % tuple(rnd.randrange(256) for _ in range(4))

    def dom():
        return b"%s.%s.%s" % (rnd.choice([b"www", b"Mail", b"cdn"]), rnd.choice([b"evil", b"ex-ample", b"b2"]),
                              rnd.choice([b"com", b"ORG", b"xn--p1ai", b"io"]))

    with open(path, "wb") as f:
        for i in range(lines):
            if i % 3 == 0:
                ts = b"2024-03-01T00:00:%02d.%03dZ" % (rnd.randrange(60), rnd.randrange(1000))
                k = rnd.randrange(4)
                if k == 0:
                    s = REAL[0] % (ts, rnd.randrange(9999), ip(), rnd.randrange(99999),
                                   b"http://%s/a.php?x=%s#f" % (dom(), ip()), ip())
                elif k == 1:
                    s = REAL[1] % (ts, rnd.randrange(256), ip(), ip())
                elif k == 2:
                    s = REAL[2] % (ts, rnd.randrange(999), dom(), ip())
                else:
                    s = REAL[3] % (ts, rnd.randrange(999), hexrun(), b"a.b@" + dom(), dom())
            else:
                s = b""
                for _ in range(rnd.randint(1, 30)):
                    s += hexrun() if rnd.random() < 0.05 else rnd.choice(ATOMS)
            f.write(s.replace(b"\n", b" ").replace(b"\r", b" ") + b"\n")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        generate(log.name, lines)
        got = subprocess.run([sys.argv[1], log.name], check=True, capture_output=True).stdout
        text = open(log.name, "rb").read().split(b"\n")
    theirs = {}
    for row in got.split(b"\n"):
        if row:
            no, _, rest = row.partition(b" ")
            theirs[int(no)] = rest
    compared = skipped = 0
    bad = []
    for no, line in enumerate(text[:lines], 1):
        fields = line_fields(line)
        if fields is None:
            skipped += 1
            continue
        compared += 1
        mine = b" ".join(b"%s:%s=%s" % f for f in fields)
        if mine != theirs.get(no, b""):
            bad.append((no, line, mine, theirs.get(no, b"")))
    for no, line, mine, got in bad[:10]:
        print("line %d: %r\n  oracle: %r\n  reader: %r" % (no, line[:300], mine[:300], got[:300]))
    print("text_tokens: %d lines compared (%d with another date form skipped), %d differ" %
          (compared, skipped, len(bad)))
    sys.exit(1 if bad or compared < lines // 2 else 0)


if __name__ == "__main__":
    main()
