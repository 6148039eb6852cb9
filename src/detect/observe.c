/*
 * observe.c - a log record as STIX 2.1: [observed-data, SCO, SCO, ...], the form
 * kz_obs_set_add_bundle takes, so that whole patterns can be evaluated over a record.
 *
 * SCOs from the record's fields:
 *   ipv4-addr, ipv6-addr, domain-name, url, email-addr   one per distinct value
 *   file               hashes and name; in text records each hash is its own file, elsewhere a
 *                      record's file fields describe one file (a second value for the same hash
 *                      or name starts another)
 *   x509-certificate   hashes, grouped as files are
 *   network-traffic    when the record has src_ref.value or dst_ref.value: refs to the address
 *                      SCOs (ipv4-addr / ipv6-addr by syntax, else domain-name), src_port,
 *                      dst_port, src_byte_count, dst_byte_count, src_packets, dst_packets
 *                      (integers), protocols (the record's, else "ipv4"/"ipv6" from the
 *                      addresses, as the property is required), and the http-request-ext
 *                      extension when the request's method and value are both known
 * Fields that name other paths, and values that are not UTF-8, are left out.
 *
 * Identifiers: SCOs get STIX's deterministic ids, "<type>--" + UUIDv5 in namespace
 * 00abedb4-aa42-466c-9c01-fed23315a9b7 of the JCS (RFC 8785) text of their ID contributing
 * properties (one hash, the first of MD5, SHA-1, SHA-256, as the specification's reference
 * implementation picks). The observed-data's id is the UUIDv5 of "<file>\n<line>" in the same
 * namespace; created = modified = first_observed = last_observed = the record's time.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

#define SCO_NAMESPACE "00abedb4-aa42-466c-9c01-fed23315a9b7"
#define HTTP_EXT "extensions.'http-request-ext'."

/* What is being built. */
typedef struct {
    json_t *objs;    /* [observed-data placeholder, SCOs...] */
    json_t *refs;    /* object_refs */
    json_t *seen;    /* "type\nvalue" -> id, for one SCO per value */
    json_t *file, *cert;       /* the file and certificate being gathered */
    kz_sv src, dst;            /* network-traffic endpoints */
    json_t *nt;                /* network-traffic properties gathered */
    json_t *protos;
    kz_sv method, value, ua;   /* http-request-ext */
    bool text;                 /* a text record: each hash its own file */
} build;

/* ---- JCS ------------------------------------------------------------------------------------ */

/* strcmp for qsort over an array of key pointers. */
static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * RFC 8785 text of v: keys sorted (they are ASCII here, so byte order is UTF-16 order), strings
 * escaped as JSON.stringify does (kz_buf_json_str), integers in decimal. Reals are not used.
 */
static kz_rc jcs(const json_t *v, kz_buf *out, int depth)
{
    const char **keys = NULL;
    size_t n = 0, i;
    const char *k;
    json_t *e;
    kz_rc rc = KZ_OK;

    if (depth > 8)
        return KZ_ELIMIT;
    switch (json_typeof(v)) {
        case JSON_STRING:
            return kz_buf_json_str(out, json_string_value(v), json_string_length(v));
        case JSON_INTEGER:
            return kz_buf_printf(out, "%lld", (long long)json_integer_value(v));
        case JSON_TRUE: return kz_buf_puts(out, "true");
        case JSON_FALSE: return kz_buf_puts(out, "false");
        case JSON_ARRAY:
            if ((rc = kz_buf_puts(out, "[")) != KZ_OK)
                return rc;
            json_array_foreach(v, i, e)
                if ((i > 0 && (rc = kz_buf_puts(out, ",")) != KZ_OK) ||
                    (rc = jcs(e, out, depth + 1)) != KZ_OK)
                    return rc;
            return kz_buf_puts(out, "]");
        case JSON_OBJECT:
            if ((keys = malloc((json_object_size(v) + 1) * sizeof *keys)) == NULL)
                return KZ_ENOMEM;
            json_object_foreach((json_t *)v, k, e)
                keys[n++] = k;
            qsort(keys, n, sizeof *keys, key_cmp);
            rc = kz_buf_puts(out, "{");
            for (i = 0; i < n && rc == KZ_OK; i++)
                if ((i == 0 || (rc = kz_buf_puts(out, ",")) == KZ_OK) &&
                    (rc = kz_buf_json_str(out, keys[i], strlen(keys[i]))) == KZ_OK &&
                    (rc = kz_buf_puts(out, ":")) == KZ_OK)
                    rc = jcs(json_object_get(v, keys[i]), out, depth + 1);
            if (rc == KZ_OK)
                rc = kz_buf_puts(out, "}");
            free(keys);
            return rc;
        default: return kz_buf_puts(out, "null");
    }
}

