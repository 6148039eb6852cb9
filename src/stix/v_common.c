/*
 * v_common.c - the machinery every STIX type's validation shares: the JSON path of the value
 * being checked, reports, the walk of an object against its property table (binary search per
 * key, required properties by bit mask), the checks of each kind of value (timestamps,
 * identifiers, vocabularies, hashes, external references, kill chain phases, granular markings
 * and their selectors, extensions) and the common properties of STIX 2.1 (Part 3.2).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "validate_int.h"

/* ---- paths and reports ------------------------------------------------------------------- */

void kz_stix__push(kz_vctx *vc, const char *key)
{
    if (vc->depth < KZ_PATH_MAX) {
        vc->seg[vc->depth].key = key;
        vc->seg[vc->depth].idx = 0;
    }
    vc->depth++;
}

void kz_stix__push_idx(kz_vctx *vc, size_t idx)
{
    if (vc->depth < KZ_PATH_MAX) {
        vc->seg[vc->depth].key = NULL;
        vc->seg[vc->depth].idx = idx;
    }
    vc->depth++;
}

void kz_stix__pop(kz_vctx *vc)
{
    if (vc->depth > 0)
        vc->depth--;
}

void kz_stix__path_format(const kz_vctx *vc, char *buf, size_t cap)
{
    size_t n = 0, depth = vc->depth < KZ_PATH_MAX ? vc->depth : KZ_PATH_MAX;
    int w;

    buf[0] = '\0';
    for (size_t i = 0; i < depth && n < cap; i++) {
        if (vc->seg[i].key != NULL)
            w = snprintf(buf + n, cap - n, "%s%s", n > 0 ? "." : "", vc->seg[i].key);
        else
            w = snprintf(buf + n, cap - n, "[%zu]", vc->seg[i].idx);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    if (vc->depth > KZ_PATH_MAX && n + 4 < cap)
        snprintf(buf + n, cap - n, "...");
}

static void vreport(kz_vctx *vc, const char *key, kz_stix_severity sev, const char *fmt,
                    va_list ap)
{
    char path[512], msg[1024];

    if (sev == KZ_STIX_ERROR)
        vc->errors++;
    if (vc->report == NULL)
        return;
    if (key != NULL)
        kz_stix__push(vc, key);
    kz_stix__path_format(vc, path, sizeof path);
    if (key != NULL)
        kz_stix__pop(vc);
    vsnprintf(msg, sizeof msg, fmt, ap);
    vc->report(vc->ctx, sev, path, msg);
}

void kz_stix__report(kz_vctx *vc, kz_stix_severity sev, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(vc, NULL, sev, fmt, ap);
    va_end(ap);
}

void kz_stix__report_at(kz_vctx *vc, const char *key, kz_stix_severity sev, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(vc, key, sev, fmt, ap);
    va_end(ap);
}

const char *kz_stix__kind_name(const json_t *v)
{
    switch (json_typeof(v)) {
        case JSON_OBJECT: return "an object";
        case JSON_ARRAY: return "a list";
        case JSON_STRING: return "a string";
        case JSON_INTEGER: return "an integer";
        case JSON_REAL: return "a number with a fraction";
        case JSON_TRUE: return "true";
        case JSON_FALSE: return "false";
        case JSON_NULL: return "null";
    }
    return "something else";
}

/* ---- small helpers ----------------------------------------------------------------------- */

bool kz_stix__has(const json_t *obj, const char *key)
{
    return json_object_get(obj, key) != NULL;
}

bool kz_stix__word_in(const char *const *words, const char *s, size_t n)
{
    for (size_t i = 0; words[i] != NULL; i++)
        if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0)
            return true;
    return false;
}

static bool is_lower_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * A type name (Part 3.1 of the specification): 3 to 250 characters of a-z, 0-9 and hyphen. As
 * identifiers are `type--UUID`, a type cannot hold "--", nor start or end with a hyphen.
 */
bool kz_stix__type_name_ok(const char *s, size_t n)
{
    if (n < 3 || n > 250 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-') {
            if (s[i + 1] == '-')
                return false;
        } else if (!is_lower_alnum((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Splits "type--UUID": true when the type part is a type name and the rest a UUID. */
bool kz_stix__id_split(const char *s, size_t n, size_t *type_len)
{
    const char *dd;

    if (n < 3 + 2 + 36)
        return false;
    dd = memchr(s, '-', n);
    while (dd != NULL && (size_t)(dd - s) + 1 < n && dd[1] != '-')
        dd = memchr(dd + 1, '-', n - (size_t)(dd + 1 - s));
    if (dd == NULL || (size_t)(dd - s) + 1 >= n)
        return false;
    *type_len = (size_t)(dd - s);
    if (!kz_stix__type_name_ok(s, *type_len))
        return false;
    return kz_uuid_check((kz_sv){dd + 2, n - *type_len - 2}) > 0;
}

/* RFC 4122 UUIDs carry the variant bits 10 in the first hex digit of the fourth group. */
static bool uuid_variant_ok(const char *uuid)
{
    return strchr("89abAB", uuid[19]) != NULL;
}

bool kz_stix__get_time(const json_t *obj, const char *key, kz_time *out)
{
    const json_t *v = json_object_get(obj, key);

    if (!json_is_string(v))
        return false;
    return kz_time_parse((kz_sv){json_string_value(v), json_string_length(v)}, out, NULL) ==
           KZ_OK;
}

void kz_stix__time_order(kz_vctx *vc, const json_t *obj, const char *earlier, const char *later,
                         bool strict)
{
    kz_time a, b;
    int c;

    if (!kz_stix__get_time(obj, earlier, &a) || !kz_stix__get_time(obj, later, &b))
        return;
    c = kz_time_cmp(&a, &b);
    if (c > 0 || (strict && c == 0))
        kz_stix__report_at(vc, later, KZ_STIX_ERROR, "\"%s\" must be %s %s (\"%s\")",
                           json_string_value(json_object_get(obj, later)),
                           strict ? "later than" : "the same as or later than", earlier,
                           json_string_value(json_object_get(obj, earlier)));
}

/* ---- table lookup ------------------------------------------------------------------------ */

static int spec_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const kz_pspec *)elem)->name);
}

