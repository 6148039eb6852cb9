/*
 * log_zeek.c - Zeek logs, as TSV (the default ASCII writer, with its #separator, #set_separator,
 * #empty_field, #unset_field, #path, #fields and #types header lines) or as JSON lines
 * (LogAscii::use_json, with the same field names as keys). A JSON line ('{') in a Zeek input is
 * read as Zeek JSON; any other line before #fields is malformed, as is a line whose number of
 * fields differs from #fields.
 *
 * Fields, by Zeek field name, whatever the log (values "-" unset and "(empty)" are skipped; sets
 * and vectors are split at #set_separator, or are JSON arrays):
 *   ts                         the record's time (epoch seconds with a fraction; in JSON also an
 *                              ISO 8601 string)
 *   id.orig_h, id.resp_h       ipv4-addr / ipv6-addr value (by syntax), and network-traffic
 *                              src_ref.value / dst_ref.value
 *   id.orig_p, id.resp_p       network-traffic src_port / dst_port
 *   orig_bytes, resp_bytes, orig_pkts, resp_pkts (conn)   network-traffic src_byte_count /
 *                              dst_byte_count / src_packets / dst_packets
 *   duration (conn)            with ts and an address: network-traffic start (ts) and end
 *                              (ts + duration), as STIX timestamps
 *   proto (conn, dns), service (conn, comma-separated)    network-traffic protocols[*]
 *   query (dns)                domain-name value
 *   answers (dns)              ipv4-addr / ipv6-addr value, or domain-name value (by syntax)
 *   host, uri, method, user_agent (http)   url value "http://" + host + uri (uri itself when it
 *                              is absolute); the host as domain-name or address; network-traffic
 *                              extensions.'http-request-ext'.request_method / request_value /
 *                              request_header.'User-Agent'
 *   server_name (ssl)          domain-name value
 *   cert_chain_fps, client_cert_chain_fps (ssl), fingerprint (x509)
 *                              x509-certificate hashes.MD5 / 'SHA-1' / 'SHA-256' by length
 *   md5, sha1, sha256 (files)  file hashes.MD5 / 'SHA-1' / 'SHA-256'
 *   filename (files)           file name
 *   tx_hosts, rx_hosts (older files.log)   ipv4-addr / ipv6-addr value
 *   san.dns, san.ip, san.email (x509)      domain-name, address, email-addr value
 *   mailfrom, rcptto, from, to, cc, reply_to (smtp)    email-addr value ("Name <a@b>" too)
 *   any other column whose #types is addr, set[addr] or vector[addr]: ipv4-addr / ipv6-addr
 * For the http, ssl, dns, smtp, ftp and ssh logs the log's name is also a protocols[*] value.
 * "log" is #path (TSV), "_path" (JSON), else the file name's first part when it is a known Zeek
 * log ("conn.log", "dns.00:00:00-01:00:00.log.gz"), else guessed from the keys, else "zeek".
 */
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

enum role {
    R_NONE = 0,
    R_TS,
    R_PATH,
    R_ORIG_H,
    R_RESP_H,
    R_ORIG_P, /* R_ORIG_P to R_RESP_PKTS: numbers, which Zeek JSON writes as such */
    R_RESP_P,
    R_ORIG_BYTES,
    R_RESP_BYTES,
    R_ORIG_PKTS,
    R_RESP_PKTS,
    R_DURATION, /* seconds with a fraction: a number in Zeek JSON too */
    R_PROTO,
    R_SERVICE,
    R_QUERY,
    R_ANSWERS,
    R_HOST,
    R_URI,
    R_METHOD,
    R_UA,
    R_SNI,
    R_CERT_FP,
    R_FILE_HASH,
    R_FILENAME,
    R_HOSTS,
    R_SAN_DNS,
    R_SAN_IP,
    R_EMAIL,
    R_ADDR,
};
#define ROLE_SET 0x100u /* the column is a set or vector */