/* Sets o's id to "<type>--" + the UUIDv5 of the JCS of its properties named in idc. */
static kz_rc set_det_id(json_t *o, const char *type, const char *const *idc)
{
    json_t *c = json_object(), *h;
    char uuid[KZ_UUID_STR], id[128];
    kz_buf b;
    kz_rc rc = KZ_ENOMEM;

    kz_buf_init(&b, 0);
    if (c == NULL)
        goto out;
    for (size_t i = 0; idc[i] != NULL; i++) {
        json_t *v = json_object_get(o, idc[i]);
        if (v == NULL)
            continue;
        if (strcmp(idc[i], "hashes") == 0) { /* one hash contributes */
            static const char *const pref[] = {"MD5", "SHA-1", "SHA-256"};
            for (size_t k = 0; k < 3; k++)
                if (json_object_get(v, pref[k]) != NULL) {
                    if ((h = json_object()) == NULL ||
                        json_object_set(h, pref[k], json_object_get(v, pref[k])) != 0 ||
                        json_object_set_new(c, "hashes", h) != 0)
                        goto out;
                    break;
                }
            continue;
        }
        if (json_object_set(c, idc[i], v) != 0)
            goto out;
    }
    if ((rc = jcs(c, &b, 0)) != KZ_OK || (rc = kz_uuid5(SCO_NAMESPACE, b.p, b.n, uuid)) != KZ_OK)
        goto out;
    snprintf(id, sizeof id, "%s--%s", type, uuid);
    rc = json_object_set_new(o, "id", json_string(id)) == 0 ? KZ_OK : KZ_ENOMEM;
out:
    json_decref(c);
    kz_buf_free(&b);
    return rc;
}

/* ---- SCOs ----------------------------------------------------------------------------------- */