static const kz_pspec *find_spec(const kz_ptable *t, const char *key)
{
    return bsearch(key, t->p, t->n, sizeof t->p[0], spec_cmp);
}

/* ---- common properties ------------------------------------------------------------------- */

#define ALL (KZ_C_SDO | KZ_C_SRO | KZ_C_SCO | KZ_C_LC | KZ_C_MD | KZ_C_ED | KZ_C_CUSTOM)
#define VERSIONED (KZ_C_SDO | KZ_C_SRO | KZ_C_LC | KZ_C_ED)

static const char *const identity_t[] = {"identity", NULL};
static const char *const marking_t[] = {"marking-definition", NULL};

static const kz_pspec common_p[] = {
    {"confidence", KZ_PK_INT, 0, KZ_C_SDO | KZ_C_SRO | KZ_C_LC | KZ_C_CUSTOM, 0, 0, 100, NULL,
     NULL},
    {"created", KZ_PK_TIMESTAMP, 0, ALL & ~KZ_C_SCO, VERSIONED | KZ_C_MD, 0, 0, NULL, NULL},
    {"created_by_ref", KZ_PK_REF, 0, ALL & ~KZ_C_SCO, KZ_C_ED, 0, 0, identity_t, NULL},
    {"defanged", KZ_PK_BOOL, 0, KZ_C_SCO | KZ_C_CUSTOM, 0, 0, 0, NULL, NULL},
    {"extensions", KZ_PK_EXTENSIONS, 0, ALL, 0, 0, 0, NULL, NULL},
    {"external_references", KZ_PK_EXTREF, KZ_PF_LIST, ALL & ~KZ_C_SCO, 0, 0, 0, NULL, NULL},
    {"granular_markings", KZ_PK_GRANULAR, KZ_PF_LIST, ALL, 0, 0, 0, NULL, NULL},
    {"id", KZ_PK_ID, 0, ALL, ALL, 0, 0, NULL, NULL},
    {"labels", KZ_PK_STRING, KZ_PF_LIST, KZ_C_SDO | KZ_C_SRO | KZ_C_LC | KZ_C_ED | KZ_C_CUSTOM, 0,
     0, 0, NULL, NULL},
    {"lang", KZ_PK_LANG, 0, KZ_C_SDO | KZ_C_SRO | KZ_C_MD | KZ_C_CUSTOM, 0, 0, 0, NULL, NULL},
    {"modified", KZ_PK_TIMESTAMP, 0, VERSIONED | KZ_C_CUSTOM, VERSIONED, 0, 0, NULL, NULL},
    {"object_marking_refs", KZ_PK_REF, KZ_PF_LIST, ALL, 0, 0, 0, marking_t, NULL},
    {"revoked", KZ_PK_BOOL, 0, VERSIONED | KZ_C_CUSTOM, 0, 0, 0, NULL, NULL},
    {"spec_version", KZ_PK_SPECVER, 0, ALL, ALL & ~(KZ_C_SCO | KZ_C_CUSTOM), 0, 0, NULL, NULL},
    {"type", KZ_PK_TYPE, 0, ALL, ALL, 0, 0, NULL, NULL},
};
static const kz_ptable common_t = KZ_PTABLE(common_p, "every STIX object", NULL);

static const char *cat_name(uint8_t cat)
{
    switch (cat) {
        case KZ_C_SDO: return "STIX Domain Objects";
        case KZ_C_SRO: return "STIX Relationship Objects";
        case KZ_C_SCO: return "STIX Cyber-observable Objects";
        case KZ_C_LC: return "language-content";
        case KZ_C_MD: return "marking-definition";
        case KZ_C_ED: return "extension-definition";
        default: return "custom objects";
    }
}

/* Property names reserved by the specification for future use (Part 3.2 and 11.1). */
static const char *const reserved_names[] = {"action", "addresses", "phone_numbers", "severity",
                                             "usernames", NULL};

/* A custom property name: 3 to 250 characters of a-z, 0-9 and underscore (Part 11.1). */
static void check_custom_name(kz_vctx *vc, const char *key, bool top)
{
    size_t n = strlen(key);
    bool ok = n >= 3 && n <= 250;

    for (size_t i = 0; ok && i < n; i++)
        ok = is_lower_alnum((unsigned char)key[i]) || key[i] == '_';
    if (!ok) {
        kz_stix__report_at(vc, key, KZ_STIX_ERROR,
                           "\"%.*s%s\" is not a valid custom property name (expected 3 to 250 "
                           "characters of a-z, 0-9 and _)",
                           KZ_Q(key, n));
        return;
    }
    if (top && kz_stix__word_in(reserved_names, key, n))
        kz_stix__report_at(vc, key, KZ_STIX_ERROR,
                           "\"%s\" is a reserved property name and must not be used", key);
}