/* Zeek field names we read, sorted for bsearch. */
static const struct name_role {
    const char *name;
    enum role role;
    bool set; /* a container when #types does not say */
} names[] = {
    {"_path", R_PATH, false},
    {"answers", R_ANSWERS, true},
    {"cc", R_EMAIL, true},
    {"cert_chain_fps", R_CERT_FP, true},
    {"client_cert_chain_fps", R_CERT_FP, true},
    {"duration", R_DURATION, false},
    {"filename", R_FILENAME, false},
    {"fingerprint", R_CERT_FP, false},
    {"from", R_EMAIL, false},
    {"host", R_HOST, false},
    {"id.orig_h", R_ORIG_H, false},
    {"id.orig_p", R_ORIG_P, false},
    {"id.resp_h", R_RESP_H, false},
    {"id.resp_p", R_RESP_P, false},
    {"mailfrom", R_EMAIL, false},
    {"md5", R_FILE_HASH, false},
    {"method", R_METHOD, false},
    {"orig_bytes", R_ORIG_BYTES, false},
    {"orig_pkts", R_ORIG_PKTS, false},
    {"proto", R_PROTO, false},
    {"query", R_QUERY, false},
    {"rcptto", R_EMAIL, true},
    {"reply_to", R_EMAIL, false},
    {"resp_bytes", R_RESP_BYTES, false},
    {"resp_pkts", R_RESP_PKTS, false},
    {"rx_hosts", R_HOSTS, true},
    {"san.dns", R_SAN_DNS, true},
    {"san.email", R_EMAIL, true},
    {"san.ip", R_SAN_IP, true},
    {"server_name", R_SNI, false},
    {"service", R_SERVICE, true},
    {"sha1", R_FILE_HASH, false},
    {"sha256", R_FILE_HASH, false},
    {"to", R_EMAIL, true},
    {"ts", R_TS, false},
    {"tx_hosts", R_HOSTS, true},
    {"uri", R_URI, false},
    {"user_agent", R_UA, false},
};

/* Zeek logs known by name, for "log" when the input does not say. */
static const char *const known_logs[] = {
    "conn", "dce_rpc", "dhcp", "dnp3", "dns", "dpd", "files", "ftp", "http", "irc", "kerberos",
    "known_certs", "known_hosts", "known_services", "ldap", "modbus", "mysql", "notice", "ntlm",
    "ntp", "ocsp", "pe", "quic", "radius", "rdp", "rfb", "sip", "smb_files", "smb_mapping", "smtp",
    "snmp", "socks", "software", "ssh", "ssl", "syslog", "tunnel", "weird", "x509",
};

/* Values of one line that are combined after all columns are read. */
typedef struct {
    kz_sv host, uri, method, ua;
    kz_time duration; /* has_duration: a conn's duration */
    bool has_duration;
    bool bad_ts;
    bool addr;      /* an address of the connection was seen */
    unsigned guess; /* keys seen, for guessing the log (JSON) */
} row;

enum { G_QUERY = 1, G_HTTP = 2, G_SSL = 4, G_FILES = 8, G_X509 = 16, G_SMTP = 32, G_CONN = 64 };

/* bsearch comparison of a name with a table entry. */
static int name_cmp(const void *key, const void *ent)
{
    const kz_sv *k = key;
    const char *n = ((const struct name_role *)ent)->name;
    size_t len = strlen(n);
    int c = memcmp(k->p, n, k->n < len ? k->n : len);

    return c != 0 ? c : (k->n > len) - (k->n < len);
}

/* The table entry for a field name, or NULL. */
static const struct name_role *lookup(kz_sv name)
{
    return bsearch(&name, names, sizeof names / sizeof names[0], sizeof names[0], name_cmp);
}

/* The known log name the file's base name starts with, or NULL. */
static const char *log_from_file(const char *file)
{
    const char *b = strrchr(file, '/');
    size_t n;

    b = b != NULL ? b + 1 : file;
    n = strcspn(b, ".");
    for (size_t i = 0; i < sizeof known_logs / sizeof known_logs[0]; i++)
        if (strlen(known_logs[i]) == n && memcmp(b, known_logs[i], n) == 0)
            return known_logs[i];
    return NULL;
}

/* The log's name when protocols should carry it, else NULL. */
static const char *app_proto(const char *log)
{
    static const char *const apps[] = {"http", "ssl", "dns", "smtp", "ftp", "ssh"};

    for (size_t i = 0; i < sizeof apps / sizeof apps[0]; i++)
        if (strcmp(log, apps[i]) == 0)
            return apps[i];
    return NULL;
}