/* A new SCO of a type with spec_version. */
static json_t *sco_new(const char *type)
{
    json_t *o = json_object();

    if (o != NULL && (json_object_set_new(o, "type", json_string(type)) != 0 ||
                      json_object_set_new(o, "spec_version", json_string("2.1")) != 0)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* Gives an SCO its id, and appends it to the output and object_refs. Consumes o. */
static kz_rc sco_push(build *b, json_t *o, const char *const *idc)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    kz_rc rc;

    if ((rc = set_det_id(o, type, idc)) != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    if (json_array_append(b->refs, json_object_get(o, "id")) != 0 ||
        json_array_append(b->objs, o) != 0)
        goto out;
    rc = KZ_OK;
out:
    json_decref(o);
    return rc;
}

/*
 * The SCO of a type with a "value" (created once per value): *id is its id (owned by the output),
 * NULL when the value is not UTF-8.
 */
static kz_rc valued(build *b, const char *type, kz_sv v, const char **id)
{
    static const char *const idc[] = {"value", NULL};
    json_t *o = NULL, *s;
    kz_buf key;
    kz_rc rc = KZ_ENOMEM;

    *id = NULL;
    kz_buf_init(&key, 0);
    if (kz_buf_puts(&key, type) != KZ_OK || kz_buf_append(&key, "\n", 1) != KZ_OK ||
        kz_buf_append(&key, v.p, v.n) != KZ_OK)
        goto out;
    if ((s = json_object_get(b->seen, key.p)) != NULL) {
        *id = json_string_value(s);
        rc = KZ_OK;
        goto out;
    }
    if ((s = json_stringn(v.p, v.n)) == NULL) { /* not UTF-8 (or no memory): left out */
        rc = KZ_OK;
        goto out;
    }
    if ((o = sco_new(type)) == NULL || json_object_set_new(o, "value", s) != 0)
        goto out;
    if ((rc = sco_push(b, json_incref(o), idc)) != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    if (json_object_set(b->seen, key.p, json_object_get(o, "id")) != 0)
        goto out;
    *id = json_string_value(json_object_get(o, "id"));
    rc = KZ_OK;
out:
    json_decref(o);
    kz_buf_free(&key);
    return rc;
}

/* Ends the file or certificate being gathered, if any. */
static kz_rc flush_group(build *b, json_t **g)
{
    static const char *const idc_file[] = {"hashes", "name", NULL};
    static const char *const idc_x509[] = {"hashes", "serial_number", NULL};
    json_t *o = *g;

    *g = NULL;
    if (o == NULL)
        return KZ_OK;
    return sco_push(b, o,
                    strcmp(json_string_value(json_object_get(o, "type")), "file") == 0 ? idc_file
                                                                                      : idc_x509);
}

/* A file or certificate field: a hash (STIX's name for it) or the file's name. */
static kz_rc group_field(build *b, json_t **g, const char *type, const kz_field *f)
{
    const char *hash = NULL;
    json_t *s, *h;
    kz_rc rc;

    if (strcmp(f->path, "hashes.MD5") == 0)
        hash = "MD5";
    else if (strcmp(f->path, "hashes.'SHA-1'") == 0)
        hash = "SHA-1";
    else if (strcmp(f->path, "hashes.'SHA-256'") == 0)
        hash = "SHA-256";
    else if (strcmp(f->path, "name") != 0 || strcmp(type, "file") != 0)
        return KZ_OK;
    if ((s = json_stringn(f->value.p, f->value.n)) == NULL)
        return KZ_OK;
    /* A value for something the current one has already: another file. */
    if (*g != NULL && (b->text || (hash != NULL ? json_object_get(json_object_get(*g, "hashes"),
                                                                  hash) != NULL
                                                : json_object_get(*g, "name") != NULL)) &&
        (rc = flush_group(b, g)) != KZ_OK)
        goto fail;
    if (*g == NULL && (*g = sco_new(type)) == NULL)
        goto nomem;
    if (hash == NULL)
        return json_object_set_new(*g, "name", s) == 0 ? KZ_OK : KZ_ENOMEM;
    if ((h = json_object_get(*g, "hashes")) == NULL &&
        (json_object_set_new(*g, "hashes", json_object()) != 0 ||
         (h = json_object_get(*g, "hashes")) == NULL))
        goto nomem;
    return json_object_set_new(h, hash, s) == 0 ? KZ_OK : KZ_ENOMEM;
nomem:
    rc = KZ_ENOMEM;
fail:
    json_decref(s);
    return rc;
}

/* The SCO type of an endpoint value: an address by syntax, else a domain name. */
static const char *endpoint_type(kz_sv v)
{
    char tmp[64];
    unsigned char bin[16];

    if (v.n == 0 || v.n >= sizeof tmp)
        return "domain-name";
    memcpy(tmp, v.p, v.n);
    tmp[v.n] = '\0';
    if (inet_pton(AF_INET, tmp, bin) == 1)
        return "ipv4-addr";
    if (inet_pton(AF_INET6, tmp, bin) == 1)
        return "ipv6-addr";
    return "domain-name";
}

/* Sets integer property k from v's text when it is a number from 0 to max and k is not set. */
static kz_rc set_int(json_t *o, const char *k, kz_sv v, int64_t max)
{
    int64_t n;

    if (json_object_get(o, k) != NULL || kz_parse_i64(v, 0, max, &n) != KZ_OK)
        return KZ_OK;
    return json_object_set_new(o, k, json_integer(n)) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* The http-request-ext extension in *ext, or NULL when the method or the value is unknown. */
static kz_rc http_ext(const build *b, json_t **ext)
{
    json_t *req = NULL, *hdr = NULL;
    kz_rc rc = KZ_ENOMEM;

    *ext = NULL;
    if (b->method.n == 0 || b->value.n == 0)
        return KZ_OK;
    if ((req = json_object()) == NULL || (*ext = json_object()) == NULL)
        goto out;
    if (json_object_set_new(req, "request_method", json_stringn(b->method.p, b->method.n)) != 0 ||
        json_object_set_new(req, "request_value", json_stringn(b->value.p, b->value.n)) != 0) {
        rc = KZ_OK; /* not UTF-8: no extension */
        json_decref(*ext);
        *ext = NULL;
        goto out;
    }
    if (b->ua.n > 0 && (hdr = json_object()) != NULL &&
        json_object_set_new(hdr, "User-Agent", json_stringn(b->ua.p, b->ua.n)) == 0 &&
        json_object_set(req, "request_header", hdr) != 0)
        goto out;
    if (json_object_set(*ext, "http-request-ext", req) != 0)
        goto out;
    rc = KZ_OK;
out:
    if (rc != KZ_OK) {
        json_decref(*ext);
        *ext = NULL;
    }
    json_decref(hdr);
    json_decref(req);
    return rc;
}

/* The network-traffic SCO, when there is an endpoint. */
static kz_rc traffic(build *b)
{
    static const char *const idc[] = {"start", "end", "src_ref", "dst_ref", "src_port",
                                      "dst_port", "protocols", "extensions", NULL};
    const char *sid = NULL, *did = NULL, *fam = NULL;
    json_t *ext = NULL, *o = b->nt;
    kz_rc rc = KZ_OK;

    b->nt = NULL;
    if (b->src.n > 0 && (rc = valued(b, fam = endpoint_type(b->src), b->src, &sid)) != KZ_OK)
        goto out;
    if (b->dst.n > 0 && (rc = valued(b, endpoint_type(b->dst), b->dst, &did)) != KZ_OK)
        goto out;
    if (fam == NULL || strcmp(fam, "domain-name") == 0)
        fam = endpoint_type(b->dst);
    if (sid == NULL && did == NULL)
        goto out;
    rc = KZ_ENOMEM;
    if ((sid != NULL && json_object_set_new(o, "src_ref", json_string(sid)) != 0) ||
        (did != NULL && json_object_set_new(o, "dst_ref", json_string(did)) != 0))
        goto out;
    if (json_array_size(b->protos) == 0 &&
        json_array_append_new(b->protos,
                              json_string(strcmp(fam, "ipv6-addr") == 0 ? "ipv6" : "ipv4")) != 0)
        goto out;
    if (json_object_set(o, "protocols", b->protos) != 0)
        goto out;
    if ((rc = http_ext(b, &ext)) != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    if (ext != NULL && json_object_set(o, "extensions", ext) != 0)
        goto out;
    rc = sco_push(b, o, idc);
    o = NULL;
out:
    json_decref(ext);
    json_decref(o);
    return rc;
}

/* One field into the build. */
static kz_rc field(build *b, const kz_field *f)
{
    static const char *const types[] = {"ipv4-addr", "ipv6-addr", "domain-name", "url",
                                        "email-addr"};
    const char *id;
    json_t *s;

    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(f->type, types[i]) == 0)
            return strcmp(f->path, "value") == 0 ? valued(b, types[i], f->value, &id) : KZ_OK;
    if (strcmp(f->type, "file") == 0)
        return group_field(b, &b->file, "file", f);
    if (strcmp(f->type, "x509-certificate") == 0)
        return group_field(b, &b->cert, "x509-certificate", f);
    if (strcmp(f->type, "network-traffic") != 0)
        return KZ_OK;
    if (strcmp(f->path, "src_ref.value") == 0 && b->src.n == 0)
        b->src = f->value;
    else if (strcmp(f->path, "dst_ref.value") == 0 && b->dst.n == 0)
        b->dst = f->value;
    else if (strcmp(f->path, "src_port") == 0 || strcmp(f->path, "dst_port") == 0)
        return set_int(b->nt, f->path, f->value, 65535);
    else if (strcmp(f->path, "src_byte_count") == 0 || strcmp(f->path, "dst_byte_count") == 0 ||
             strcmp(f->path, "src_packets") == 0 || strcmp(f->path, "dst_packets") == 0)
        return set_int(b->nt, f->path, f->value, INT64_MAX);
    else if ((strcmp(f->path, "start") == 0 || strcmp(f->path, "end") == 0) &&
             (s = json_stringn(f->value.p, f->value.n)) != NULL)
        return json_object_set_new(b->nt, f->path, s) == 0 ? KZ_OK : KZ_ENOMEM;
    else if (strcmp(f->path, "protocols[*]") == 0 &&
             (s = json_stringn(f->value.p, f->value.n)) != NULL)
        return json_array_append_new(b->protos, s) == 0 ? KZ_OK : KZ_ENOMEM;
    else if (strcmp(f->path, HTTP_EXT "request_method") == 0)
        b->method = f->value;
    else if (strcmp(f->path, HTTP_EXT "request_value") == 0)
        b->value = f->value;
    else if (strcmp(f->path, HTTP_EXT "request_header.'User-Agent'") == 0)
        b->ua = f->value;
    return KZ_OK;
}

/* ---- observed-data -------------------------------------------------------------------------- */

/* The observed-data of the record, as the first element of b->objs. */
static kz_rc observed(build *b, const kz_log_record *rec, const kz_time *t)
{
    json_t *od = json_object();
    char ts[KZ_TIME_MAX], uuid[KZ_UUID_STR], id[64];
    int digits = t->frac_digits <= 3 ? 3 : t->frac_digits <= 6 ? 6 : 9;
    kz_buf name;
    kz_rc rc = KZ_ENOMEM;

    kz_buf_init(&name, 0);
    kz_time_format(t, digits, ts);
    if (od == NULL || kz_buf_printf(&name, "%s\n%llu", rec->file ? rec->file : "",
                                    (unsigned long long)rec->line) != KZ_OK)
        goto out;
    if ((rc = kz_uuid5(SCO_NAMESPACE, name.p, name.n, uuid)) != KZ_OK)
        goto out;
    snprintf(id, sizeof id, "observed-data--%s", uuid);
    rc = KZ_ENOMEM;
    if (json_object_set_new(od, "type", json_string("observed-data")) != 0 ||
        json_object_set_new(od, "spec_version", json_string("2.1")) != 0 ||
        json_object_set_new(od, "id", json_string(id)) != 0 ||
        json_object_set_new(od, "created", json_string(ts)) != 0 ||
        json_object_set_new(od, "modified", json_string(ts)) != 0 ||
        json_object_set_new(od, "first_observed", json_string(ts)) != 0 ||
        json_object_set_new(od, "last_observed", json_string(ts)) != 0 ||
        json_object_set_new(od, "number_observed", json_integer(1)) != 0 ||
        json_object_set(od, "object_refs", b->refs) != 0 || json_array_insert(b->objs, 0, od) != 0)
        goto out;
    rc = KZ_OK;
out:
    json_decref(od);
    kz_buf_free(&name);
    return rc;
}

/* The record as [observed-data, SCOs...] (see detect.h). */
kz_rc kz_log_record_observed(const kz_log_record *rec, const kz_time *fallback, json_t **out,
                             kz_err *err)
{
    build b = {0};
    kz_time now;
    const kz_time *t = rec->has_time ? &rec->time : fallback;
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    if (t == NULL) {
        now = kz_time_now();
        t = &now;
    }
    b.text = rec->log != NULL && strcmp(rec->log, "text") == 0;
    if ((b.objs = json_array()) == NULL || (b.refs = json_array()) == NULL ||
        (b.seen = json_object()) == NULL || (b.nt = sco_new("network-traffic")) == NULL ||
        (b.protos = json_array()) == NULL)
        goto out;
    for (size_t i = 0; i < rec->nfields; i++)
        if ((rc = field(&b, &rec->fields[i])) != KZ_OK)
            goto out;
    if ((rc = flush_group(&b, &b.file)) != KZ_OK || (rc = flush_group(&b, &b.cert)) != KZ_OK ||
        (rc = traffic(&b)) != KZ_OK)
        goto out;
    if (json_array_size(b.refs) == 0) {
        rc = kz_fail(err, KZ_EINVAL, "%s: line %llu: the record has no field that makes an SCO",
                     rec->file ? rec->file : "", (unsigned long long)rec->line);
        goto out;
    }
    if ((rc = observed(&b, rec, t)) != KZ_OK)
        goto out;
    *out = b.objs;
    b.objs = NULL;
out:
    if (rc == KZ_ENOMEM)
        kz_fail(err, rc, "out of memory building observed-data");
    else if (rc == KZ_ELIMIT)
        kz_fail(err, rc, "an SCO nests too deeply");
    json_decref(b.objs);
    json_decref(b.refs);
    json_decref(b.seen);
    json_decref(b.file);
    json_decref(b.cert);
    json_decref(b.nt);
    json_decref(b.protos);
    return rc;
}