void kz_stix__check_props(kz_vctx *vc, const json_t *obj, const kz_ptable *t, bool top)
{
    uint64_t seen = 0, seen_common = 0;
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        const kz_pspec *s = t != NULL ? find_spec(t, key) : NULL;

        if (s != NULL) {
            seen |= (uint64_t)1 << (s - t->p);
        } else if (top && (s = find_spec(&common_t, key)) != NULL) {
            seen_common |= (uint64_t)1 << (s - common_t.p);
            if (!(s->cats & vc->cat)) {
                kz_stix__report_at(vc, key, KZ_STIX_WARNING,
                                   "is a common property that does not apply to %s",
                                   cat_name(vc->cat));
                /* Still checked: a value of the wrong kind is an error anywhere. */
            }
        } else {
            check_custom_name(vc, key, top);
            continue;
        }
        kz_stix__push(vc, key);
        if (s->flags & KZ_PF_DEPRECATED)
            kz_stix__report(vc, KZ_STIX_WARNING, "is deprecated in STIX 2.1");
        kz_stix__check_value(vc, s, v);
        kz_stix__pop(vc);
    }
    if (top) {
        for (size_t i = 0; i < common_t.n; i++)
            if ((common_t.p[i].reqcats & vc->cat) && !(seen_common & ((uint64_t)1 << i)))
                kz_stix__report_at(vc, common_t.p[i].name, KZ_STIX_ERROR, "is required for %s",
                                   t != NULL ? t->what : cat_name(vc->cat));
    }
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        if ((t->p[i].flags & KZ_PF_REQ) && !(seen & ((uint64_t)1 << i)))
            kz_stix__report_at(vc, t->p[i].name, KZ_STIX_ERROR, "is required for %s", t->what);
    if (t->rule != NULL)
        t->rule(vc, obj);
}

/* ---- value checks ------------------------------------------------------------------------ */

static const char *kind_desc(const kz_pspec *s)
{
    switch ((kz_pkind)s->kind) {
        case KZ_PK_STRING: return "a string";
        case KZ_PK_TIMESTAMP: return "a timestamp";
        case KZ_PK_INT: return "an integer";
        case KZ_PK_FLOAT: return "a number";
        case KZ_PK_BOOL: return "a boolean";
        case KZ_PK_REF: return "an identifier";
        case KZ_PK_OV: return "a string (open vocabulary)";
        case KZ_PK_ENUM: return "a string (enumeration)";
        case KZ_PK_DICT: return "a dictionary";
        case KZ_PK_HASHES: return "a hashes dictionary";
        case KZ_PK_KCP: return "a kill-chain-phase";
        case KZ_PK_EXTREF: return "an external-reference";
        case KZ_PK_BINARY: return "base64 binary";
        case KZ_PK_HEX: return "hex";
        case KZ_PK_URL: return "a URL";
        case KZ_PK_OBJECT: return "an object";
        case KZ_PK_ANY: return "a value";
        case KZ_PK_LANG: return "a language tag";
        case KZ_PK_GRANULAR: return "a granular-marking";
        case KZ_PK_EXTENSIONS: return "a dictionary of extensions";
        case KZ_PK_SPECVER: return "\"2.1\"";
        case KZ_PK_TYPE: return "a type name";
        case KZ_PK_ID: return "an identifier";
    }
    return "a value";
}

static bool want_string(kz_vctx *vc, const kz_pspec *s, const json_t *v)
{
    if (json_is_string(v))
        return true;
    kz_stix__report(vc, KZ_STIX_ERROR, "expected %s, got %s", kind_desc(s),
                    kz_stix__kind_name(v));
    return false;
}

static bool want_object(kz_vctx *vc, const kz_pspec *s, const json_t *v)
{
    if (json_is_object(v))
        return true;
    kz_stix__report(vc, KZ_STIX_ERROR, "expected %s, got %s", kind_desc(s),
                    kz_stix__kind_name(v));
    return false;
}

static void words_list(const char *const *words, char *buf, size_t cap)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; words[i] != NULL && n + 1 < cap; i++) {
        const char *w = words[i];
        if (strcmp(w, KZ_REF_SCO) == 0)
            w = "a cyber-observable";
        else if (strcmp(w, KZ_REF_SDO) == 0)
            w = "a domain object";
        else if (strcmp(w, KZ_REF_NOT_SRO) == 0)
            w = "a domain or cyber-observable object";
        int k = snprintf(buf + n, cap - n, "%s%s", i == 0 ? "" : words[i + 1] ? ", " : " or ", w);
        if (k < 0)
            break;
        n += (size_t)k;
    }
}

static bool ref_type_allowed(const char *const *words, const char *s, size_t tn)
{
    const kz_tinfo *ti = NULL;
    bool looked = false;

    for (size_t i = 0; words[i] != NULL; i++) {
        const char *w = words[i];
        if (w[0] != '*') {
            if (strlen(w) == tn && memcmp(w, s, tn) == 0)
                return true;
            continue;
        }
        if (!looked) {
            ti = kz_stix__type_info(s, tn);
            looked = true;
        }
        if (ti == NULL) {
            /* A custom type: its category cannot be known; bundle is never an object. */
            if (!(tn == 6 && memcmp(s, "bundle", 6) == 0))
                return true;
            continue;
        }
        if (strcmp(w, KZ_REF_SCO) == 0 && ti->cat == KZ_C_SCO)
            return true;
        if (strcmp(w, KZ_REF_SDO) == 0 && ti->cat == KZ_C_SDO)
            return true;
        if (strcmp(w, KZ_REF_NOT_SRO) == 0 && (ti->cat == KZ_C_SDO || ti->cat == KZ_C_SCO))
            return true;
    }
    return false;
}

