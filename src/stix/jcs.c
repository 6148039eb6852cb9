/*
 * jcs.c - the JSON Canonicalization Scheme (RFC 8785), which STIX 2.1 uses to turn the ID
 * contributing properties of a cyber-observable into the name of its UUIDv5: object members
 * sorted by the UTF-16 code units of their names, no whitespace, strings escaped as ECMAScript's
 * JSON.stringify does, and numbers written as ECMAScript writes a double.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate_int.h"

/* Decodes one UTF-8 sequence (jansson only hands out valid UTF-8). */
static uint32_t utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int len = 1;

    if (c >= 0xf0) {
        c &= 0x07;
        len = 4;
    } else if (c >= 0xe0) {
        c &= 0x0f;
        len = 3;
    } else if (c >= 0xc0) {
        c &= 0x1f;
        len = 2;
    }
    for (int i = 1; i < len && s[i] != 0; i++)
        c = (c << 6) | (s[i] & 0x3f);
    *p = s + len;
    return c;
}

/* The first UTF-16 code unit of a code point: supplementary ones start with a high surrogate. */
static uint32_t utf16_lead(uint32_t c)
{
    return c >= 0x10000 ? 0xd800 + ((c - 0x10000) >> 10) : c;
}

static int utf16_cmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    while (*p != 0 && *q != 0) {
        uint32_t x = utf8_next(&p), y = utf8_next(&q);
        if (x == y)
            continue;
        if ((x >= 0x10000) == (y >= 0x10000))
            return x < y ? -1 : 1;
        /* One is supplementary: the high surrogate never equals a valid BMP code point. */
        return utf16_lead(x) < utf16_lead(y) ? -1 : 1;
    }
    return (*p != 0) - (*q != 0);
}

static int key_cmp(const void *a, const void *b)
{
    return utf16_cmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * ECMAScript's Number::toString for a finite double: the shortest digits that read back as the
 * same double, then plain notation for exponents from -6 to 21 and e-notation outside.
 */
static kz_rc put_number(kz_buf *out, double d)
{
    char tmp[40], digits[24];
    int prec, exp10, k = 0;
    char *e;

    if (d == 0)
        return kz_buf_append(out, "0", 1);
    if (d < 0) {
        kz_rc rc = kz_buf_append(out, "-", 1);
        if (rc != KZ_OK)
            return rc;
        d = -d;
    }
    for (prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp is d.ddde[+-]xx */
    for (const char *p = tmp; *p != 'e' && *p != '\0'; p++)
        if (*p >= '0' && *p <= '9' && k < (int)sizeof digits - 1)
            digits[k++] = *p;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    e = strchr(tmp, 'e');
    exp10 = e != NULL ? (int)strtol(e + 1, NULL, 10) : 0;
    int n = exp10 + 1; /* the decimal point sits after n digits */

    if (k <= n && n <= 21) {
        if (kz_buf_append(out, digits, (size_t)k) != KZ_OK)
            return KZ_ENOMEM;
        for (int i = k; i < n; i++)
            if (kz_buf_append(out, "0", 1) != KZ_OK)
                return KZ_ENOMEM;
        return KZ_OK;
    }
    if (0 < n && n <= 21)
        return kz_buf_printf(out, "%.*s.%s", n, digits, digits + n);
    if (-6 < n && n <= 0) {
        if (kz_buf_append(out, "0.", 2) != KZ_OK)
            return KZ_ENOMEM;
        for (int i = n; i < 0; i++)
            if (kz_buf_append(out, "0", 1) != KZ_OK)
                return KZ_ENOMEM;
        return kz_buf_append(out, digits, (size_t)k);
    }
    if (k == 1)
        return kz_buf_printf(out, "%ce%c%d", digits[0], n - 1 >= 0 ? '+' : '-', abs(n - 1));
    return kz_buf_printf(out, "%c.%se%c%d", digits[0], digits + 1, n - 1 >= 0 ? '+' : '-',
                         abs(n - 1));
}

static kz_rc jcs(const json_t *v, kz_buf *out, size_t depth)
{
    kz_rc rc = KZ_OK;

    if (depth == 0)
        return KZ_ELIMIT;
    switch (json_typeof(v)) {
        case JSON_NULL: return kz_buf_append(out, "null", 4);
        case JSON_TRUE: return kz_buf_append(out, "true", 4);
        case JSON_FALSE: return kz_buf_append(out, "false", 5);
        case JSON_INTEGER: {
            json_int_t i = json_integer_value(v);
            /* Exact below 2^53; above, ECMAScript would hold (and print) the nearest double. */
            if (i > -9007199254740992LL && i < 9007199254740992LL)
                return kz_buf_printf(out, "%lld", (long long)i);
            return put_number(out, (double)i);
        }
        case JSON_REAL: return put_number(out, json_real_value(v));
        case JSON_STRING: return kz_buf_json_str(out, json_string_value(v), json_string_length(v));
        case JSON_ARRAY: {
            size_t i;
            json_t *e;
            if ((rc = kz_buf_append(out, "[", 1)) != KZ_OK)
                return rc;
            json_array_foreach(v, i, e) {
                if (i > 0 && (rc = kz_buf_append(out, ",", 1)) != KZ_OK)
                    return rc;
                if ((rc = jcs(e, out, depth - 1)) != KZ_OK)
                    return rc;
            }
            return kz_buf_append(out, "]", 1);
        }
        case JSON_OBJECT: {
            size_t n = json_object_size(v), i = 0;
            const char **keys;
            const char *key;
            json_t *e;

            if ((keys = malloc((n ? n : 1) * sizeof *keys)) == NULL)
                return KZ_ENOMEM;
            json_object_foreach((json_t *)v, key, e) keys[i++] = key;
            qsort(keys, n, sizeof *keys, key_cmp);
            rc = kz_buf_append(out, "{", 1);
            for (i = 0; rc == KZ_OK && i < n; i++) {
                if (i > 0 && (rc = kz_buf_append(out, ",", 1)) != KZ_OK)
                    break;
                if ((rc = kz_buf_json_str(out, keys[i], strlen(keys[i]))) != KZ_OK ||
                    (rc = kz_buf_append(out, ":", 1)) != KZ_OK)
                    break;
                rc = jcs(json_object_get(v, keys[i]), out, depth - 1);
            }
            free(keys);
            if (rc != KZ_OK)
                return rc;
            return kz_buf_append(out, "}", 1);
        }
    }
    return KZ_EINVAL;
}

kz_rc kz_stix__jcs(const json_t *v, kz_buf *out, size_t max_depth)
{
    return jcs(v, out, max_depth == 0 ? 64 : max_depth);
}
