#!/usr/bin/env python3
"""gen_detect.py - deterministic inputs for bench/detect (random.Random(42), standard library only).

  gen_detect.py OUTDIR [--mb MB] [--indicators N]

writes into OUTDIR:
  indicators.jsonl  N active STIX 2.1 indicators (default 1,000,000), one JSON object a line:
                    ~85 % IPv4 '=', ~2 % IPv4 ISSUBSET a /24, ~6 % domain-name, ~3 % url, ~4 % file
                    hashes (MD5, SHA-1, SHA-256), exactly 1,000 url:value LIKE / MATCHES; then a
                    few hundred inactive ones (revoked, expired, not yet valid) that must not hit
  iocs.txt          the literal values of the active exact indicators (IPs, domains, URLs,
                    hashes), one a line, for `grep -F -f`
  text.log          MB megabytes (default 200) of syslog / proxy / firewall / EDR lines
  conn.log dns.log http.log   Zeek TSV, MB/4 each, with the header lines Zeek writes
  eve.json          Suricata EVE JSON (flow, dns, http, tls, fileinfo), MB/4
  truth.jsonl       every expected match: {"file": NAME, "line": N, "indicator": ID}, sorted
  empty.log         an empty log (scanning it times loading and building the index)

Background values are never an indicator's (indicator IPs have a first octet of 11-99, CIDRs
100-109; background addresses are 10/8, 172.16/12, 192.168/16, 130-223, and, for about half of
the public ones, addresses in 11-99 that are no indicator's value, so that their /16s hold feed
entries as real public traffic's do; indicator domains end in .example, background ones in .com,
.net, .org, .io, .local), so a line matches only where a value was planted. Planted lines carry either a true hit (an active indicator's
value, an address inside an indexed CIDR, a URL matching a LIKE or MATCHES) or a near miss (the
last octet changed, an extra or trailing label, the value inside a longer token, a hash one digit
short, an inactive indicator's value). Their expected hits are computed here from the values
planted, the way the STIX operators define them (= exact, ISSUBSET by prefix, LIKE anchored,
MATCHES as a regular-expression search; a URL's host is a value of its own in every log type).
"""
import argparse
import json
import os
import random
import re
import sys
import uuid

TS0 = 1709251200  # 2024-03-01T00:00:00Z, when the logs begin
WORDS = ("alpha bravo cobalt delta ember falcon garnet harbor indigo jasper kestrel lumen "
         "marble nimbus onyx pilot quartz raven sierra tundra umbra vector willow xenon yonder "
         "zephyr amber basalt cedar dune flint glacier hollow iris juniper krypton lotus mesa "
         "nova orbit prism quill ridge summit talon ultra vivid wander").split()
BG_TLDS = ("com", "net", "org", "io", "local", "co.uk", "de")
UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.6045.199 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Microsoft-CryptoAPI/10.0",
    "Wget/1.21.4",
)
PATHS = ("/", "/index.html", "/api/v2/items", "/static/js/app.3f9c1a.js", "/login",
         "/images/logo.png", "/search", "/cart/checkout", "/favicon.ico", "/v1/telemetry",
         "/wp-content/uploads/2024/02/banner.jpg", "/updates/manifest.xml")
MIME = ("text/html", "application/json", "image/png", "application/javascript", "text/css")