static void check_ref(kz_vctx *vc, const kz_pspec *spec, const json_t *v)
{
    const char *s;
    size_t n, tn;

    if (!want_string(vc, spec, v))
        return;
    s = json_string_value(v);
    n = json_string_length(v);
    if (!kz_stix__id_split(s, n, &tn)) {
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "\"%.*s%s\" is not an identifier (expected type--UUID, e.g. "
                        "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f)",
                        KZ_Q(s, n));
        return;
    }
    if (!uuid_variant_ok(s + tn + 2))
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "\"%.*s%s\" does not hold an RFC 4122 UUID (variant bits must be 10)",
                        KZ_Q(s, n));
    if (spec->words != NULL && !ref_type_allowed(spec->words, s, tn)) {
        char want[256];
        words_list(spec->words, want, sizeof want);
        kz_stix__report(vc, KZ_STIX_ERROR, "expected an identifier of type %s, got \"%.*s%s\"",
                        want, KZ_Q(s, n));
    }
}

static bool vocab_ok(kz_vctx *vc, const kz_pspec *spec, const json_t *v, bool closed)
{
    const char *s;
    size_t n;

    if (!want_string(vc, spec, v))
        return false;
    s = json_string_value(v);
    n = json_string_length(v);
    if (spec->words == NULL || kz_stix__word_in(spec->words, s, n))
        return true;
    if (closed) {
        char want[512];
        words_list(spec->words, want, sizeof want);
        kz_stix__report(vc, KZ_STIX_ERROR, "\"%.*s%s\" is not allowed (expected one of %s)",
                        KZ_Q(s, n), want);
    } else {
        kz_stix__report(vc, KZ_STIX_NOTE,
                        "\"%.*s%s\" is not in the suggested vocabulary (accepted: the "
                        "vocabulary is open)",
                        KZ_Q(s, n));
    }
    return false;
}

static void check_dict(kz_vctx *vc, const kz_pspec *spec, const json_t *v)
{
    const char *key;
    json_t *e;

    if (!want_object(vc, spec, v))
        return;
    if (json_object_size(v) == 0) {
        kz_stix__report(vc, KZ_STIX_ERROR, "is an empty dictionary (omit the property instead)");
        return;
    }
    json_object_foreach((json_t *)v, key, e) {
        size_t n = strlen(key);
        bool ok = n <= 250;
        for (size_t i = 0; ok && i < n; i++)
            ok = is_alpha((unsigned char)key[i]) || (key[i] >= '0' && key[i] <= '9') ||
                 key[i] == '-' || key[i] == '_';
        if (n == 0)
            kz_stix__report(vc, KZ_STIX_ERROR, "has an empty dictionary key");
        else if (!ok)
            kz_stix__report_at(vc, key, KZ_STIX_WARNING,
                               "dictionary keys should be at most 250 characters of a-z, A-Z, "
                               "0-9, - and _");
    }
}

/* Known hash algorithms (hash-algorithm-ov) and the length of their hex digests. */
static const struct {
    const char *name;
    size_t hexlen; /* 0: not hex */
} hash_algos[] = {
    {"MD5", 32},      {"SHA-1", 40},     {"SHA-256", 64}, {"SHA-512", 128},
    {"SHA3-256", 64}, {"SHA3-512", 128}, {"SSDEEP", 0},   {"TLSH", 0},
};

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_hex((unsigned char)s[i]))
            return false;
    return true;
}

/* SSDEEP: blocksize:hash:hash, with the hashes in base64's alphabet. */
static bool ssdeep_ok(const char *s, size_t n)
{
    size_t i = 0, colons = 0;

    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0 || i == n || s[i] != ':')
        return false;
    for (; i < n; i++) {
        if (s[i] == ':')
            colons++;
        else if (!is_alpha((unsigned char)s[i]) && !(s[i] >= '0' && s[i] <= '9') &&
                 s[i] != '+' && s[i] != '/')
            return false;
    }
    return colons == 2;
}

