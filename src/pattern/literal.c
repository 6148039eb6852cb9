/*
 * literal.c - the bodies of quoted constants, decoded strictly into arena memory: strings (only
 * \' and \\ are escapes), h'..' hex (pairs of hex digits), b'..' base64 (RFC 4648 alphabet,
 * padded, unused bits zero, so that every byte string has exactly one spelling), and floats read
 * independently of the process locale.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pattern_int.h"

kz_rc kz_pat_decode_string(kz_pat_arena *a, kz_sv body, size_t body_off, kz_sv *out, kz_err *err)
{
    char *p;
    size_t n = 0;

    (void)body_off; /* the lexer already refused bad escapes */
    if ((p = kz_pat_arena_alloc(a, body.n + 1)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory decoding a string");
    for (size_t i = 0; i < body.n; i++) {
        if (body.p[i] == '\\' && i + 1 < body.n)
            i++;
        p[n++] = body.p[i];
    }
    p[n] = '\0';
    *out = (kz_sv){p, n};
    return KZ_OK;
}

kz_rc kz_pat_decode_hex(kz_pat_arena *a, kz_sv body, size_t body_off, kz_sv *out, kz_err *err)
{
    unsigned char *p;

    for (size_t i = 0; i < body.n; i++)
        if (kz_hexval((unsigned char)body.p[i]) < 0)
            return kz_fail(err, KZ_EINVAL,
                           "position %zu: h'...' holds hex digits only (0-9, a-f, A-F)",
                           body_off + i + 1);
    if (body.n % 2 != 0)
        return kz_fail(err, KZ_EINVAL,
                       "position %zu: h'...' needs an even number of hex digits (two per byte), "
                       "it has %zu",
                       body_off - 1, body.n);
    if ((p = kz_pat_arena_alloc(a, body.n / 2 + 1)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory decoding a hex constant");
    (void)kz_pat_hex_decode(body.p, body.n, p); /* checked above: cannot fail */
    *out = (kz_sv){(const char *)p, body.n / 2};
    return KZ_OK;
}

bool kz_pat_hex_decode(const char *s, size_t n, unsigned char *out)
{
    if (n % 2 != 0)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int h = kz_hexval((unsigned char)s[i]), l = kz_hexval((unsigned char)s[i + 1]);
        if (h < 0 || l < 0)
            return false;
        out[i / 2] = (unsigned char)(h << 4 | l);
    }
    return true;
}

/* Base64 into out, which has room for every byte (pattern_int.h). */
bool kz_pat_b64_decode(const char *s, size_t n, bool canonical, unsigned char *out, size_t *outn)
{
    return kz_b64_decode((kz_sv){s, n}, canonical, out, n / 4 * 3, outn);
}

kz_rc kz_pat_decode_base64(kz_pat_arena *a, kz_sv body, size_t body_off, kz_sv *out, kz_err *err)
{
    size_t pad = 0, data, n = 0;
    unsigned char *p;

    if (body.n % 4 != 0)
        return kz_fail(err, KZ_EINVAL,
                       "position %zu: b'...' must be base64 in groups of 4 characters (padded "
                       "with '='), it has %zu",
                       body_off - 1, body.n);
    while (pad < 2 && pad < body.n && body.p[body.n - 1 - pad] == '=')
        pad++;
    data = body.n - pad;
    for (size_t i = 0; i < body.n; i++) {
        unsigned char c = (unsigned char)body.p[i];
        if (i < data && kz_b64val(c) < 0)
            return kz_fail(err, KZ_EINVAL,
                           "position %zu: %s in b'...': base64 uses A-Z a-z 0-9 + / and '=' only "
                           "at the end",
                           body_off + i + 1, c == '=' ? "'=' too early" : "not a base64 character");
    }
    if (pad > 0 && data % 4 < 2)
        return kz_fail(err, KZ_EINVAL, "position %zu: too much '=' padding in b'...'",
                       body_off + data + 1);
    if ((p = kz_pat_arena_alloc(a, data / 4 * 3 + 3)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory decoding a binary constant");
    /* The characters and the padding are checked above; what can still fail is canonicity. */
    if (!kz_pat_b64_decode(body.p, body.n, true, p, &n))
        return kz_fail(err, KZ_EINVAL,
                       "position %zu: b'...' is not canonical base64: the bits after the last "
                       "byte must be zero",
                       body_off + data);
    *out = (kz_sv){(const char *)p, n};
    return KZ_OK;
}

kz_rc kz_pat_base64_encode(kz_sv bytes, kz_buf *out)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = (const unsigned char *)bytes.p;
    kz_rc rc;

    for (size_t i = 0; i < bytes.n; i += 3) {
        char q[4];
        uint32_t v = (uint32_t)s[i] << 16;
        size_t left = bytes.n - i;
        if (left > 1)
            v |= (uint32_t)s[i + 1] << 8;
        if (left > 2)
            v |= s[i + 2];
        q[0] = al[v >> 18 & 63];
        q[1] = al[v >> 12 & 63];
        q[2] = left > 1 ? al[v >> 6 & 63] : '=';
        q[3] = left > 2 ? al[v & 63] : '=';
        if ((rc = kz_buf_append(out, q, 4)) != KZ_OK)
            return rc;
    }
    return KZ_OK;
}

kz_rc kz_pat_parse_float(kz_sv text, double *out)
{
    char small[64], *s = small, *end = NULL;
    locale_t c_loc;
    kz_rc rc = KZ_ENOMEM;
    double v;

    if (text.n >= sizeof small && (s = malloc(text.n + 1)) == NULL)
        return KZ_ENOMEM;
    memcpy(s, text.p, text.n);
    s[text.n] = '\0';
    /* strtod obeys LC_NUMERIC; a pattern's '.' must not depend on the process locale. */
    if ((c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0)) == (locale_t)0)
        goto out;
    errno = 0;
    v = strtod_l(s, &end, c_loc);
    freelocale(c_loc);
    rc = KZ_EINVAL;
    if (end != s + text.n)
        goto out;
    rc = KZ_ELIMIT;
    if (isinf(v) || isnan(v))
        goto out;
    *out = v;
    rc = KZ_OK;
out:
    if (s != small)
        free(s);
    return rc;
}
