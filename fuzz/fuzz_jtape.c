/*
 * fuzz_jtape.c - libFuzzer target for the JSON tape (src/core/jtape.c), held to jansson: the
 * first byte picks the flags (KZ_JT_ANY, KZ_JT_REJECT_DUPLICATES and their jansson twins), the
 * rest is the document. Both must accept or both reject it; when they accept, every value must
 * be the same: kinds, strings byte for byte, integers, reals, each object's members (by name,
 * with jansson's last-one-wins for names given twice, found through kz_jt_get too) and arrays
 * element by element. One difference is allowed: jansson lets a NUL byte right after a number
 * or true/false/null pass (it gives the byte back to its stream, which then takes a NUL for "no
 * byte held" and reads on), so with a NUL in the document only "the tape accepts, so does
 * jansson" is required.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kizuna/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void differ(const char *what)
{
    fprintf(stderr, "fuzz_jtape: the tape and jansson differ: %s\n", what);
    abort();
}

static void same(const kz_jtape *t, uint32_t v, const json_t *j)
{
    switch (json_typeof(j)) {
        case JSON_OBJECT: {
            const char *key;
            size_t n = 0;
            json_t *jv;
            if (kz_jt_kind_of(t, v) != KZ_JT_OBJECT || kz_jt_len(t, v) != json_object_size(j))
                differ("an object");
            for (uint32_t k = kz_jt_member_first(t, v); k != KZ_JT_NIL;
                 k = kz_jt_member_next(t, v, k)) {
                kz_sv name = kz_jt_str(t, k);
                char *c = strndup(name.p, name.n);
                if (c == NULL)
                    abort();
                if ((jv = json_object_getn(j, name.p, name.n)) == NULL)
                    differ("a member name");
                if (strlen(c) == name.n && kz_jt_get(t, v, c) != k + 1)
                    differ("kz_jt_get");
                free(c);
                same(t, k + 1, jv);
                n++;
            }
            if (n != json_object_size(j))
                differ("an object's member count");
            json_object_foreach((json_t *)j, key, jv)
                if (kz_jt_get(t, v, key) == KZ_JT_NIL)
                    differ("a member the tape lacks");
            break;
        }
        case JSON_ARRAY: {
            size_t i = 0;
            uint32_t e;
            if (kz_jt_kind_of(t, v) != KZ_JT_ARRAY || kz_jt_len(t, v) != json_array_size(j))
                differ("an array");
            for (e = kz_jt_elem_first(t, v); e != KZ_JT_NIL; e = kz_jt_elem_next(t, v, e))
                same(t, e, json_array_get(j, i++));
            if (i != json_array_size(j))
                differ("an array's length");
            break;
        }
        case JSON_STRING: {
            kz_sv s = kz_jt_str(t, v);
            if (kz_jt_kind_of(t, v) != KZ_JT_STRING || s.n != json_string_length(j) ||
                memcmp(s.p, json_string_value(j), s.n) != 0)
                differ("a string");
            break;
        }
        case JSON_INTEGER: {
            int64_t x;
            if (!kz_jt_int(t, v, &x) || x != (int64_t)json_integer_value(j))
                differ("an integer");
            break;
        }
        case JSON_REAL: {
            double d;
            if (kz_jt_kind_of(t, v) != KZ_JT_REAL || !kz_jt_real(t, v, &d) ||
                d != json_real_value(j))
                differ("a real");
            break;
        }
        case JSON_TRUE:
            if (kz_jt_kind_of(t, v) != KZ_JT_TRUE)
                differ("true");
            break;
        case JSON_FALSE:
            if (kz_jt_kind_of(t, v) != KZ_JT_FALSE)
                differ("false");
            break;
        case JSON_NULL:
            if (kz_jt_kind_of(t, v) != KZ_JT_NULL)
                differ("null");
            break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kz_jtape *t;
    unsigned flags;
    size_t jflags;
    json_error_t je;
    json_t *j;
    kz_err err;
    kz_rc rc;

    if (size < 1)
        return 0;
    if (t == NULL && (t = kz_jtape_new(2048)) == NULL) /* jansson's JSON_PARSER_MAX_DEPTH */
        abort();
    flags = data[0] & (KZ_JT_ANY | KZ_JT_REJECT_DUPLICATES);
    jflags = (flags & KZ_JT_ANY ? JSON_DECODE_ANY : 0) |
             (flags & KZ_JT_REJECT_DUPLICATES ? JSON_REJECT_DUPLICATES : 0);
    j = json_loadb((const char *)data + 1, size - 1, jflags, &je);
    rc = kz_jtape_parse(t, (const char *)data + 1, size - 1, flags, &err);
    if (rc == KZ_ENOMEM)
        abort();
    if (j != NULL && rc != KZ_OK && memchr(data + 1, 0, size - 1) != NULL) {
        json_decref(j);
        return 0; /* jansson's lost NUL (above) */
    }
    if ((j != NULL) != (rc == KZ_OK)) {
        fprintf(stderr, "jansson: %s\ntape: %s\n", j ? "accepted" : je.text,
                rc == KZ_OK ? "accepted" : err.msg);
        differ("one accepts, the other rejects");
    }
    if (j != NULL)
        same(t, 0, j);
    json_decref(j);
    return 0;
}