class Gen:
    def __init__(self, n_ind):
        self.r = random.Random(42)
        self.n = n_ind
        # value -> indicator id, by kind (active only)
        self.ip = {}
        self.cidr = {}   # "a.b.c" -> id
        self.dom = {}
        self.url = {}
        self.hash = {}
        self.rx = []     # (required literal, compiled regex, id) for LIKE and MATCHES
        self.like_ids, self.m1_ids, self.m2_ids = [], [], []
        # lists for picking (deterministic order)
        self.ip_l, self.cidr_l, self.dom_l, self.url_l, self.hash_l = [], [], [], [], []
        self.like_l, self.m1_l, self.m2_l = [], [], []
        self.inactive = []  # (kind, value)
        self.inactive_vals = set()

    # ---- random values --------------------------------------------------------------------

    def uid(self):
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def ind_ip(self):
        r = self.r
        return "%d.%d.%d.%d" % (r.randint(11, 99), r.randrange(256), r.randrange(256),
                                r.randint(1, 254))

    def ind_dom(self):
        r = self.r
        w = r.choice(WORDS)
        if r.random() < 0.5:
            return "%s%d.example" % (w, r.randrange(1000000))
        return "%s.%s%d.example" % (r.choice(WORDS), w, r.randrange(1000000))

    def bg_ip(self):
        r = self.r
        k = r.random()
        if k < 0.4:
            return "10.%d.%d.%d" % (r.randrange(256), r.randrange(256), r.randint(1, 254))
        if k < 0.5:
            return "192.168.%d.%d" % (r.randrange(256), r.randint(1, 254))
        if k < 0.55:
            return "172.%d.%d.%d" % (r.randint(16, 31), r.randrange(256), r.randint(1, 254))
        if k < 0.775:
            # Public addresses in the same /8s as the indicators' (so their /16s hold feed
            # entries and every lookup goes on to the Bloom filter, as real traffic would), but
            # never an indicator's value (active or not).
            while True:
                v = "%d.%d.%d.%d" % (r.randint(11, 99), r.randrange(256), r.randrange(256),
                                     r.randint(1, 254))
                if v not in self.ip and v not in self.inactive_vals:
                    return v
        a = r.randint(130, 223)
        while a in (169, 172, 192):
            a = r.randint(130, 223)
        return "%d.%d.%d.%d" % (a, r.randrange(256), r.randrange(256), r.randint(1, 254))

    def int_ip(self):
        r = self.r
        return "10.%d.%d.%d" % (r.randrange(256), r.randrange(256), r.randint(1, 254))

    def bg_dom(self):
        r = self.r
        pre = r.choice(("www", "cdn", "api", "static", "login", "mail", "img", "update", "edge"))
        return "%s.%s%d.%s" % (pre, r.choice(WORDS), r.randrange(500), r.choice(BG_TLDS))

    # ---- indicators -----------------------------------------------------------------------

    def indicators(self, path, ioc_path):
        r = self.r
        n_rx = 1000 if self.n >= 10000 else self.n // 10
        rest = self.n - n_rx
        n_cidr = rest * 2 // 100
        n_dom = rest * 6 // 100
        n_url = rest * 3 // 100
        n_hash = rest * 4 // 100
        n_ip = rest - n_cidr - n_dom - n_url - n_hash
        kinds = ["ip"] * n_ip + ["cidr"] * n_cidr + ["dom"] * n_dom + ["url"] * n_url + \
            ["hash"] * n_hash + ["like"] * (n_rx // 2) + ["m1"] * (n_rx // 4) + \
            ["m2"] * (n_rx - n_rx // 2 - n_rx // 4)
        r.shuffle(kinds)
        out = open(path, "w")
        iocs = open(ioc_path, "w")
        nlike = nm1 = nm2 = 0
        for i, kind in enumerate(kinds):
            iid = "indicator--" + self.uid()
            if kind == "ip":
                v = self.ind_ip()
                while v in self.ip:
                    v = self.ind_ip()
                self.ip[v] = iid
                self.ip_l.append(v)
                pat = "[ipv4-addr:value = '%s']" % v
                iocs.write(v + "\n")
            elif kind == "cidr":
                while True:
                    p = "%d.%d.%d" % (r.randint(100, 109), r.randrange(256), r.randrange(256))
                    if p not in self.cidr:
                        break
                self.cidr[p] = iid
                self.cidr_l.append(p)
                pat = "[ipv4-addr:value ISSUBSET '%s.0/24']" % p
            elif kind == "dom":
                v = self.ind_dom()
                while v in self.dom:
                    v = self.ind_dom()
                self.dom[v] = iid
                self.dom_l.append(v)
                pat = "[domain-name:value = '%s']" % v
                iocs.write(v + "\n")
            elif kind == "url":
                while True:
                    v = "http://%s%d-dl.example/%s/%s.%s" % (
                        r.choice(WORDS), r.randrange(1000000), r.choice(("get", "files", "dl", "p")),
                        self.hexs(8), r.choice(("exe", "zip", "bin", "php", "doc")))
                    if v not in self.url:
                        break
                self.url[v] = iid
                self.url_l.append(v)
                pat = "[url:value = '%s']" % v
                iocs.write(v + "\n")
            elif kind == "hash":
                k = r.random()
                ln, name = (32, "MD5") if k < 0.3 else (40, "'SHA-1'") if k < 0.55 else \
                    (64, "'SHA-256'")
                v = self.hexs(ln)
                self.hash[v] = iid
                self.hash_l.append(v)
                pat = "[file:hashes.%s = '%s']" % (name, v)
                iocs.write(v + "\n")
            elif kind == "like":
                k = nlike
                nlike += 1
                if k % 4 == 3:
                    # '_' stands for exactly one character
                    like = "http://www.badsite%dq_.example/%%" % k
                    rx = "^" + re.escape("http://www.badsite%dq" % k) + "." + \
                        re.escape(".example/") + ".*$"
                else:
                    like = "http://%%.badsite%dx%%.example/%%" % k
                    rx = "^" + re.escape("http://") + ".*" + re.escape(".badsite%dx" % k) + \
                        ".*" + re.escape(".example/") + ".*$"
                self.rx.append(("badsite", re.compile(rx, re.S), iid))
                self.like_l.append((k, iid))
                pat = "[url:value LIKE '%s']" % like
            elif kind == "m1":
                k = nm1
                nm1 += 1
                rx = r"^https?://[a-z0-9]+\.c2-[0-9]+\.z%d\.example/" % k
                self.rx.append((".c2-", re.compile(rx, re.S), iid))
                self.m1_l.append((k, iid))
                pat = "[url:value MATCHES '%s']" % rx.replace("\\", "\\\\")
            else:
                k = nm2
                nm2 += 1
                rx = r"/gate%d\.php\?id=[0-9a-f]{8}$" % k
                self.rx.append(("/gate", re.compile(rx, re.S), iid))
                self.m2_l.append((k, iid))
                pat = "[url:value MATCHES '%s']" % rx.replace("\\", "\\\\")
            out.write(self.obj(iid, "feed %s %d" % (kind, i), pat, ""))
        # Inactive: revoked, expired, not yet valid. Their values are used by no active one.
        for i in range(300):
            iid = "indicator--" + self.uid()
            extra = ("revoked", "expired", "future")[i % 3]
            kind = ("ip", "dom", "hash", "url", "ip")[i % 5]
            while True:
                if kind == "ip":
                    v = self.ind_ip()
                    pat = "[ipv4-addr:value = '%s']" % v
                elif kind == "dom":
                    v = self.ind_dom()
                    pat = "[domain-name:value = '%s']" % v
                elif kind == "hash":
                    v = self.hexs(64)
                    pat = "[file:hashes.'SHA-256' = '%s']" % v
                else:
                    v = "http://%s%d-old.example/x/%s.exe" % (r.choice(WORDS), r.randrange(10**6),
                                                             self.hexs(8))
                    pat = "[url:value = '%s']" % v
                if v not in self.ip and v not in self.dom and v not in self.hash and \
                        v not in self.url and v not in self.inactive_vals:
                    break
            self.inactive.append((kind, v))
            self.inactive_vals.add(v)
            out.write(self.obj(iid, "inactive %s %s" % (extra, kind), pat, extra))
        out.close()
        iocs.close()

    @staticmethod
    def obj(iid, name, pat, extra):
        ts = "2024-01-01T00:00:00.000Z"
        s = ('{"type":"indicator","spec_version":"2.1","id":"%s","created":"%s","modified":"%s",'
             '"name":"%s","indicator_types":["malicious-activity"],"pattern":%s,'
             '"pattern_type":"stix",' % (iid, ts, ts, name, json.dumps(pat)))
        if extra == "future":
            s += '"valid_from":"2099-01-01T00:00:00Z"'
        else:
            s += '"valid_from":"2024-01-01T00:00:00Z"'
        if extra == "expired":
            s += ',"valid_until":"2024-06-01T00:00:00Z"'
        if extra == "revoked":
            s += ',"revoked":true'
        return s + "}\n"

    # ---- expected hits of planted values --------------------------------------------------

    def hits(self, vals):
        """Indicator ids that the values (kind, value) of one record hit."""
        got = []
        for kind, v in vals:
            if kind == "ip":
                if v in self.ip:
                    got.append(self.ip[v])
                p = v.rsplit(".", 1)[0]
                if p in self.cidr:
                    got.append(self.cidr[p])
            elif kind == "dom":
                if v.lower() in self.dom:
                    got.append(self.dom[v.lower()])
            elif kind == "hash":
                if v.lower() in self.hash:
                    got.append(self.hash[v.lower()])
            elif kind == "url":
                if v in self.url:
                    got.append(self.url[v])
                for lit, rx, iid in self.rx:
                    if lit in v and rx.search(v):
                        got.append(iid)
                host = v.split("/", 3)[2].split(":")[0]
                if re.fullmatch(r"[0-9.]+", host):
                    got += self.hits([("ip", host)])
                else:
                    got += self.hits([("dom", host)])
        return sorted(set(got))

    # ---- planted values -------------------------------------------------------------------

    def true_value(self):
        """An active indicator's value, or a value inside a CIDR or matching a LIKE/MATCHES."""
        r = self.r
        k = r.random()
        if k < 0.40:
            return "ip", r.choice(self.ip_l)
        if k < 0.50 and self.cidr_l:
            return "ip", "%s.%d" % (r.choice(self.cidr_l), r.randint(1, 254))
        if k < 0.65:
            return "dom", r.choice(self.dom_l)
        if k < 0.75:
            return "url", r.choice(self.url_l)
        if k < 0.85:
            return "hash", r.choice(self.hash_l)
        if k < 0.92 and self.like_l:
            n, _ = r.choice(self.like_l)
            if n % 4 == 3:
                return "url", "http://www.badsite%dq%s.example/%s" % (
                    n, r.choice("abcdefgh0123"), r.choice(PATHS).lstrip("/"))
            return "url", "http://%s.badsite%dx%s.example%s" % (
                r.choice(WORDS), n, r.choice(("", "-cdn", "2")), r.choice(PATHS))
        if k < 0.96 and self.m1_l:
            n, _ = r.choice(self.m1_l)
            return "url", "%s://%s%d.c2-%d.z%d.example/%s" % (
                r.choice(("http", "https")), r.choice(WORDS), r.randrange(100), r.randrange(10000),
                n, r.choice(("beacon", "", "submit.php", "jquery.min.js")))
        if self.m2_l:
            n, _ = r.choice(self.m2_l)
            return "url", "http://%s/wp/gate%d.php?id=%s" % (self.bg_dom(), n, self.hexs(8))
        return "ip", r.choice(self.ip_l)

    def miss_value(self, text):
        """A near miss: (kind, value as it appears, value the reader sees or None)."""
        r = self.r
        k = r.random()
        if k < 0.25:
            base = r.choice(self.ip_l)
            a, b, c, d = base.split(".")
            while True:
                v = "%s.%s.%s.%d" % (a, b, c, r.randint(1, 254))
                if v not in self.ip and v not in self.inactive_vals:
                    return "ip", v, v
        if k < 0.35 and text:
            return "raw", r.choice(("a", "ip", "x")) + r.choice(self.ip_l), None
        if k < 0.45:
            while True:
                v = r.choice(("x.", "www.", "cdn.")) + r.choice(self.dom_l)
                if v not in self.dom:
                    return "dom", v, v
        if k < 0.55:
            v = r.choice(self.dom_l) + r.choice((".org", ".net", ".com"))
            return "dom", v, v
        if k < 0.65:
            h = r.choice(self.hash_l)
            return "hash", h[:-1], None  # one hex digit short: not a hash at all
        if k < 0.72:
            u = r.choice(self.url_l)
            v = u + r.choice(("x", "/", ".bak"))
            return "url", v, v
        if k < 0.77 and self.like_l:
            n, _ = r.choice(self.like_l)
            v = "http://%s.badsite%dx.example.org/" % (r.choice(WORDS), n)
            return "url", v, v
        if k < 0.82 and self.m1_l:
            n, _ = r.choice(self.m1_l)
            v = "http://%s.c2-%da.z%d.example/" % (r.choice(WORDS), r.randrange(100), n)
            return "url", v, v
        if self.inactive:
            kind, v = r.choice(self.inactive)
            return kind, v, v
        return "hash", r.choice(self.hash_l)[:-1], None


# ---- text log --------------------------------------------------------------------------------

def iso(t, frac=3):
    import time as _t
    s = _t.strftime("%Y-%m-%dT%H:%M:%S", _t.gmtime(int(t)))
    if frac:
        s += ".%0*d" % (frac, int((t - int(t)) * 10**frac))
    return s


def write_text(g, path, size):
    r = g.r
    f = open(path, "w")
    line = 0
    n = 0
    t = float(TS0)
    truth = []
    hosts = ["proxy%02d" % i for i in range(1, 5)] + ["fw%02d" % i for i in range(1, 3)] + \
        ["bastion01", "web03", "ns1", "edr-ws-%04d" % 412]
    buf = []
    while n < size:
        t += r.random() * 0.02
        ts = iso(t) + "Z"
        plant = None
        k = r.random()
        if k < 0.005:
            plant = ("hit",) + g.true_value()
        elif k < 0.010:
            plant = ("miss",) + g.miss_value(True)
        if plant is None:
            s = bg_text(g, ts, None)
        else:
            s, vals = plant_text(g, ts, plant)
            if plant[0] == "hit" or vals:
                for iid in g.hits(vals):
                    truth.append((line + 1, iid))
        buf.append(s)
        line += 1
        n += len(s) + 1
        if len(buf) >= 4096:
            f.write("\n".join(buf) + "\n")
            buf = []
    if buf:
        f.write("\n".join(buf) + "\n")
    f.close()
    return truth, line


def bg_text(g, ts, _):
    r = g.r
    k = r.random()
    if k < 0.45:  # squid-like proxy
        dom = g.bg_dom()
        url = "%s://%s%s" % (r.choice(("http", "https")), dom, r.choice(PATHS))
        return ('%s proxy%02d squid[%d]: %s TCP_%s/%d %d GET %s - HIER_DIRECT/%s %s "%s"' % (
            ts, r.randint(1, 4), r.randint(1000, 9999), g.int_ip(),
            r.choice(("MISS", "HIT", "TUNNEL", "REFRESH_MODIFIED")), r.choice((200, 200, 304, 404)),
            r.randrange(100, 90000), url, g.bg_ip(), r.choice(MIME), r.choice(UAS)))
    if k < 0.65:  # firewall
        return ("%s fw%02d kernel: [UFW %s] IN=eth0 OUT= MAC=52:54:00:%02x:%02x:%02x:fa:16:3e:"
                "01:02:03:08:00 SRC=%s DST=%s LEN=%d TOS=0x00 PREC=0x00 TTL=%d ID=%d PROTO=TCP "
                "SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0" % (
                    ts, r.randint(1, 2), r.choice(("BLOCK", "ALLOW", "AUDIT")), r.randrange(256),
                    r.randrange(256), r.randrange(256), g.bg_ip(), g.int_ip(), r.randint(40, 1500),
                    r.randint(30, 128), r.randrange(65536), r.randint(1024, 65535),
                    r.choice((22, 80, 443, 3389, 445, 8080))))
    if k < 0.75:  # sshd
        return ("%s bastion01 sshd[%d]: %s for %s from %s port %d ssh2" % (
            ts, r.randint(1000, 99999), r.choice(("Failed password", "Accepted publickey",
                                                  "Failed password for invalid user")),
            r.choice(("root", "admin", "deploy", "ubuntu", "git")), g.bg_ip(),
            r.randint(1024, 65535)))
    if k < 0.9:  # dnsmasq
        return "%s ns1 dnsmasq[%d]: query[%s] %s from %s" % (
            ts, r.randint(100, 999), r.choice(("A", "AAAA", "HTTPS")), g.bg_dom(), g.int_ip())
    # EDR file events with a background hash (random, never an indicator's)
    h = g.hexs(64)
    while h in g.hash:
        h = g.hexs(64)
    return ("%s edr-ws-%04d edr-agent[%d]: event=file_write user=CORP\\%s "
            "path=C:\\Users\\%s\\AppData\\Local\\Temp\\%s.tmp sha256=%s host=ws-%04d.corp.local" % (
                ts, r.randrange(10000), r.randint(100, 9999), r.choice(("bob", "alice", "svc_backup")),
                r.choice(("bob", "alice")), g.hexs(6), h, r.randrange(10000)))


def plant_text(g, ts, plant):
    """A text line carrying the planted value; returns (line, values the reader sees)."""
    r = g.r
    kind, shown = plant[1], plant[2]
    seen = plant[2] if plant[0] == "hit" else plant[3]
    if kind == "ip":
        c = r.random()
        if c < 0.5:
            s = ("%s fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=%s DST=%s LEN=60 TTL=52 PROTO=TCP "
                 "SPT=%d DPT=443 SYN URGP=0" % (ts, shown, g.int_ip(), r.randint(1024, 65535)))
        elif c < 0.8:
            s = "%s bastion01 sshd[%d]: Failed password for root from %s port %d ssh2" % (
                ts, r.randint(1000, 99999), shown, r.randint(1024, 65535))
        else:
            s = ('%s proxy01 squid[2211]: %s TCP_TUNNEL/200 %d CONNECT %s:443 - HIER_DIRECT/%s - "%s"'
                 % (ts, g.int_ip(), r.randrange(100, 90000), shown, shown, r.choice(UAS)))
        return s, [("ip", seen)] if seen else []
    if kind == "dom":
        if r.random() < 0.6:
            s = "%s ns1 dnsmasq[812]: query[A] %s from %s" % (ts, shown, g.int_ip())
        else:
            s = ('%s proxy02 squid[2211]: %s TCP_TUNNEL/200 %d CONNECT %s:443 - HIER_DIRECT/%s - "%s"'
                 % (ts, g.int_ip(), r.randrange(100, 90000), shown, g.bg_ip(), r.choice(UAS)))
        return s, [("dom", seen)] if seen else []
    if kind == "url":
        s = ('%s proxy03 squid[2211]: %s TCP_MISS/200 %d GET %s - HIER_DIRECT/%s %s "%s"' % (
            ts, g.int_ip(), r.randrange(100, 90000), shown, g.bg_ip(), r.choice(MIME),
            r.choice(UAS)))
        return s, [("url", seen)] if seen else []
    if kind == "hash":
        name = {32: "md5", 40: "sha1", 64: "sha256", 31: "md5", 39: "sha1", 63: "sha256"}[len(shown)]
        s = ("%s edr-ws-0412 edr-agent[311]: event=file_create user=CORP\\bob "
             "path=C:\\Users\\bob\\Downloads\\invoice_%s.exe %s=%s host=ws-0412.corp.local" % (
                 ts, g.hexs(4), name, shown))
        return s, [("hash", seen)] if seen else []
    # "raw": an indicator value inside a longer token
    s = "%s fw02 kernel: [UFW AUDIT] note=%s SRC=%s DST=%s PROTO=UDP SPT=53 DPT=%d" % (
        ts, shown, g.bg_ip(), g.int_ip(), r.randint(1024, 65535))
    return s, []


# ---- Zeek TSV --------------------------------------------------------------------------------

ZEEK = {
    "conn": (
        "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes "
        "resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes "
        "resp_pkts resp_ip_bytes tunnel_parents",
        "time string addr port addr port enum string interval count count string bool bool "
        "count string count count count count set[string]"),
    "dns": (
        "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass "
        "qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected",
        "time string addr port addr port enum count interval string count string count string "
        "count string bool bool bool bool count vector[string] vector[interval] bool"),
    "http": (
        "ts uid id.orig_h id.orig_p id.resp_h id.resp_p trans_depth method host uri referrer "
        "version user_agent origin request_body_len response_body_len status_code status_msg "
        "info_code info_msg tags username password proxied orig_fuids orig_filenames "
        "orig_mime_types resp_fuids resp_filenames resp_mime_types",
        "time string addr port addr port count string string string string string string string "
        "count count count string count string set[enum] string string set[string] "
        "vector[string] vector[string] vector[string] vector[string] vector[string] "
        "vector[string]"),
}
UIDC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def zuid(r):
    return "C" + "".join(r.choice(UIDC) for _ in range(17))


def write_zeek(g, log, path, size):
    r = g.r
    fields, types = ZEEK[log]
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
            "#unset_field\t-", "#path\t%s" % log, "#open\t2024-03-01-00-00-00",
            "#fields\t" + fields.replace(" ", "\t"), "#types\t" + types.replace(" ", "\t")]
    f = open(path, "w")
    f.write("\n".join(head) + "\n")
    line = len(head)
    n = sum(len(h) + 1 for h in head)
    t = float(TS0)
    truth = []
    buf = []
    while n < size:
        t += r.random() * 0.01
        k = r.random()
        plant = ("hit",) + g.true_value() if k < 0.01 else \
            ("miss",) + g.miss_value(False) if k < 0.02 else None
        s, vals = zeek_line(g, log, t, plant)
        line += 1
        if vals:
            for iid in g.hits(vals):
                truth.append((line, iid))
        buf.append(s)
        n += len(s) + 1
        if len(buf) >= 4096:
            f.write("\n".join(buf) + "\n")
            buf = []
    buf.append("#close\t2024-03-01-23-59-59")
    f.write("\n".join(buf) + "\n")
    f.close()
    return truth, line + 1


def zeek_line(g, log, t, plant):
    r = g.r
    ts = "%.6f" % t
    orig, resp = g.int_ip(), g.bg_ip()
    vals = []
    kind = plant[1] if plant else None
    seen = None
    if plant:
        seen = plant[2] if plant[0] == "hit" else plant[3]
    if log == "conn":
        if kind == "ip":
            resp = plant[2]
            if seen:
                vals.append(("ip", seen))
        cols = [ts, zuid(r), orig, str(r.randint(1024, 65535)), resp,
                str(r.choice((80, 443, 53, 22, 8443))), r.choice(("tcp", "tcp", "udp")),
                r.choice(("ssl", "http", "dns", "-")), "%.6f" % (r.random() * 30),
                str(r.randrange(100000)), str(r.randrange(1000000)),
                r.choice(("SF", "S0", "REJ", "RSTO")), "T", "F", "0",
                r.choice(("ShADadFf", "S", "ShADadfF")), str(r.randrange(200)),
                str(r.randrange(100000)), str(r.randrange(200)), str(r.randrange(1000000)), "-"]
        return "\t".join(cols), vals
    if log == "dns":
        q = g.bg_dom()
        answers = [g.bg_ip()]
        if kind == "dom":
            q = plant[2]
            if seen:
                vals.append(("dom", seen))
        elif kind == "ip":
            answers = [plant[2]]
            if seen:
                vals.append(("ip", seen))
        cols = [ts, zuid(r), orig, str(r.randint(1024, 65535)), "10.0.0.53", "53", "udp",
                str(r.randrange(65536)), "%.6f" % (r.random() / 10), q, "1", "C_INTERNET", "1",
                "A", "0", "NOERROR", "F", "F", "T", "T", "0", ",".join(answers),
                ",".join("%d.000000" % r.choice((60, 300, 3600)) for _ in answers), "F"]
        return "\t".join(cols), vals
    # http
    host, uri = g.bg_dom(), r.choice(PATHS)
    if kind == "url":
        rest = plant[2].split("://", 1)[1]
        host, _, uri = rest.partition("/")
        uri = "/" + uri
        if seen:
            vals.append(("url", seen))
    elif kind == "dom":
        host = plant[2]
        if seen:
            vals.append(("url", "http://%s%s" % (seen, uri)))
    elif kind == "ip":
        resp = plant[2]
        if seen:
            vals.append(("ip", seen))
    if plant and plant[0] == "miss" and plant[1] in ("url", "dom") and not seen:
        pass
    cols = [ts, zuid(r), orig, str(r.randint(1024, 65535)), resp, "80", "1",
            r.choice(("GET", "GET", "POST")), host, uri, "-", "1.1", r.choice(UAS), "-", "0",
            str(r.randrange(100000)), "200", "OK", "-", "-", "(empty)", "-", "-", "-", "-", "-",
            "-", "F" + "".join(r.choice(UIDC) for _ in range(17)), "-", r.choice(MIME)]
    return "\t".join(cols), vals


# ---- Suricata EVE ----------------------------------------------------------------------------

def write_eve(g, path, size):
    r = g.r
    f = open(path, "w")
    line = n = 0
    t = float(TS0)
    truth = []
    buf = []
    while n < size:
        t += r.random() * 0.01
        k = r.random()
        plant = ("hit",) + g.true_value() if k < 0.01 else \
            ("miss",) + g.miss_value(False) if k < 0.02 else None
        s, vals = eve_line(g, t, plant)
        line += 1
        if vals:
            for iid in g.hits(vals):
                truth.append((line, iid))
        buf.append(s)
        n += len(s) + 1
        if len(buf) >= 4096:
            f.write("\n".join(buf) + "\n")
            buf = []
    if buf:
        f.write("\n".join(buf) + "\n")
    f.close()
    return truth, line


def eve_line(g, t, plant):
    r = g.r
    ts = iso(t, 6) + "+0000"
    src, dst = g.int_ip(), g.bg_ip()
    kind = plant[1] if plant else None
    seen = (plant[2] if plant[0] == "hit" else plant[3]) if plant else None
    vals = []
    ev = r.choice(("flow", "flow", "dns", "http", "tls", "fileinfo"))
    if kind == "ip":
        dst = plant[2]
        if seen:
            vals.append(("ip", seen))
        ev = r.choice(("flow", "tls", "dns"))
    elif kind in ("dom", "url"):
        ev = "http" if kind == "url" else r.choice(("dns", "http", "tls"))
    elif kind == "hash":
        ev = "fileinfo"
    o = {"timestamp": ts, "flow_id": r.getrandbits(50), "in_iface": "eth0", "event_type": ev,
         "src_ip": src, "src_port": r.randint(1024, 65535), "dest_ip": dst}
    if ev == "flow":
        o.update({"dest_port": r.choice((443, 80, 22)), "proto": "TCP",
                  "app_proto": r.choice(("tls", "http", "ssh", "failed")),
                  "flow": {"pkts_toserver": r.randrange(1, 500), "pkts_toclient": r.randrange(500),
                           "bytes_toserver": r.randrange(100000), "bytes_toclient": r.randrange(10**6),
                           "start": ts, "end": ts, "age": r.randrange(60), "state": "closed",
                           "reason": "timeout", "alerted": False},
                  "community_id": "1:" + g.hexs(27)})
    elif ev == "dns":
        q, a = g.bg_dom(), g.bg_ip()
        if kind == "dom":
            q = plant[2]
            if seen:
                vals.append(("dom", seen))
        o.update({"dest_port": 53, "proto": "UDP", "app_proto": "dns",
                  "dns": {"version": 2, "type": "answer", "id": r.randrange(65536), "flags": "8180",
                          "qr": True, "rd": True, "ra": True, "rrname": q, "rrtype": "A",
                          "rcode": "NOERROR",
                          "answers": [{"rrname": q, "rrtype": "A", "ttl": 300, "rdata": a}],
                          "grouped": {"A": [a]}}})
    elif ev == "http":
        host, url = g.bg_dom(), r.choice(PATHS)
        if kind == "url":
            rest = plant[2].split("://", 1)[1]
            host, _, url = rest.partition("/")
            url = "/" + url
            if seen:
                vals.append(("url", seen))
        elif kind == "dom":
            host = plant[2]
            if seen:
                vals.append(("url", "http://%s%s" % (seen, url)))
        o.update({"dest_port": 80, "proto": "TCP", "app_proto": "http", "tx_id": 0,
                  "http": {"hostname": host, "url": url, "http_user_agent": r.choice(UAS),
                           "http_content_type": r.choice(MIME), "http_method": "GET",
                           "protocol": "HTTP/1.1", "status": 200, "length": r.randrange(100000)}})
    elif ev == "tls":
        sni = g.bg_dom()
        if kind == "dom":
            sni = plant[2]
            if seen:
                vals.append(("dom", seen))
        fp = g.hexs(40)
        o.update({"dest_port": 443, "proto": "TCP", "app_proto": "tls",
                  "tls": {"subject": "CN=" + sni, "issuerdn": "C=US, O=Let's Encrypt, CN=R3",
                          "serial": ":".join(g.hexs(2) for _ in range(8)).upper(),
                          "fingerprint": ":".join(fp[i:i + 2] for i in range(0, 40, 2)),
                          "sni": sni, "version": "TLS 1.3", "notbefore": "2024-01-01T00:00:00",
                          "notafter": "2024-04-01T00:00:00",
                          "ja3": {"hash": g.hexs(32), "string": "771,4865-4866,0-23-65281,29-23,0"}}})
    else:  # fileinfo
        md5, sha1, sha256 = g.hexs(32), g.hexs(40), g.hexs(64)
        if kind == "hash":
            h = plant[2]
            if len(h) in (32, 31):
                md5 = h
            elif len(h) in (40, 39):
                sha1 = h
            else:
                sha256 = h
            if seen:
                vals.append(("hash", seen))
        for h in (md5, sha1, sha256):
            if h in g.hash and (not seen or h != seen):
                raise SystemExit("gen_detect: a background hash is an indicator's")
        o.update({"dest_port": 80, "proto": "TCP", "app_proto": "http",
                  "fileinfo": {"filename": "/download/file_%s.bin" % g.hexs(4), "magic": "data",
                               "gaps": False, "state": "CLOSED", "md5": md5, "sha1": sha1,
                               "sha256": sha256, "stored": False, "size": r.randrange(10**6),
                               "tx_id": 0}})
    return json.dumps(o, separators=(",", ":")), vals


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--indicators", type=int, default=1000000)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    d = a.outdir
    g = Gen(a.indicators)
    g.indicators(os.path.join(d, "indicators.jsonl"), os.path.join(d, "iocs.txt"))
    mb = 1 << 20
    truth = []
    t, lines = write_text(g, os.path.join(d, "text.log"), int(a.mb * mb))
    truth += [("text.log", ln, i) for ln, i in t]
    for log in ("conn", "dns", "http"):
        t, _ = write_zeek(g, log, os.path.join(d, log + ".log"), int(a.mb / 4 * mb))
        truth += [(log + ".log", ln, i) for ln, i in t]
    t, _ = write_eve(g, os.path.join(d, "eve.json"), int(a.mb / 4 * mb))
    truth += [("eve.json", ln, i) for ln, i in t]
    with open(os.path.join(d, "truth.jsonl"), "w") as f:
        for name, ln, iid in sorted(truth):
            f.write(json.dumps({"file": name, "line": ln, "indicator": iid}) + "\n")
    open(os.path.join(d, "empty.log"), "w").close()
    print("gen_detect: %d active + %d inactive indicators, %d expected matches in %s" % (
        a.indicators, len(g.inactive), len(truth), d), file=sys.stderr)


if __name__ == "__main__":
    main()