/* One scalar value of a column with a role. */
static void value(kz_log_reader *r, enum role role, const char *p, size_t n, row *w)
{
    switch (role) {
        case R_TS:
            if (kz__epoch_time(p, n, &r->rec.time) ||
                (n >= 19 && kz__iso_time(p, n, &r->rec.time) == n))
                r->rec.has_time = true;
            else
                w->bad_ts = true;
            break;
        case R_ORIG_H: w->addr |= kz__rec_ip(r, p, n, KZ__IP_SRC); break;
        case R_RESP_H: w->addr |= kz__rec_ip(r, p, n, KZ__IP_DST); break;
        case R_ORIG_P: kz__rec_port(r, true, p, n); break;
        case R_RESP_P: kz__rec_port(r, false, p, n); break;
        case R_ORIG_BYTES: kz__rec_count(r, "src_byte_count", p, n); break;
        case R_RESP_BYTES: kz__rec_count(r, "dst_byte_count", p, n); break;
        case R_ORIG_PKTS: kz__rec_count(r, "src_packets", p, n); break;
        case R_RESP_PKTS: kz__rec_count(r, "dst_packets", p, n); break;
        case R_PROTO:
        case R_SERVICE: kz__rec_proto(r, p, n); break;
        case R_QUERY:
        case R_ANSWERS:
        case R_SNI:
        case R_SAN_DNS: (void)kz__rec_domain(r, p, n); break;
        case R_HOST: w->host = (kz_sv){p, n}; break;
        case R_URI: w->uri = (kz_sv){p, n}; break;
        case R_METHOD: w->method = (kz_sv){p, n}; break;
        case R_UA: w->ua = (kz_sv){p, n}; break;
        case R_DURATION: w->has_duration = kz__epoch_time(p, n, &w->duration); break;
        case R_CERT_FP: (void)kz__rec_hash(r, "x509-certificate", p, n); break;
        case R_FILE_HASH: (void)kz__rec_hash(r, "file", p, n); break;
        case R_FILENAME: kz__rec_add(r, "file", "name", p, n); break;
        case R_HOSTS:
        case R_SAN_IP:
        case R_ADDR: (void)kz__rec_ip(r, p, n, KZ__IP_ONLY); break;
        case R_EMAIL: (void)kz__rec_email(r, p, n); break;
        default: break;
    }
}

/* What is combined once every column is read: the HTTP request, the app-layer protocol, the
 * connection's start and end. */
static void row_end(kz_log_reader *r, row *w)
{
    const char *app = app_proto(r->rec.log);
    const kz_time *d = &w->duration;
    kz_time end;

    if (w->has_duration && r->rec.has_time && w->addr) {
        end = r->rec.time;
        end.sec += d->sec;
        end.nsec += d->nsec;
        if (end.nsec >= 1000000000) {
            end.sec++;
            end.nsec -= 1000000000;
        }
        end.frac_digits = d->frac_digits > end.frac_digits ? d->frac_digits : end.frac_digits;
        kz__rec_span(r, &r->rec.time, &end);
    }
    if (w->host.n > 0 || w->uri.n > 0)
        kz__rec_http(r, w->host, w->uri, w->method, w->ua);
    if (app != NULL && w->addr)
        kz__rec_proto(r, app, strlen(app));
}

/* ---- TSV ------------------------------------------------------------------------------------ */

/* Copies a header value into a small fixed buffer; false when it does not fit. */
static bool header_copy(char *dst, size_t cap, kz_sv v)
{
    if (v.n >= cap)
        return false;
    memcpy(dst, v.p, v.n);
    dst[v.n] = '\0';
    return true;
}

/* The separator of "#separator \x09" (or a literal character). */
static bool parse_separator(kz_sv v, char *out)
{
    int hi, lo;

    if (v.n == 1) {
        *out = v.p[0];
        return true;
    }
    if (v.n != 4 || v.p[0] != '\\' || v.p[1] != 'x' ||
        (hi = kz_hexval((unsigned char)v.p[2])) < 0 || (lo = kz_hexval((unsigned char)v.p[3])) < 0)
        return false;
    *out = (char)(hi << 4 | lo);
    return true;
}