static void check_hashes(kz_vctx *vc, const kz_pspec *spec, const json_t *v)
{
    const char *key;
    json_t *e;

    if (!want_object(vc, spec, v))
        return;
    if (json_object_size(v) == 0) {
        kz_stix__report(vc, KZ_STIX_ERROR, "is an empty hashes dictionary (omit it instead)");
        return;
    }
    json_object_foreach((json_t *)v, key, e) {
        size_t kn = strlen(key), n;
        const char *s;
        size_t a;

        kz_stix__push(vc, key);
        if (!json_is_string(e)) {
            kz_stix__report(vc, KZ_STIX_ERROR, "expected a hash value as a string, got %s",
                            kz_stix__kind_name(e));
            goto next;
        }
        s = json_string_value(e);
        n = json_string_length(e);
        for (a = 0; a < KZ_NELEM(hash_algos); a++)
            if (strcmp(key, hash_algos[a].name) == 0)
                break;
        if (a == KZ_NELEM(hash_algos)) {
            for (size_t b = 0; b < KZ_NELEM(hash_algos); b++)
                if (strcasecmp(key, hash_algos[b].name) == 0)
                    kz_stix__report(vc, KZ_STIX_WARNING,
                                    "hash algorithm names are case sensitive: expected \"%s\"",
                                    hash_algos[b].name);
            if (kn < 3 || kn > 250)
                kz_stix__report(vc, KZ_STIX_ERROR,
                                "a custom hash algorithm name must have 3 to 250 characters");
            goto next;
        }
        if (hash_algos[a].hexlen != 0 && (n != hash_algos[a].hexlen || !all_hex(s, n)))
            kz_stix__report(vc, KZ_STIX_ERROR,
                            "\"%.*s%s\" is not a %s hash (expected %zu hex digits)", KZ_Q(s, n),
                            key, hash_algos[a].hexlen);
        else if (strcmp(key, "SSDEEP") == 0 && !ssdeep_ok(s, n))
            kz_stix__report(vc, KZ_STIX_ERROR,
                            "\"%.*s%s\" is not an SSDEEP hash (expected blocksize:hash:hash)",
                            KZ_Q(s, n));
        else if (strcmp(key, "TLSH") == 0 &&
                 !((n == 70 && all_hex(s, n)) ||
                   (n == 72 && s[0] == 'T' && s[1] == '1' && all_hex(s + 2, 70))))
            kz_stix__report(vc, KZ_STIX_ERROR,
                            "\"%.*s%s\" is not a TLSH hash (expected 70 hex digits, optionally "
                            "after \"T1\")",
                            KZ_Q(s, n));
    next:
        kz_stix__pop(vc);
    }
}

static bool base64_ok(const char *s, size_t n)
{
    size_t pad = 0;

    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad > 0)
            return false;
        if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '/')
            return false;
    }
    return pad <= 2;
}

/* An absolute URL in the sense of RFC 3986: scheme ":" and then no spaces or controls. */
static bool url_ok(const char *s, size_t n)
{
    size_t i = 0;

    if (n == 0 || !is_alpha((unsigned char)s[0]))
        return false;
    while (i < n && (is_alpha((unsigned char)s[i]) || (s[i] >= '0' && s[i] <= '9') ||
                     s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i == n || s[i] != ':' || i + 1 == n)
        return false;
    for (i++; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* RFC 5646, loosely: a 2-8 letter primary subtag and further 1-8 alphanumeric subtags. */
static bool lang_ok(const char *s, size_t n)
{
    size_t i = 0, sub = 0, len = 0;

    for (; i <= n; i++) {
        if (i == n || s[i] == '-') {
            if (len == 0 || len > 8 || (sub == 0 && len < 2 && s[0] != 'x' && s[0] != 'i'))
                return false;
            sub++;
            len = 0;
            continue;
        }
        if (!is_alpha((unsigned char)s[i]) && !(sub > 0 && s[i] >= '0' && s[i] <= '9'))
            return false;
        len++;
    }
    return true;
}

/* ---- embedded types ---------------------------------------------------------------------- */

static void extref_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *sn = json_object_get(o, "source_name");
    const json_t *ei = json_object_get(o, "external_id");
    const char *s, *want = NULL;
    size_t n, d = 0, i;

    if (!kz_stix__has(o, "description") && !kz_stix__has(o, "url") && ei == NULL)
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "needs at least one of description, url or external_id besides "
                        "source_name");
    if (!json_is_string(sn) || !json_is_string(ei))
        return;
    s = json_string_value(ei);
    n = json_string_length(ei);
    if (strcmp(json_string_value(sn), "cve") == 0) {
        /* CVE-YYYY-NNNN with four or more digits after the year. */
        want = "CVE-YYYY-NNNN";
        if (n >= 13 && memcmp(s, "CVE-", 4) == 0 && s[8] == '-') {
            for (i = 4; i < 8 && s[i] >= '0' && s[i] <= '9'; i++)
                ;
            for (d = 9; i == 8 && d < n && s[d] >= '0' && s[d] <= '9'; d++)
                ;
            if (i == 8 && d == n && n - 9 >= 4)
                want = NULL;
        }
    } else if (strcmp(json_string_value(sn), "capec") == 0) {
        want = "CAPEC-N";
        if (n > 6 && memcmp(s, "CAPEC-", 6) == 0) {
            for (d = 6; d < n && s[d] >= '0' && s[d] <= '9'; d++)
                ;
            if (d == n)
                want = NULL;
        }
    }
    if (want != NULL)
        kz_stix__report_at(vc, "external_id", KZ_STIX_ERROR,
                           "\"%.*s%s\" is not a valid %s identifier (expected %s)", KZ_Q(s, n),
                           json_string_value(sn), want);
}

static const kz_pspec extref_p[] = {
    {"description", KZ_PK_STRING, 0, 0, 0, 0, 0, NULL, NULL},
    {"external_id", KZ_PK_STRING, 0, 0, 0, 0, 0, NULL, NULL},
    {"hashes", KZ_PK_HASHES, 0, 0, 0, 0, 0, NULL, NULL},
    {"source_name", KZ_PK_STRING, KZ_PF_REQ, 0, 0, 0, 0, NULL, NULL},
    {"url", KZ_PK_URL, 0, 0, 0, 0, 0, NULL, NULL},
};
static const kz_ptable extref_t = KZ_PTABLE(extref_p, "an external reference", extref_rule);

static void kcp_rule(kz_vctx *vc, const json_t *o)
{
    static const char *const names[] = {"kill_chain_name", "phase_name"};

    for (size_t k = 0; k < 2; k++) {
        const json_t *v = json_object_get(o, names[k]);
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (s == NULL)
            continue;
        for (size_t i = 0; i < n; i++)
            if (!is_lower_alnum((unsigned char)s[i]) && s[i] != '-') {
                kz_stix__report_at(vc, names[k], KZ_STIX_WARNING,
                                   "\"%.*s%s\" should be lower case with hyphens", KZ_Q(s, n));
                break;
            }
    }
}

static const kz_pspec kcp_p[] = {
    {"kill_chain_name", KZ_PK_STRING, KZ_PF_REQ, 0, 0, 0, 0, NULL, NULL},
    {"phase_name", KZ_PK_STRING, KZ_PF_REQ, 0, 0, 0, 0, NULL, NULL},
};
static const kz_ptable kcp_t = KZ_PTABLE(kcp_p, "a kill chain phase", kcp_rule);

/*
 * Resolves a granular marking selector against the object: a dotted path whose parts are
 * property names or list indexes written "[N]" ("external_references.[0].source_name").
 */
static bool selector_resolves(const json_t *root, const char *s, size_t n, char *why,
                              size_t cap)
{
    const json_t *cur = root;
    size_t i = 0;

    while (i <= n) {
        size_t j = i;
        char key[256];

        while (j < n && s[j] != '.')
            j++;
        if (j == i) {
            snprintf(why, cap, "it has an empty part");
            return false;
        }
        if (s[i] == '[') {
            int64_t idx;
            if (j - i < 3 || s[j - 1] != ']' ||
                kz_parse_i64((kz_sv){s + i + 1, j - i - 2}, 0, INT64_MAX, &idx) != KZ_OK) {
                snprintf(why, cap, "\"%.*s\" is not a list index like [0]", (int)(j - i), s + i);
                return false;
            }
            if (!json_is_array(cur) || (size_t)idx >= json_array_size(cur)) {
                snprintf(why, cap, "there is no element %.*s", (int)(j - i), s + i);
                return false;
            }
            cur = json_array_get(cur, (size_t)idx);
        } else {
            if (j - i >= sizeof key || !json_is_object(cur)) {
                snprintf(why, cap, "there is no property \"%.*s\"", (int)(j - i > 64 ? 64 : j - i),
                         s + i);
                return false;
            }
            memcpy(key, s + i, j - i);
            key[j - i] = '\0';
            if ((cur = json_object_get(cur, key)) == NULL) {
                snprintf(why, cap, "there is no property \"%s\"", key);
                return false;
            }
        }
        i = j + 1;
    }
    return true;
}

static void granular_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *sel = json_object_get(o, "selectors");
    bool mr = kz_stix__has(o, "marking_ref"), lang = kz_stix__has(o, "lang");
    size_t i;
    json_t *e;

    if (mr == lang)
        kz_stix__report(vc, KZ_STIX_ERROR,
                        mr ? "has both marking_ref and lang (expected exactly one of them)"
                           : "needs exactly one of marking_ref or lang");
    if (!json_is_array(sel))
        return;
    kz_stix__push(vc, "selectors");
    json_array_foreach(sel, i, e) {
        char why[160];
        if (!json_is_string(e))
            continue;
        if (!selector_resolves(vc->root, json_string_value(e), json_string_length(e), why,
                               sizeof why)) {
            kz_stix__push_idx(vc, i);
            kz_stix__report(vc, KZ_STIX_ERROR,
                            "selector \"%.*s%s\" does not select anything in this object: %s",
                            KZ_Q(json_string_value(e), json_string_length(e)), why);
            kz_stix__pop(vc);
        }
    }
    kz_stix__pop(vc);
}

