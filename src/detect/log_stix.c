/*
 * log_stix.c - STIX observed-data as log records: a bundle, a JSON array or JSON lines, read
 * with the streaming reader of stix.h through a FILE over the log reader's input (so gzip and
 * standard input work as for the other formats). One record per observed-data:
 *   - STIX 2.1: object_refs name SCOs elsewhere in the input. An observed-data whose SCOs have
 *     all been seen is returned at once; the others wait until the end of the input. SCOs are
 *     kept by id for the whole input (at most lim->objects of them, as the reader bounds).
 *   - STIX 2.0: the SCOs are the observed-data's own "objects" dictionary.
 *
 * Fields, from the observation's SCOs:
 *   ipv4-addr, ipv6-addr, domain-name, url, email-addr   value (as written)
 *   file                        hashes.MD5 / 'SHA-1' / 'SHA-256' (lower-cased), name
 *   x509-certificate            hashes.MD5 / 'SHA-1' / 'SHA-256'
 *   network-traffic             src_ref.value / dst_ref.value (the referenced address), src_port,
 *                               dst_port, protocols[*], extensions.'http-request-ext'
 *                               request_method / request_value / request_header.'User-Agent'
 * Time: first_observed. "log" is "observed-data". raw is the observed-data's minified text.
 * An observed-data without a readable first_observed, or none of whose SCOs can be found, is
 * malformed; so is an element that is not JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

/* An observed-data waiting for SCOs that come later in the input. */
typedef struct {
    json_t *obj;
    uint64_t line, offset;
} pending;

struct kz__stix_state {
    FILE *f;           /* over the log reader's input */
    kz_reader *rd;
    json_t *scos;      /* id -> SCO (2.1) */
    pending *wait;     /* observed-data to resolve at the end */
    size_t nwait, capwait, next_wait;
    bool streaming;    /* the reader still has objects */
    json_t *cur;       /* the current observed-data, kept until the next record */
    kz_buf raw;        /* its minified text */
};

/* fopencookie's read: the log reader's bytes. */
static ssize_t cookie_read(void *c, char *buf, size_t n)
{
    return kz__log_read(c, buf, n);
}

