/*
 * log_eve.c - Suricata EVE JSON, one event per line. Every event gives its flow's addresses,
 * whatever its event_type, and then whichever of the dns, http, tls, fileinfo and email
 * sections it has (an alert or fileinfo event carries its flow's http or tls section too).
 *
 * Fields:
 *   timestamp                  the record's time ("2024-01-02T03:04:05.123456+0000", the offset
 *                              applied: the time is UTC)
 *   src_ip, dest_ip            ipv4-addr / ipv6-addr value (by syntax), and network-traffic
 *                              src_ref.value / dst_ref.value
 *   src_port, dest_port        network-traffic src_port / dst_port
 *   flow.bytes_toserver, flow.bytes_toclient, flow.pkts_toserver, flow.pkts_toclient
 *                              network-traffic src_byte_count / dst_byte_count / src_packets /
 *                              dst_packets (the flow's client is its source)
 *   flow.start, flow.end       network-traffic start / end (both, as STIX timestamps)
 *   proto, app_proto           network-traffic protocols[*] (lower-cased; app_proto "failed" not)
 *   dns.rrname, dns.queries[].rrname, dns.answers[].rrname           domain-name value
 *   dns.rdata, dns.answers[].rdata, dns.grouped.<type>[]   for A and AAAA an address, for CNAME,
 *                              NS, PTR and MX a domain-name value (other record types skipped)
 *   http.hostname, http.url, http.http_method, http.http_user_agent   url value "http://" +
 *                              hostname + url (url itself when absolute); hostname as
 *                              domain-name or address; network-traffic
 *                              extensions.'http-request-ext'.request_method / request_value /
 *                              request_header.'User-Agent'
 *   tls.sni                    domain-name value
 *   tls.fingerprint            x509-certificate hashes.'SHA-1' (colon hex -> lower hex)
 *   fileinfo.md5/sha1/sha256   file hashes.MD5 / 'SHA-1' / 'SHA-256'
 *   fileinfo.filename          file name (the part after the last '/': EVE gives the URI path)
 *   email.from, email.to[], email.cc[]   email-addr value
 * Not mapped (no STIX object path for them): alert.signature, tls.ja3 / ja3s.
 * "log" is event_type. A line that is not a JSON object, or whose timestamp cannot be read, is
 * malformed. Lines are read with the JSON tape (core.h), not jansson: no allocation per value,
 * and the fields are views of the line where it has no escapes.
 */
#include <string.h>

#include "log_int.h"

/* The string member k of object o as a view (empty when absent or not a string). */
static kz_sv str(const kz_jtape *t, uint32_t o, const char *k)
{
    return kz_jt_str(t, kz_jt_get(t, o, k));
}

/* An integer's text as JSON wrote it (in range: the tape checked), "-0" as "0"; empty when v is
 * no integer. */
static kz_sv int_text(const kz_jtape *t, uint32_t v)
{
    kz_sv s = kz_jt_kind_of(t, v) == KZ_JT_INT ? kz_jt_num_text(t, v) : (kz_sv){"", 0};

    return kz_sv_eq_c(s, "-0") ? KZ_SV("0") : s;
}

/* A port given as a number (or a string of digits). */
static void port(kz_log_reader *r, bool src, uint32_t v)
{
    kz_sv s = kz_jt_kind_of(r->tape, v) == KZ_JT_STRING ? kz_jt_str(r->tape, v)
                                                          : int_text(r->tape, v);

    if (s.n > 0)
        kz__rec_port(r, src, s.p, s.n);
}

/* The flow section's byte and packet counts, and its start and end. */
static void flow(kz_log_reader *r, uint32_t f)
{
    static const char *const keys[][2] = {{"bytes_toserver", "src_byte_count"},
                                          {"bytes_toclient", "dst_byte_count"},
                                          {"pkts_toserver", "src_packets"},
                                          {"pkts_toclient", "dst_packets"}};
    const kz_jtape *t = r->tape;
    kz_sv a = str(t, f, "start"), b = str(t, f, "end");
    kz_time start, end;

    if (a.n > 0 && b.n > 0 && kz__iso_time(a.p, a.n, &start) == a.n &&
        kz__iso_time(b.p, b.n, &end) == b.n)
        kz__rec_span(r, &start, &end);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        kz_sv n = int_text(t, kz_jt_get(t, f, keys[i][0]));
        if (n.n > 0)
            kz__rec_count(r, keys[i][1], n.p, n.n);
    }
}

