/*
 * utf8.c - UTF-8 validity and Unicode Normalization Form C (core.h). The normal form comes from
 * utf8proc (docs/dependencies.md); ASCII, the common case, is recognised without decoding.
 */
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kizuna/core.h"

size_t kz_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    /* Overlong three- and four-byte forms, surrogates and code points past U+10FFFF are told by
     * the second byte. */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (avail < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

bool kz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k;

    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if ((k = kz_utf8_seq(p + i, n - i)) == 0)
            return false;
        i += k;
    }
    return true;
}

static bool is_ascii(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t acc = 0;
    size_t i = 0;

#ifdef __SSE2__
    for (; i + 16 <= n; i += 16)
        if (_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i))) != 0)
            return false;
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= p[i];
    return (acc & 0x8080808080808080ull) == 0;
}

kz_rc kz_utf8_nfc(kz_sv s, kz_buf *out, kz_sv *res)
{
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    utf8proc_ssize_t need, len;
    size_t room;
    kz_rc rc;

    *res = s;
    if (is_ascii(s.p, s.n))
        return KZ_OK;
    if (!kz_utf8_valid(s.p, s.n) || s.n > (size_t)INT32_MAX / 4)
        return KZ_EINVAL;
    /* Decomposed into code points (4 bytes each) in out's memory, then recomposed and encoded in
     * place, as utf8proc_map does without its allocations. A decomposition rarely has more code
     * points than the text has bytes; when it has, the first call says how many. */
    kz_buf_reset(out);
    room = s.n + 8;
    for (;;) {
        if (room > out->max / 4)
            return KZ_ELIMIT;
        if ((rc = kz_buf_reserve(out, room * 4)) != KZ_OK)
            return rc;
        need = utf8proc_decompose((const utf8proc_uint8_t *)s.p, (utf8proc_ssize_t)s.n,
                                  (utf8proc_int32_t *)(void *)out->p, (utf8proc_ssize_t)room, opt);
        if (need < 0)
            return KZ_EINVAL;
        if ((size_t)need <= room)
            break;
        room = (size_t)need;
    }
    len = utf8proc_reencode((utf8proc_int32_t *)(void *)out->p, need, opt);
    if (len < 0)
        return KZ_EINVAL;
    out->n = (size_t)len;
    out->p[out->n] = '\0';
    if (out->n != s.n || memcmp(out->p, s.p, s.n) != 0)
        *res = (kz_sv){out->p, out->n};
    return KZ_OK;
}