/* The columns of #fields, with roles from Zeek's names. */
static kz__line_result header_fields(kz_log_reader *r, kz_sv v)
{
    kz__zeek_hdr *h = &r->zeek;
    size_t i = 0, s = 0;

    h->ncols = 0;
    h->have_fields = false;
    for (; i <= v.n; i++) {
        if (i < v.n && v.p[i] != h->sep)
            continue;
        if (h->ncols == KZ_ZEEK_COLS_MAX) {
            snprintf(r->why, sizeof r->why, "#fields has more than %d columns", KZ_ZEEK_COLS_MAX);
            return KZ__LINE_BAD;
        }
        const struct name_role *nr = lookup((kz_sv){v.p + s, i - s});
        h->role[h->ncols++] = nr == NULL ? R_NONE : (uint16_t)(nr->role | (nr->set ? ROLE_SET : 0));
        s = i + 1;
    }
    h->have_fields = true;
    return KZ__LINE_SKIP;
}

/* #types: containers, and addresses in columns without a role. */
static void header_types(kz_log_reader *r, kz_sv v)
{
    kz__zeek_hdr *h = &r->zeek;
    size_t col = 0, s = 0;

    for (size_t i = 0; i <= v.n && col < h->ncols; i++) {
        if (i < v.n && v.p[i] != h->sep)
            continue;
        kz_sv t = {v.p + s, i - s};
        uint16_t role = (uint16_t)(h->role[col] & ~ROLE_SET);
        /* conn's service is a string of comma-separated names, split all the same. */
        bool set = kz_sv_starts(t, "set[") || kz_sv_starts(t, "vector[") || role == R_SERVICE;
        if (role == R_NONE && (kz_sv_eq_c(t, "addr") || kz_sv_eq_c(t, "set[addr]") ||
                               kz_sv_eq_c(t, "vector[addr]")))
            role = R_ADDR;
        h->role[col++] = (uint16_t)(role | (set ? ROLE_SET : 0));
        s = i + 1;
    }
}

/* A '#' line: the header. */
static kz__line_result header(kz_log_reader *r, kz_sv line)
{
    kz__zeek_hdr *h = &r->zeek;
    const char *sp;
    kz_sv name, v;

    if (kz_sv_starts(line, "#separator ")) {
        v = (kz_sv){line.p + 11, line.n - 11};
        if (!parse_separator(v, &h->sep)) {
            snprintf(r->why, sizeof r->why, "#separator is not one character or \\xHH");
            return KZ__LINE_BAD;
        }
        return KZ__LINE_SKIP;
    }
    sp = memchr(line.p, h->sep, line.n);
    if (sp == NULL)
        return KZ__LINE_SKIP; /* a comment */
    name = (kz_sv){line.p, (size_t)(sp - line.p)};
    v = (kz_sv){sp + 1, line.n - name.n - 1};
    if (kz_sv_eq_c(name, "#fields"))
        return header_fields(r, v);
    if (kz_sv_eq_c(name, "#types"))
        header_types(r, v);
    else if (kz_sv_eq_c(name, "#set_separator") && v.n == 1)
        h->set_sep = v.p[0];
    else if ((kz_sv_eq_c(name, "#empty_field") && !header_copy(h->empty, sizeof h->empty, v)) ||
             (kz_sv_eq_c(name, "#unset_field") && !header_copy(h->unset, sizeof h->unset, v)) ||
             (kz_sv_eq_c(name, "#path") && !header_copy(h->path, sizeof h->path, v))) {
        snprintf(r->why, sizeof r->why, "%.*s is too long", (int)name.n, name.p);
        return KZ__LINE_BAD;
    }
    return KZ__LINE_SKIP;
}

/* Decodes Zeek's \xHH escapes of a value into r->unesc (reserved: it never moves). */
static kz_sv unescape(kz_log_reader *r, kz_sv v)
{
    char *o = r->unesc.p + r->unesc.n;
    size_t k = 0;

    for (size_t i = 0; i < v.n; i++) {
        int hi, lo;
        if (v.p[i] == '\\' && i + 3 < v.n && v.p[i + 1] == 'x' &&
            (hi = kz_hexval((unsigned char)v.p[i + 2])) >= 0 &&
            (lo = kz_hexval((unsigned char)v.p[i + 3])) >= 0) {
            o[k++] = (char)(hi << 4 | lo);
            i += 3;
        } else {
            o[k++] = v.p[i];
        }
    }
    r->unesc.n += k;
    return (kz_sv){o, k};
}