/* One DNS answer's data by its record type. */
static void rdata(kz_log_reader *r, kz_sv type, kz_sv data)
{
    if (kz_sv_eq_c(type, "A") || kz_sv_eq_c(type, "AAAA"))
        (void)kz__rec_ip(r, data.p, data.n, KZ__IP_ONLY);
    else if (kz_sv_eq_c(type, "CNAME") || kz_sv_eq_c(type, "NS") || kz_sv_eq_c(type, "PTR") ||
             kz_sv_eq_c(type, "MX"))
        (void)kz__rec_domain(r, data.p, data.n);
}

/* The dns section: query and answers in the v1, v2 (grouped) and v3 (queries) layouts. */
static void dns(kz_log_reader *r, uint32_t d)
{
    const kz_jtape *t = r->tape;
    uint32_t a, e, g, k;
    kz_sv s;

    s = str(t, d, "rrname");
    (void)kz__rec_domain(r, s.p, s.n);
    rdata(r, str(t, d, "rrtype"), str(t, d, "rdata"));
    a = kz_jt_get(t, d, "queries");
    for (e = kz_jt_elem_first(t, a); e != KZ_JT_NIL; e = kz_jt_elem_next(t, a, e)) {
        s = str(t, e, "rrname");
        (void)kz__rec_domain(r, s.p, s.n);
    }
    a = kz_jt_get(t, d, "answers");
    for (e = kz_jt_elem_first(t, a); e != KZ_JT_NIL; e = kz_jt_elem_next(t, a, e)) {
        s = str(t, e, "rrname");
        (void)kz__rec_domain(r, s.p, s.n);
        rdata(r, str(t, e, "rrtype"), str(t, e, "rdata"));
    }
    g = kz_jt_get(t, d, "grouped");
    for (k = kz_jt_member_first(t, g); k != KZ_JT_NIL; k = kz_jt_member_next(t, g, k))
        for (e = kz_jt_elem_first(t, k + 1); e != KZ_JT_NIL; e = kz_jt_elem_next(t, k + 1, e))
            if (kz_jt_kind_of(t, e) == KZ_JT_STRING)
                rdata(r, kz_jt_str(t, k), kz_jt_str(t, e));
}

/* The email section: from, to[], cc[]. */
static void email(kz_log_reader *r, uint32_t m)
{
    static const char *const lists[] = {"to", "cc"};
    const kz_jtape *t = r->tape;
    kz_sv s = str(t, m, "from");

    (void)kz__rec_email(r, s.p, s.n);
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        uint32_t a = kz_jt_get(t, m, lists[k]);
        for (uint32_t e = kz_jt_elem_first(t, a); e != KZ_JT_NIL; e = kz_jt_elem_next(t, a, e))
            if (kz_jt_kind_of(t, e) == KZ_JT_STRING) {
                s = kz_jt_str(t, e);
                (void)kz__rec_email(r, s.p, s.n);
            }
    }
}

/* The fileinfo section. */
static void fileinfo(kz_log_reader *r, uint32_t f)
{
    static const char *const hashes[] = {"md5", "sha1", "sha256"};
    const kz_jtape *t = r->tape;
    kz_sv name = str(t, f, "filename");
    const char *slash;

    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
        kz_sv h = str(t, f, hashes[i]);
        if (h.n > 0)
            (void)kz__rec_hash(r, "file", h.p, h.n);
    }
    if (name.n > 0 && (slash = memrchr(name.p, '/', name.n)) != NULL)
        name = (kz_sv){slash + 1, name.n - (size_t)(slash + 1 - name.p)};
    kz__rec_add(r, "file", "name", name.p, name.n);
}