/* Opens the STIX state (see log_int.h). */
kz_rc kz__stix_open(kz_log_reader *r, kz_err *err)
{
    cookie_io_functions_t io = {cookie_read, NULL, NULL, NULL};
    kz__stix_state *s = calloc(1, sizeof *s);

    if (s == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    r->stix = s;
    s->streaming = true;
    kz_buf_init(&s->raw, 0);
    if ((s->scos = json_object()) == NULL || (s->f = fopencookie(r, "r", io)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    return kz_reader_new(s->f, r->name, &r->lim, &s->rd, err);
}

/* Frees the STIX state. */
void kz__stix_free(kz_log_reader *r)
{
    kz__stix_state *s = r->stix;

    if (s == NULL)
        return;
    kz_reader_free(s->rd);
    if (s->f != NULL)
        fclose(s->f);
    json_decref(s->scos);
    for (size_t i = s->next_wait; i < s->nwait; i++)
        json_decref(s->wait[i].obj);
    free(s->wait);
    json_decref(s->cur);
    kz_buf_free(&s->raw);
    free(s);
    r->stix = NULL;
}

/* The string member k as a view (empty when absent). */
static kz_sv str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    if (!json_is_string(v))
        return (kz_sv){"", 0};
    return (kz_sv){json_string_value(v), json_string_length(v)};
}

/* Hashes of a file or certificate: MD5, SHA-1 and SHA-256, as STIX names them. */
static void hashes(kz_log_reader *r, const char *type, const json_t *h)
{
    static const struct {
        const char *key, *path;
    } names[] = {{"MD5", "hashes.MD5"}, {"SHA-1", "hashes.'SHA-1'"},
                 {"SHA-256", "hashes.'SHA-256'"}};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kz_sv v = str(h, names[i].key);
        if (v.n > 0)
            kz__rec_add_copy(r, type, names[i].path, v.p, v.n, true);
    }
}

/* Resolves a reference: an id among the SCOs (2.1) or a key of the embedded objects (2.0). */
static const json_t *deref(const kz__stix_state *s, const json_t *embedded, const json_t *ref)
{
    const char *k = json_string_value(ref);

    if (k == NULL)
        return NULL;
    return embedded != NULL ? json_object_get(embedded, k) : json_object_get(s->scos, k);
}

/* The fields of a network-traffic SCO. */
static void traffic(kz_log_reader *r, const json_t *o, const json_t *embedded)
{
    static const char *const ends[] = {"src_ref", "dst_ref"};
    static const char *const paths[] = {"src_ref.value", "dst_ref.value"};
    const json_t *ext, *hdr;
    size_t i;
    json_t *e;

    for (int k = 0; k < 2; k++) {
        kz_sv v = str(deref(r->stix, embedded, json_object_get(o, ends[k])), "value");
        kz__rec_add(r, "network-traffic", paths[k], v.p, v.n);
        const json_t *p = json_object_get(o, k == 0 ? "src_port" : "dst_port");
        if (json_is_integer(p)) {
            char num[24];
            int n = snprintf(num, sizeof num, "%lld", (long long)json_integer_value(p));
            kz__rec_port(r, k == 0, num, (size_t)n);
        }
    }
    json_array_foreach(json_object_get(o, "protocols"), i, e)
        if (json_is_string(e))
            kz__rec_proto(r, json_string_value(e), json_string_length(e));
    ext = json_object_get(json_object_get(o, "extensions"), "http-request-ext");
    if (json_is_object(ext)) {
        kz_sv m = str(ext, "request_method"), v = str(ext, "request_value"), ua;
        hdr = json_object_get(ext, "request_header");
        ua = str(hdr, "User-Agent");
        kz__rec_add(r, "network-traffic", "extensions.'http-request-ext'.request_method", m.p,
                    m.n);
        kz__rec_add(r, "network-traffic", "extensions.'http-request-ext'.request_value", v.p,
                    v.n);
        kz__rec_add(r, "network-traffic",
                    "extensions.'http-request-ext'.request_header.'User-Agent'", ua.p, ua.n);
    }
}

/* The fields of one SCO. */
static void sco(kz_log_reader *r, const json_t *o, const json_t *embedded)
{
    static const char *const valued[] = {"ipv4-addr", "ipv6-addr", "domain-name", "url",
                                         "email-addr"};
    const char *type = json_string_value(json_object_get(o, "type"));
    kz_sv v;

    if (type == NULL)
        return;
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
        if (strcmp(type, valued[i]) == 0) {
            v = str(o, "value");
            kz__rec_add(r, valued[i], "value", v.p, v.n);
            return;
        }
    if (strcmp(type, "file") == 0) {
        hashes(r, "file", json_object_get(o, "hashes"));
        v = str(o, "name");
        kz__rec_add(r, "file", "name", v.p, v.n);
    } else if (strcmp(type, "x509-certificate") == 0) {
        hashes(r, "x509-certificate", json_object_get(o, "hashes"));
    } else if (strcmp(type, "network-traffic") == 0) {
        traffic(r, o, embedded);
    }
}

/* True when every object_ref of a 2.1 observed-data names an SCO already seen. */
static bool resolved(const kz__stix_state *s, const json_t *od)
{
    size_t i;
    json_t *e;

    json_array_foreach(json_object_get(od, "object_refs"), i, e)
        if (deref(s, NULL, e) == NULL)
            return false;
    return true;
}

/* Makes the record of one observed-data; false (r->why set) when it is malformed. */
static bool make_record(kz_log_reader *r, json_t *od, uint64_t line, uint64_t offset)
{
    kz__stix_state *s = r->stix;
    const json_t *embedded = json_object_get(od, "objects");
    kz_sv fo = str(od, "first_observed");
    const char *k;
    json_t *v, *e;
    size_t i;
    char *text;

    kz__rec_reset(r);
    json_decref(s->cur);
    s->cur = json_incref(od);
    r->rec.log = "observed-data";
    r->rec.line = line;
    r->rec.offset = offset;
    if (fo.n == 0 || kz__iso_time(fo.p, fo.n, &r->rec.time) != fo.n) {
        snprintf(r->why, sizeof r->why, "observed-data without a readable first_observed");
        return false;
    }
    r->rec.has_time = true;
    if (json_is_object(embedded)) {
        json_object_foreach((json_t *)embedded, k, v)
            sco(r, v, embedded);
    } else {
        json_array_foreach(json_object_get(od, "object_refs"), i, e)
            if (deref(s, NULL, e) != NULL)
                sco(r, deref(s, NULL, e), NULL);
    }
    if (r->nfields == 0) {
        snprintf(r->why, sizeof r->why, "observed-data with no observable found in its SCOs");
        return false;
    }
    kz_buf_reset(&s->raw);
    if ((text = json_dumps(od, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
        if (kz_buf_puts(&s->raw, text) != KZ_OK)
            kz_buf_reset(&s->raw);
        free(text);
    }
    r->rec.raw = (kz_sv){s->raw.p ? s->raw.p : "", s->raw.n};
    return true;
}

/* Keeps an observed-data until the end of the input. */
static kz_rc defer(kz__stix_state *s, json_t *od, const kz_where *w, kz_err *err)
{
    if (s->nwait == s->capwait) {
        size_t ncap = s->capwait ? s->capwait * 2 : 16;
        pending *nw = realloc(s->wait, ncap * sizeof *nw);
        if (nw == NULL)
            return kz_fail(err, KZ_ENOMEM, "out of memory");
        s->wait = nw;
        s->capwait = ncap;
    }
    s->wait[s->nwait++] = (pending){json_incref(od), w->line, w->offset};
    return KZ_OK;
}

/* The next record from the stream; *got false once it is exhausted. */
static kz_rc from_stream(kz_log_reader *r, bool *got, kz_err *err)
{
    kz__stix_state *s = r->stix;
    const char *text, *type;
    size_t len;
    json_t *obj = NULL;
    kz_where w;
    kz_rc rc = KZ_OK;

    while (s->streaming && !*got) {
        kz_err e;
        json_decref(obj);
        obj = NULL;
        rc = kz_reader_next(s->rd, &text, &len, &obj, &w, &e);
        if (rc == KZ_ENOTFOUND || (rc == KZ_EINVAL && !kz_reader_can_continue(s->rd))) {
            if (rc == KZ_EINVAL)
                kz__log_bad(r, w.line ? w.line : 1, e.msg);
            s->streaming = false;
            rc = KZ_OK;
            break;
        }
        if (rc == KZ_EINVAL) {
            kz__log_bad(r, w.line, e.msg);
            continue;
        }
        if (rc != KZ_OK) {
            *err = r->failed ? r->fail_err : e;
            rc = r->failed ? r->fail_rc : rc;
            goto out;
        }
        type = json_string_value(json_object_get(obj, "type"));
        if (type == NULL)
            continue;
        if (strcmp(type, "observed-data") == 0) {
            if (json_is_object(json_object_get(obj, "objects")) || resolved(s, obj)) {
                *got = make_record(r, obj, w.line, w.offset);
                if (!*got)
                    kz__log_bad(r, w.line, r->why);
            } else if ((rc = defer(s, obj, &w, err)) != KZ_OK) {
                goto out;
            }
        } else if (kz_stix_type_is_sco(type) || strncmp(type, "x-", 2) == 0) {
            const char *id = json_string_value(json_object_get(obj, "id"));
            if (id != NULL && json_object_set(s->scos, id, obj) != 0) {
                rc = kz_fail(err, KZ_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    if (r->failed) {
        *err = r->fail_err;
        rc = r->fail_rc;
    }
out:
    json_decref(obj);
    return rc;
}

/* The next observed-data (see log_int.h). */
kz_rc kz__stix_next(kz_log_reader *r, bool *got, kz_err *err)
{
    kz__stix_state *s = r->stix;
    kz_rc rc;

    *got = false;
    if ((rc = from_stream(r, got, err)) != KZ_OK || *got)
        return rc;
    while (s->next_wait < s->nwait) {
        pending p = s->wait[s->next_wait++];
        *got = make_record(r, p.obj, p.line, p.offset);
        if (!*got)
            kz__log_bad(r, p.line, r->why);
        json_decref(p.obj);
        if (*got)
            return KZ_OK;
    }
    return KZ_OK;
}