static const kz_pspec granular_p[] = {
    {"lang", KZ_PK_LANG, 0, 0, 0, 0, 0, NULL, NULL},
    {"marking_ref", KZ_PK_REF, 0, 0, 0, 0, 0, marking_t, NULL},
    {"selectors", KZ_PK_STRING, KZ_PF_REQ | KZ_PF_LIST, 0, 0, 0, 0, NULL, NULL},
};
static const kz_ptable granular_t = KZ_PTABLE(granular_p, "a granular marking", granular_rule);

/* ---- extensions -------------------------------------------------------------------------- */

static const char *const ext_types[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
                                        "toplevel-property-extension", NULL};

static const kz_pspec extdef_use_p[] = {
    {"extension_type", KZ_PK_ENUM, KZ_PF_REQ, 0, 0, 0, 0, ext_types, NULL},
};
static const kz_ptable extdef_use_t =
    KZ_PTABLE(extdef_use_p, "an extension-definition extension", NULL);

static int ext_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const kz_extinfo *)elem)->name);
}

/* Every predefined extension name, to tell "an extension of another type" from "custom". */
static const char *const predefined_exts[] = {
    "archive-ext",    "http-request-ext",     "icmp-ext",           "ntfs-ext",
    "pdf-ext",        "raster-image-ext",     "socket-ext",         "tcp-ext",
    "unix-account-ext", "windows-pebinary-ext", "windows-process-ext", "windows-service-ext",
    NULL};

