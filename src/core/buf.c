/*
 * buf.c - string views and a growable byte buffer with a ceiling. Every buffer that grows from
 * untrusted input has a `max`; passing it fails cleanly and leaves the content as it was.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/core.h"

kz_sv kz_sv_c(const char *s)
{
    kz_sv v = {s ? s : "", s ? strlen(s) : 0};
    return v;
}

bool kz_sv_eq(kz_sv a, kz_sv b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool kz_sv_eq_c(kz_sv a, const char *s)
{
    return kz_sv_eq(a, kz_sv_c(s));
}

bool kz_sv_starts(kz_sv a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.n >= n && memcmp(a.p, prefix, n) == 0;
}

void kz_buf_init(kz_buf *b, size_t max)
{
    b->p = NULL;
    b->n = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX / 2;
}

kz_rc kz_buf_reserve(kz_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > b->max || b->n > b->max - extra)
        return KZ_ELIMIT;
    need = b->n + extra + 1;
    if (need <= b->cap)
        return KZ_OK;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 4 ? need : cap * 2;
    if ((p = realloc(b->p, cap)) == NULL)
        return KZ_ENOMEM;
    b->p = p;
    b->cap = cap;
    return KZ_OK;
}

kz_rc kz_buf_append(kz_buf *b, const void *p, size_t n)
{
    kz_rc rc;

    if ((rc = kz_buf_reserve(b, n)) != KZ_OK)
        return rc;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
    return KZ_OK;
}

kz_rc kz_buf_puts(kz_buf *b, const char *s)
{
    return kz_buf_append(b, s, strlen(s));
}

kz_rc kz_buf_printf(kz_buf *b, const char *fmt, ...)
{
    va_list ap;
    int need;
    kz_rc rc;

    va_start(ap, fmt);
    need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        return KZ_EINVAL;
    if ((rc = kz_buf_reserve(b, (size_t)need)) != KZ_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)need + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
    return KZ_OK;
}

void kz_buf_reset(kz_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

void kz_buf_free(kz_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

kz_rc kz_parse_i64(kz_sv s, int64_t min, int64_t max, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0, lim;

    if (s.n == 0)
        return KZ_EINVAL;
    if (s.p[0] == '-' || s.p[0] == '+') {
        neg = s.p[0] == '-';
        i = 1;
        if (s.n == 1)
            return KZ_EINVAL;
    }
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9)
            return KZ_EINVAL;
        if (v > (lim - d) / 10)
            return KZ_ELIMIT;
        v = v * 10 + d;
    }
    {
        int64_t r = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
        if (r < min || r > max)
            return KZ_ELIMIT;
        *out = r;
    }
    return KZ_OK;
}

kz_rc kz_buf_json_str(kz_buf *out, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    kz_rc rc;
    size_t run = 0;

    if ((rc = kz_buf_append(out, "\"", 1)) != KZ_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        size_t en = 2;

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if ((rc = kz_buf_append(out, s + run, i - run)) != KZ_OK)
            return rc;
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default:
                memcpy(esc + 1, "u00", 3);
                esc[4] = hx[c >> 4];
                esc[5] = hx[c & 15];
                en = 6;
        }
        if ((rc = kz_buf_append(out, esc, en)) != KZ_OK)
            return rc;
    }
    if ((rc = kz_buf_append(out, s + run, n - run)) != KZ_OK)
        return rc;
    return kz_buf_append(out, "\"", 1);
}

bool kz_parse_ipv4(const char *s, size_t n, uint32_t *addr)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t a = 0;
    size_t i = 0;

    if (n < 7 || n > 15)
        return false;
    for (int part = 0; part < 4; part++) {
        unsigned v, d;
        if (part > 0 && (i >= n || p[i++] != '.'))
            return false;
        if (i >= n || (v = (unsigned)p[i] - '0') > 9)
            return false;
        i++;
        if (i < n && (d = (unsigned)p[i] - '0') <= 9) {
            if (v == 0) /* a leading zero */
                return false;
            v = v * 10 + d;
            i++;
            if (i < n && (d = (unsigned)p[i] - '0') <= 9) {
                v = v * 10 + d;
                i++;
                if (v > 255)
                    return false;
            }
        }
        a = a << 8 | v;
    }
    *addr = a;
    return i == n;
}