/* The members of an event that are read (kz_jt_pick finds them in one pass). */
enum {
    E_TIMESTAMP, E_EVENT_TYPE, E_SRC_IP, E_SRC_PORT, E_DEST_IP, E_DEST_PORT, E_PROTO,
    E_APP_PROTO, E_FLOW, E_DNS, E_HTTP, E_TLS, E_FILEINFO, E_EMAIL, E_COUNT
};
static const kz_jt_name top_names[E_COUNT] = {
    KZ_JT_NAME("timestamp"), KZ_JT_NAME("event_type"), KZ_JT_NAME("src_ip"),
    KZ_JT_NAME("src_port"),  KZ_JT_NAME("dest_ip"),    KZ_JT_NAME("dest_port"),
    KZ_JT_NAME("proto"),     KZ_JT_NAME("app_proto"),  KZ_JT_NAME("flow"),
    KZ_JT_NAME("dns"),       KZ_JT_NAME("http"),       KZ_JT_NAME("tls"),
    KZ_JT_NAME("fileinfo"),  KZ_JT_NAME("email"),
};

/* v when it is an object (a section), else KZ_JT_NIL. */
static uint32_t section(const kz_jtape *t, uint32_t v)
{
    return kz_jt_kind_of(t, v) == KZ_JT_OBJECT ? v : KZ_JT_NIL;
}

/* One EVE line (see log_int.h). */
kz__line_result kz__eve_line(kz_log_reader *r, kz_sv line)
{
    const kz_jtape *t;
    uint32_t sec, e[E_COUNT];
    kz_sv ts, s, app;

    if (line.n == 0)
        return KZ__LINE_SKIP;
    if (!kz__log_json(r, line))
        return KZ__LINE_BAD;
    t = r->tape;
    kz_jt_pick(t, 0, top_names, E_COUNT, e);
    kz__rec_log_name(r, kz_jt_str(t, e[E_EVENT_TYPE]),
                     kz_jt_kind_of(t, e[E_EVENT_TYPE]) == KZ_JT_STRING ? "" : "eve");
    ts = kz_jt_str(t, e[E_TIMESTAMP]);
    if (ts.n > 0) {
        if (kz__iso_time(ts.p, ts.n, &r->rec.time) != ts.n) {
            snprintf(r->why, sizeof r->why, "timestamp \"%.*s\" is not ISO 8601",
                     (int)(ts.n > 64 ? 64 : ts.n), ts.p);
            return KZ__LINE_BAD;
        }
        r->rec.has_time = true;
    }
    s = kz_jt_str(t, e[E_SRC_IP]);
    (void)kz__rec_ip(r, s.p, s.n, KZ__IP_SRC);
    s = kz_jt_str(t, e[E_DEST_IP]);
    (void)kz__rec_ip(r, s.p, s.n, KZ__IP_DST);
    port(r, true, e[E_SRC_PORT]);
    port(r, false, e[E_DEST_PORT]);
    s = kz_jt_str(t, e[E_PROTO]);
    kz__rec_proto(r, s.p, s.n);
    app = kz_jt_str(t, e[E_APP_PROTO]);
    if (!kz_sv_eq_c(app, "failed"))
        kz__rec_proto(r, app.p, app.n);
    if ((sec = section(t, e[E_FLOW])) != KZ_JT_NIL)
        flow(r, sec);
    if ((sec = section(t, e[E_DNS])) != KZ_JT_NIL)
        dns(r, sec);
    if ((sec = section(t, e[E_HTTP])) != KZ_JT_NIL)
        kz__rec_http(r, str(t, sec, "hostname"), str(t, sec, "url"), str(t, sec, "http_method"),
                     str(t, sec, "http_user_agent"));
    if ((sec = section(t, e[E_TLS])) != KZ_JT_NIL) {
        s = str(t, sec, "sni");
        (void)kz__rec_domain(r, s.p, s.n);
        s = str(t, sec, "fingerprint");
        if (s.n > 0)
            (void)kz__rec_hash(r, "x509-certificate", s.p, s.n);
    }
    if ((sec = section(t, e[E_FILEINFO])) != KZ_JT_NIL)
        fileinfo(r, sec);
    if ((sec = section(t, e[E_EMAIL])) != KZ_JT_NIL)
        email(r, sec);
    return KZ__LINE_RECORD;
}