static void check_one_extension(kz_vctx *vc, const char *key, const json_t *e)
{
    size_t kn = strlen(key);
    const kz_extinfo *x = NULL;

    if (strncmp(key, "extension-definition--", 22) == 0) {
        size_t tn;
        if (!kz_stix__id_split(key, kn, &tn))
            kz_stix__report(vc, KZ_STIX_ERROR,
                            "\"%.*s%s\" is not an extension-definition identifier", KZ_Q(key, kn));
        if (!json_is_object(e)) {
            kz_stix__report(vc, KZ_STIX_ERROR, "expected an extension object, got %s",
                            kz_stix__kind_name(e));
            return;
        }
        /* The extension's own properties are defined by its schema, not here. */
        const json_t *et = json_object_get(e, "extension_type");
        if (et == NULL)
            kz_stix__report_at(vc, "extension_type", KZ_STIX_ERROR,
                               "is required for an extension-definition extension");
        else {
            kz_stix__push(vc, "extension_type");
            kz_stix__check_value(vc, &extdef_use_t.p[0], et);
            kz_stix__pop(vc);
        }
        return;
    }
    if (vc->ti != NULL && vc->ti->nexts > 0)
        x = bsearch(key, vc->ti->exts, vc->ti->nexts, sizeof *x, ext_cmp);
    if (x != NULL) {
        if (!json_is_object(e)) {
            kz_stix__report(vc, KZ_STIX_ERROR, "expected an extension object, got %s",
                            kz_stix__kind_name(e));
            return;
        }
        if (json_object_size(e) == 0)
            kz_stix__report(vc, KZ_STIX_ERROR, "an extension must have at least one property");
        kz_stix__check_props(vc, e, x->props, false);
        return;
    }
    if (kz_stix__word_in(predefined_exts, key, kn)) {
        kz_stix__report(vc, KZ_STIX_ERROR, "\"%s\" is not an extension of %s", key,
                        vc->ti != NULL ? vc->ti->name : "this type");
        return;
    }
    if (kn > 4 && strcmp(key + kn - 4, "-ext") == 0 && kz_stix__type_name_ok(key, kn)) {
        kz_stix__report(vc, KZ_STIX_WARNING,
                        "custom extensions not defined by an extension-definition are "
                        "deprecated in STIX 2.1");
        if (!json_is_object(e))
            kz_stix__report(vc, KZ_STIX_ERROR, "expected an extension object, got %s",
                            kz_stix__kind_name(e));
        return;
    }
    kz_stix__report(vc, KZ_STIX_ERROR,
                    "\"%.*s%s\" is not an extension name (expected extension-definition--<UUID> "
                    "or a predefined extension name ending in -ext)",
                    KZ_Q(key, kn));
}

static void check_extensions(kz_vctx *vc, const kz_pspec *spec, const json_t *v)
{
    const char *key;
    json_t *e;

    if (!want_object(vc, spec, v))
        return;
    if (json_object_size(v) == 0) {
        kz_stix__report(vc, KZ_STIX_ERROR, "is an empty dictionary (omit the property instead)");
        return;
    }
    json_object_foreach((json_t *)v, key, e) {
        kz_stix__push(vc, key);
        check_one_extension(vc, key, e);
        kz_stix__pop(vc);
    }
}

/* ---- the object's own id ----------------------------------------------------------------- */