/* One column's value: unset and empty skipped, sets split. */
static void column(kz_log_reader *r, uint16_t role, kz_sv v, bool esc, row *w)
{
    const kz__zeek_hdr *h = &r->zeek;

    if ((role & ~ROLE_SET) == R_NONE || kz_sv_eq_c(v, h->unset) || kz_sv_eq_c(v, h->empty))
        return;
    if (esc && memchr(v.p, '\\', v.n) != NULL)
        v = unescape(r, v);
    if (!(role & ROLE_SET)) {
        value(r, (enum role)role, v.p, v.n, w);
        return;
    }
    role &= (uint16_t)~ROLE_SET;
    for (size_t i = 0, s = 0; i <= v.n; i++)
        if (i == v.n || v.p[i] == h->set_sep) {
            if (i > s)
                value(r, (enum role)role, v.p + s, i - s, w);
            s = i + 1;
        }
}

/* One TSV data line. */
static kz__line_result tsv(kz_log_reader *r, kz_sv line)
{
    const kz__zeek_hdr *h = &r->zeek;
    size_t col = 0, s = 0;
    bool esc = memchr(line.p, '\\', line.n) != NULL;
    row w = {0};

    if (!h->have_fields) {
        snprintf(r->why, sizeof r->why, "a data line before the #fields header");
        return KZ__LINE_BAD;
    }
    for (size_t i = 0; i <= line.n; i++)
        col += i == line.n || line.p[i] == h->sep;
    if (col != h->ncols) {
        snprintf(r->why, sizeof r->why, "%zu fields where #fields has %zu", col, h->ncols);
        return KZ__LINE_BAD;
    }
    if (esc) {
        kz_buf_reset(&r->unesc);
        if (kz_buf_reserve(&r->unesc, line.n + 1) != KZ_OK) {
            snprintf(r->why, sizeof r->why, "out of memory");
            return KZ__LINE_BAD;
        }
    }
    r->rec.log = h->path[0] ? h->path : (log_from_file(r->name) ? log_from_file(r->name) : "zeek");
    col = 0;
    for (size_t i = 0; i <= line.n; i++)
        if (i == line.n || line.p[i] == h->sep) {
            column(r, h->role[col++], (kz_sv){line.p + s, i - s}, esc, &w);
            s = i + 1;
        }
    if (w.bad_ts) {
        snprintf(r->why, sizeof r->why, "ts is not epoch seconds");
        return KZ__LINE_BAD;
    }
    row_end(r, &w);
    return KZ__LINE_RECORD;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

/* The log guessed from the keys of a JSON line. */
static const char *guess_log(unsigned g)
{
    if (g & G_QUERY)
        return "dns";
    if (g & G_HTTP)
        return "http";
    if (g & G_SSL)
        return "ssl";
    if (g & G_SMTP)
        return "smtp";
    if (g & G_X509)
        return "x509";
    if (g & G_FILES)
        return "files";
    if (g & G_CONN)
        return "conn";
    return "zeek";
}

/* Notes keys that tell which log a JSON line is from. */
static unsigned guess_key(kz_sv k)
{
    static const struct {
        const char *key;
        unsigned g;
    } keys[] = {{"query", G_QUERY}, {"method", G_HTTP}, {"uri", G_HTTP}, {"server_name", G_SSL},
                {"cipher", G_SSL}, {"fuid", G_FILES}, {"mime_type", G_FILES},
                {"certificate.subject", G_X509}, {"mailfrom", G_SMTP}, {"conn_state", G_CONN}};

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (kz_sv_eq_c(k, keys[i].key))
            return keys[i].g;
    return 0;
}

/* A JSON real's value, or -1 (no Zeek time or duration). */
static double real_of(const kz_jtape *t, uint32_t v)
{
    double d;

    return kz_jt_real(t, v, &d) ? d : -1;
}

/* One JSON scalar of a field with a role: strings as they are, integers and reals as text. */
static void json_value(kz_log_reader *r, enum role role, uint32_t v, row *w)
{
    const kz_jtape *t = r->tape;
    kz_jt_kind kind = kz_jt_kind_of(t, v);
    char num[40];
    int n;

    if (kind == KZ_JT_STRING) {
        kz_sv s = kz_jt_str(t, v);
        value(r, role, s.p, s.n, w);
    } else if (kind == KZ_JT_INT &&
               (role == R_TS || role == R_DURATION || (role >= R_ORIG_P && role <= R_RESP_PKTS))) {
        kz_sv s = kz_jt_num_text(t, v);
        if (kz_sv_eq_c(s, "-0"))
            s = KZ_SV("0");
        value(r, role, s.p, s.n, w);
    } else if (kind == KZ_JT_REAL && role == R_DURATION) {
        double d = real_of(t, v);
        if (d >= 0 && d < 1e12) { /* microseconds, as Zeek writes them */
            n = snprintf(num, sizeof num, "%.6f", d);
            value(r, role, num, (size_t)n, w);
        }
    } else if (kind == KZ_JT_REAL && role == R_TS) {
        double d = real_of(t, v);
        if (d >= 0 && d < 1e12) {
            r->rec.time.sec = (int64_t)d;
            r->rec.time.nsec = (int32_t)((d - (double)r->rec.time.sec) * 1e6 + 0.5) * 1000;
            if (r->rec.time.nsec >= 1000000000)
                r->rec.time.nsec = 999999000;
            r->rec.time.frac_digits = 6;
            r->rec.has_time = true;
        } else {
            w->bad_ts = true;
        }
    } else if (role == R_TS) {
        w->bad_ts = true;
    }
}

/* A Zeek JSON line (see log_int.h). */
kz__line_result kz__zeek_json(kz_log_reader *r, kz_sv line)
{
    const kz_jtape *t;
    kz_sv path = {NULL, 0};
    const char *from_file;
    uint32_t k;
    row w = {0};

    if (!kz__log_json(r, line))
        return KZ__LINE_BAD;
    t = r->tape;
    /* The log's name first: the fields that depend on it are combined at the end. */
    for (k = kz_jt_member_first(t, 0); k != KZ_JT_NIL; k = kz_jt_member_next(t, 0, k)) {
        kz_sv key = kz_jt_str(t, k);
        const struct name_role *nr = lookup(key);
        w.guess |= guess_key(key);
        if (nr != NULL && nr->role == R_PATH && kz_jt_kind_of(t, k + 1) == KZ_JT_STRING)
            path = kz_jt_str(t, k + 1);
    }
    from_file = log_from_file(r->name);
    kz__rec_log_name(r, path,
                     path.p != NULL ? "" : from_file != NULL ? from_file : guess_log(w.guess));
    for (k = kz_jt_member_first(t, 0); k != KZ_JT_NIL; k = kz_jt_member_next(t, 0, k)) {
        const struct name_role *nr = lookup(kz_jt_str(t, k));
        uint32_t v = k + 1;

        if (nr == NULL || nr->role == R_PATH)
            continue;
        if (kz_jt_kind_of(t, v) == KZ_JT_ARRAY) {
            for (uint32_t e = kz_jt_elem_first(t, v); e != KZ_JT_NIL; e = kz_jt_elem_next(t, v, e))
                json_value(r, nr->role, e, &w);
        } else if (nr->role == R_SERVICE && kz_jt_kind_of(t, v) == KZ_JT_STRING) {
            column(r, (uint16_t)(R_SERVICE | ROLE_SET), kz_jt_str(t, v), false, &w);
        } else {
            json_value(r, nr->role, v, &w);
        }
    }
    if (w.bad_ts) {
        snprintf(r->why, sizeof r->why, "ts is neither epoch seconds nor an ISO 8601 time");
        return KZ__LINE_BAD;
    }
    row_end(r, &w);
    return KZ__LINE_RECORD;
}

/* One Zeek line (see log_int.h). */
kz__line_result kz__zeek_line(kz_log_reader *r, kz_sv line)
{
    if (line.n == 0)
        return KZ__LINE_SKIP;
    if (line.p[0] == '#')
        return header(r, line);
    if (line.p[0] == '{')
        return kz__zeek_json(r, line);
    return tsv(r, line);
}
