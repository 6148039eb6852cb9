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
 * malformed.
 */
#include <string.h>

#include "log_int.h"

/* The string member k of object o as a view (empty when absent or not a string). */
static kz_sv str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    if (!json_is_string(v))
        return (kz_sv){"", 0};
    return (kz_sv){json_string_value(v), json_string_length(v)};
}

/* A port given as a number (or a string of digits). */
static void port(kz_log_reader *r, bool src, const json_t *v)
{
    char num[24];
    int n;

    if (json_is_integer(v)) {
        n = snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        kz__rec_port(r, src, num, (size_t)n);
    } else if (json_is_string(v)) {
        kz__rec_port(r, src, json_string_value(v), json_string_length(v));
    }
}

/* The flow section's byte and packet counts, and its start and end. */
static void flow(kz_log_reader *r, const json_t *f)
{
    static const char *const keys[][2] = {{"bytes_toserver", "src_byte_count"},
                                          {"bytes_toclient", "dst_byte_count"},
                                          {"pkts_toserver", "src_packets"},
                                          {"pkts_toclient", "dst_packets"}};
    char num[24];
    const json_t *a = json_object_get(f, "start"), *b = json_object_get(f, "end");
    kz_time start, end;

    if (json_is_string(a) && json_is_string(b) &&
        kz__iso_time(json_string_value(a), json_string_length(a), &start) ==
            json_string_length(a) &&
        kz__iso_time(json_string_value(b), json_string_length(b), &end) == json_string_length(b))
        kz__rec_span(r, &start, &end);

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const json_t *v = json_object_get(f, keys[i][0]);
        if (json_is_integer(v)) {
            int n = snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            kz__rec_count(r, keys[i][1], num, (size_t)n);
        }
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
static void dns(kz_log_reader *r, const json_t *d)
{
    const json_t *a, *g;
    const char *k;
    json_t *e, *v;
    size_t i, j;
    kz_sv s;

    s = str(d, "rrname");
    (void)kz__rec_domain(r, s.p, s.n);
    rdata(r, str(d, "rrtype"), str(d, "rdata"));
    json_array_foreach(json_object_get(d, "queries"), i, e) {
        s = str(e, "rrname");
        (void)kz__rec_domain(r, s.p, s.n);
    }
    a = json_object_get(d, "answers");
    json_array_foreach(a, i, e) {
        s = str(e, "rrname");
        (void)kz__rec_domain(r, s.p, s.n);
        rdata(r, str(e, "rrtype"), str(e, "rdata"));
    }
    g = json_object_get(d, "grouped");
    json_object_foreach((json_t *)g, k, v) {
        json_array_foreach(v, j, e)
            if (json_is_string(e))
                rdata(r, kz_sv_c(k), (kz_sv){json_string_value(e), json_string_length(e)});
    }
}

/* The email section: from, to[], cc[]. */
static void email(kz_log_reader *r, const json_t *m)
{
    static const char *const lists[] = {"to", "cc"};
    kz_sv s = str(m, "from");
    size_t i;
    json_t *e;

    (void)kz__rec_email(r, s.p, s.n);
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++)
        json_array_foreach(json_object_get(m, lists[k]), i, e)
            if (json_is_string(e))
                (void)kz__rec_email(r, json_string_value(e), json_string_length(e));
}

/* The fileinfo section. */
static void fileinfo(kz_log_reader *r, const json_t *f)
{
    static const char *const hashes[] = {"md5", "sha1", "sha256"};
    kz_sv name = str(f, "filename");
    const char *slash;

    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
        kz_sv h = str(f, hashes[i]);
        if (h.n > 0)
            (void)kz__rec_hash(r, "file", h.p, h.n);
    }
    if (name.n > 0 && (slash = memrchr(name.p, '/', name.n)) != NULL)
        name = (kz_sv){slash + 1, name.n - (size_t)(slash + 1 - name.p)};
    kz__rec_add(r, "file", "name", name.p, name.n);
}

/* One EVE line (see log_int.h). */
kz__line_result kz__eve_line(kz_log_reader *r, kz_sv line)
{
    json_error_t je;
    const json_t *o, *sec;
    kz_sv ts, s, app;

    if (line.n == 0)
        return KZ__LINE_SKIP;
    if ((r->doc = json_loadb(line.p, line.n, 0, &je)) == NULL || !json_is_object(r->doc)) {
        snprintf(r->why, sizeof r->why, "not a JSON object%s%s", r->doc ? "" : ": ",
                 r->doc ? "" : je.text);
        return KZ__LINE_BAD;
    }
    o = r->doc;
    r->rec.log = json_is_string(json_object_get(o, "event_type"))
                     ? json_string_value(json_object_get(o, "event_type"))
                     : "eve";
    ts = str(o, "timestamp");
    if (ts.n > 0) {
        if (kz__iso_time(ts.p, ts.n, &r->rec.time) != ts.n) {
            snprintf(r->why, sizeof r->why, "timestamp \"%.*s\" is not ISO 8601",
                     (int)(ts.n > 64 ? 64 : ts.n), ts.p);
            return KZ__LINE_BAD;
        }
        r->rec.has_time = true;
    }
    s = str(o, "src_ip");
    (void)kz__rec_ip(r, s.p, s.n, KZ__IP_SRC);
    s = str(o, "dest_ip");
    (void)kz__rec_ip(r, s.p, s.n, KZ__IP_DST);
    port(r, true, json_object_get(o, "src_port"));
    port(r, false, json_object_get(o, "dest_port"));
    s = str(o, "proto");
    kz__rec_proto(r, s.p, s.n);
    app = str(o, "app_proto");
    if (!kz_sv_eq_c(app, "failed"))
        kz__rec_proto(r, app.p, app.n);
    if (json_is_object(sec = json_object_get(o, "flow")))
        flow(r, sec);
    if (json_is_object(sec = json_object_get(o, "dns")))
        dns(r, sec);
    if (json_is_object(sec = json_object_get(o, "http")))
        kz__rec_http(r, str(sec, "hostname"), str(sec, "url"), str(sec, "http_method"),
                     str(sec, "http_user_agent"));
    if (json_is_object(sec = json_object_get(o, "tls"))) {
        s = str(sec, "sni");
        (void)kz__rec_domain(r, s.p, s.n);
        s = str(sec, "fingerprint");
        if (s.n > 0)
            (void)kz__rec_hash(r, "x509-certificate", s.p, s.n);
    }
    if (json_is_object(sec = json_object_get(o, "fileinfo")))
        fileinfo(r, sec);
    if (json_is_object(sec = json_object_get(o, "email")))
        email(r, sec);
    return KZ__LINE_RECORD;
}