static void check_id(kz_vctx *vc, const kz_pspec *spec, const json_t *v)
{
    const json_t *type = json_object_get(vc->root, "type");
    const char *s;
    size_t n, tn;
    int ver;

    if (!want_string(vc, spec, v))
        return;
    s = json_string_value(v);
    n = json_string_length(v);
    if (!kz_stix__id_split(s, n, &tn)) {
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "\"%.*s%s\" is not an identifier (expected type--UUID with an RFC 4122 "
                        "UUID)",
                        KZ_Q(s, n));
        return;
    }
    if (json_is_string(type) &&
        (json_string_length(type) != tn || memcmp(json_string_value(type), s, tn) != 0))
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "\"%.*s%s\" does not start with the object's type (expected \"%s--\")",
                        KZ_Q(s, n), json_string_value(type));
    if (!uuid_variant_ok(s + tn + 2))
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "\"%.*s%s\" does not hold an RFC 4122 UUID (variant bits must be 10)",
                        KZ_Q(s, n));
    ver = kz_uuid_check((kz_sv){s + tn + 2, 36});
    vc->idver = ver;
    if (vc->cat == KZ_C_SCO) {
        if (ver != 4 && ver != 5)
            kz_stix__report(vc, KZ_STIX_WARNING,
                            "has a version %d UUID; cyber-observables should use UUIDv5 (or v4)",
                            ver);
    } else if (vc->cat != KZ_C_CUSTOM && ver != 4) {
        kz_stix__report(vc, KZ_STIX_WARNING,
                        "has a version %d UUID; domain, relationship and meta objects should "
                        "use UUIDv4",
                        ver);
    }
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static void check_one(kz_vctx *vc, const kz_pspec *spec, const json_t *v)
{
    const char *s;
    size_t n;
    kz_err err;
    kz_time t;

    switch ((kz_pkind)spec->kind) {
        case KZ_PK_STRING:
            want_string(vc, spec, v);
            break;
        case KZ_PK_TIMESTAMP:
            if (!want_string(vc, spec, v))
                break;
            if (kz_time_parse((kz_sv){json_string_value(v), json_string_length(v)}, &t, &err) !=
                KZ_OK)
                kz_stix__report(vc, KZ_STIX_ERROR, "%s", err.msg);
            break;
        case KZ_PK_INT:
            if (!json_is_integer(v)) {
                kz_stix__report(vc, KZ_STIX_ERROR, "expected an integer, got %s",
                                kz_stix__kind_name(v));
                break;
            }
            if (spec->min < spec->max &&
                (json_integer_value(v) < spec->min || json_integer_value(v) > spec->max))
                kz_stix__report(vc, KZ_STIX_ERROR,
                                "%lld is out of range (expected an integer from %lld to %lld)",
                                (long long)json_integer_value(v), (long long)spec->min,
                                (long long)spec->max);
            break;
        case KZ_PK_FLOAT:
            if (!json_is_number(v))
                kz_stix__report(vc, KZ_STIX_ERROR, "expected a number, got %s",
                                kz_stix__kind_name(v));
            break;
        case KZ_PK_BOOL:
            if (!json_is_boolean(v))
                kz_stix__report(vc, KZ_STIX_ERROR, "expected true or false, got %s",
                                kz_stix__kind_name(v));
            break;
        case KZ_PK_REF:
            check_ref(vc, spec, v);
            break;
        case KZ_PK_OV:
            vocab_ok(vc, spec, v, false);
            break;
        case KZ_PK_ENUM:
            vocab_ok(vc, spec, v, true);
            break;
        case KZ_PK_DICT:
            check_dict(vc, spec, v);
            break;
        case KZ_PK_HASHES:
            check_hashes(vc, spec, v);
            break;
        case KZ_PK_KCP:
            if (want_object(vc, spec, v))
                kz_stix__check_props(vc, v, &kcp_t, false);
            break;
        case KZ_PK_EXTREF:
            if (want_object(vc, spec, v))
                kz_stix__check_props(vc, v, &extref_t, false);
            break;
        case KZ_PK_GRANULAR:
            if (want_object(vc, spec, v))
                kz_stix__check_props(vc, v, &granular_t, false);
            break;
        case KZ_PK_OBJECT:
            if (want_object(vc, spec, v))
                kz_stix__check_props(vc, v, spec->sub, false);
            break;
        case KZ_PK_EXTENSIONS:
            check_extensions(vc, spec, v);
            break;
        case KZ_PK_BINARY:
            if (want_string(vc, spec, v) &&
                !base64_ok(json_string_value(v), json_string_length(v)))
                kz_stix__report(vc, KZ_STIX_ERROR, "is not base64 (RFC 4648, with padding)");
            break;
        case KZ_PK_HEX:
            if (!want_string(vc, spec, v))
                break;
            s = json_string_value(v);
            n = json_string_length(v);
            if (n % 2 != 0 || !all_hex(s, n))
                kz_stix__report(vc, KZ_STIX_ERROR,
                                "\"%.*s%s\" is not hex (expected an even number of hex digits)",
                                KZ_Q(s, n));
            break;
        case KZ_PK_URL:
            if (!want_string(vc, spec, v))
                break;
            s = json_string_value(v);
            n = json_string_length(v);
            if (!url_ok(s, n))
                kz_stix__report(vc, KZ_STIX_ERROR,
                                "\"%.*s%s\" is not a URL (expected scheme:rest, RFC 3986)",
                                KZ_Q(s, n));
            break;
        case KZ_PK_LANG:
            if (!want_string(vc, spec, v))
                break;
            s = json_string_value(v);
            n = json_string_length(v);
            if (!lang_ok(s, n))
                kz_stix__report(vc, KZ_STIX_ERROR,
                                "\"%.*s%s\" is not an RFC 5646 language tag (e.g. en, de-CH)",
                                KZ_Q(s, n));
            break;
        case KZ_PK_SPECVER:
            if (!want_string(vc, spec, v))
                break;
            if (strcmp(json_string_value(v), "2.1") != 0)
                kz_stix__report(vc, KZ_STIX_ERROR,
                                "\"%.*s%s\" is not a supported spec_version (expected \"2.1\")",
                                KZ_Q(json_string_value(v), json_string_length(v)));
            break;
        case KZ_PK_TYPE:
            if (!want_string(vc, spec, v))
                break;
            s = json_string_value(v);
            n = json_string_length(v);
            if (!kz_stix__type_name_ok(s, n))
                kz_stix__report(vc, KZ_STIX_ERROR,
                                "\"%.*s%s\" is not a valid type name (expected 3 to 250 "
                                "characters of a-z, 0-9 and single hyphens)",
                                KZ_Q(s, n));
            break;
        case KZ_PK_ID:
            check_id(vc, spec, v);
            break;
        case KZ_PK_ANY:
            break;
    }
}

void kz_stix__check_value(kz_vctx *vc, const kz_pspec *spec, const json_t *v)
{
    size_t i;
    json_t *e;

    if (!(spec->flags & KZ_PF_LIST)) {
        check_one(vc, spec, v);
        return;
    }
    if (!json_is_array(v)) {
        kz_stix__report(vc, KZ_STIX_ERROR, "expected a list of %s, got %s", kind_desc(spec),
                        kz_stix__kind_name(v));
        return;
    }
    if (json_array_size(v) == 0) {
        kz_stix__report(vc, KZ_STIX_ERROR, "is an empty list (omit the property instead)");
        return;
    }
    json_array_foreach(v, i, e) {
        kz_stix__push_idx(vc, i);
        check_one(vc, spec, e);
        kz_stix__pop(vc);
    }
}

const char *kz_stix__common_unsorted(void)
{
    const kz_ptable *ts[] = {&common_t, &extref_t, &kcp_t, &granular_t};

    for (size_t k = 0; k < KZ_NELEM(ts); k++)
        for (size_t i = 1; i < ts[k]->n; i++)
            if (strcmp(ts[k]->p[i - 1].name, ts[k]->p[i].name) >= 0)
                return ts[k]->p[i].name;
    return NULL;
}
