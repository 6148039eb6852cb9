/*
 * log_text.c - plain text logs: every whole token of a line that is an observable.
 *
 * A token is a maximal run of letters, digits, bytes >= 0x80 and the characters . - _ @ : % +
 * Anything else ends it: white space, quotes, brackets, parentheses, commas, ';', '=', '/',
 * '<', '>', '|', ... so "src=1.2.3.4," gives 1.2.3.4 but "x1.2.3.4" and "évil.example" give
 * nothing (a value is never a substring of a longer token). Leading and trailing dots of a token
 * are dropped ("evil.example.com." is evil.example.com). Defanged forms ("evil[.]com",
 * "hxxp://") are left alone: they are not observables.
 *
 * Fields of a text record:
 *   ipv4-addr value           4 decimal octets 0-255, no leading zeros ("01.2.3.4" is not one)
 *   ipv6-addr value           what inet_pton takes, a zone ("%eth0") dropped, written canonically
 *   email-addr value          local@domain, local of [A-Za-z0-9._%+-], the domain as below
 *   url value                 http://, https:// or ftp:// (scheme as a whole token) up to white
 *                             space or one of " ' < > ` { } | \ ^; trailing . , ; : ! ? and
 *                             unbalanced ) ] dropped; its host also as domain-name or address
 *   domain-name value         two or more labels of letters, digits and '-' (not at a label's
 *                             ends), a top-level label of 2-63 letters or xn--; lower-cased
 *   file hashes.MD5 / 'SHA-1' / 'SHA-256'    exactly 32 / 40 / 64 hex digits, lower-cased
 * A token with ':' that is no IPv6 address is split at its colons and each part looked at, so
 * "1.2.3.4:443", "host:evil.example" and "sha1:<40 hex>" give their values.
 *
 * Time: has_time when the line starts with an ISO 8601 / RFC 3339 date and time
 * ("2024-01-02T03:04:05Z", "2024-01-02 03:04:05,123", with or without an offset; none is UTC).
 * Syslog's "Jan  2 03:04:05" has no year and is not read. "log" is "text".
 *
 * Speed: one 256-entry class table; the hot loop looks at 16 bytes at a time (SSE2; else each
 * byte with a table load and a hex run counter) and stops only at '.', ':' or '@' or in a run
 * of hex digits that may be a hash: then the token around it is found and looked at (a hash
 * must be 32, 40 or 64 hex digits exactly).
 * No allocation per line: values are views into the line, or copies in the
 * reader's arena when they must be lower-cased or canonicalised.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "log_int.h"

enum {
    C_TOK = 0x01,   /* part of a token */
    C_HEX = 0x02,   /* 0-9 a-f A-F */
    C_DOT = 0x04,   /* . */
    C_COLON = 0x08, /* : */
    C_AT = 0x10,    /* @ */
    C_STOP = 0x20,  /* ends a URL */
    C_DIGIT = 0x40,
    C_ALPHA = 0x80,
};

/* Generated: see the enum above for what each bit means. */
static const unsigned char cls[256] = {
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x00, 0x20, 0x00, 0x00, 0x01, 0x00, 0x20, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x05, 0x00,
    0x43, 0x43, 0x43, 0x43, 0x43, 0x43, 0x43, 0x43, 0x43, 0x43, 0x09, 0x00, 0x20, 0x00, 0x20, 0x00,
    0x11, 0x83, 0x83, 0x83, 0x83, 0x83, 0x83, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
    0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x20, 0x83, 0x83, 0x83, 0x83, 0x83, 0x83, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
    0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x20, 0x20, 0x20, 0x00, 0x20,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
};

#ifdef __SSE2__
/* The classes of 16 bytes as bit masks (bit i for byte i). */
typedef struct {
    unsigned alpha, digit, hyphen, dot, upper;
} dom_masks;

static inline dom_masks dom_classes(__m128i v)
{
    const __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
    /* Signed compares: bytes >= 0x80 are negative and so neither letters nor digits. */
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                                  _mm_cmpgt_epi8(_mm_set1_epi8('z' + 1), l));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
    __m128i upper = _mm_and_si128(alpha, _mm_cmpgt_epi8(_mm_set1_epi8('Z' + 1), v));

    return (dom_masks){(unsigned)_mm_movemask_epi8(alpha), (unsigned)_mm_movemask_epi8(digit),
                       (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('-'))),
                       (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))),
                       (unsigned)_mm_movemask_epi8(upper)};
}

/*
 * domain_ok for 4 <= n <= 32 bytes with 32 bytes readable at p, from bit masks of the byte
 * classes instead of a loop with a branch per byte: every byte a letter, digit, '-' or '.'; no
 * empty label (no '.' first, last or twice in a row); no '-' next to a '.' or at an end; a '.'
 * at all; the last label letters only (two or more), or xn-- and more. Labels cannot pass 63.
 */
static bool domain_short(const unsigned char *p, size_t n, bool *upper)
{
    dom_masks a = dom_classes(_mm_loadu_si128((const __m128i *)(const void *)p));
    dom_masks b = dom_classes(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)));
    uint32_t in = n == 32 ? 0xffffffffu : (1u << n) - 1, first = 1, last = 1u << (n - 1);
    uint32_t alpha = (a.alpha | b.alpha << 16) & in, digit = (a.digit | b.digit << 16) & in;
    uint32_t hyphen = (a.hyphen | b.hyphen << 16) & in, dot = (a.dot | b.dot << 16) & in;
    uint32_t tld;
    unsigned ld;

    *upper = ((a.upper | b.upper << 16) & in) != 0;
    if ((alpha | digit | hyphen | dot) != in || dot == 0 || (dot & (first | last | dot >> 1)) ||
        (hyphen & (first | last | dot << 1 | dot >> 1)))
        return false;
    ld = 31u - (unsigned)__builtin_clz(dot); /* the last '.' */
    tld = in & ~((2u << ld) - 1);
    if ((alpha & tld) == tld)
        return n - ld - 1 >= 2;
    return n - ld - 1 >= 5 && strncasecmp((const char *)p + ld + 1, "xn--", 4) == 0;
}
#endif

/* True when p is a domain name by the strict rule above; *upper says whether it has capitals.
 * room: the bytes readable at p (n or more; with 32 the masks above decide). */
static bool domain_ok(const unsigned char *p, size_t n, size_t room, bool *upper)
{
    size_t label = 0, labels = 0, last = 0;
    bool tld_alpha = true, alpha = true; /* alpha: the label so far is all letters */

    *upper = false;
    if (n < 4 || n > 253)
        return false;
#ifdef __SSE2__
    if (n <= 32 && room >= 32)
        return domain_short(p, n, upper);
#else
    (void)room;
#endif
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '.') {
            if (label == 0 || label > 63 || p[i - 1] == '-')
                return false;
            labels++;
            last = i - label;
            tld_alpha = alpha;
            alpha = true;
            label = 0;
            continue;
        }
        if (cls[p[i]] & C_ALPHA) {
            *upper |= p[i] <= 'Z';
        } else if (!(cls[p[i]] & C_DIGIT) && !(p[i] == '-' && label > 0)) {
            return false;
        } else {
            alpha = false;
        }
        label++;
    }
    if (labels < 2)
        return false;
    if (tld_alpha)
        return n - last >= 2;
    return n - last >= 5 && strncasecmp((const char *)p + last, "xn--", 4) == 0;
}

/* Adds a domain name found in text, lower-cased when it has capitals. */
static void add_domain(kz_log_reader *r, const unsigned char *p, size_t n, bool upper)
{
    if (upper)
        kz__rec_add_copy(r, "domain-name", "value", (const char *)p, n, true);
    else
        kz__rec_add(r, "domain-name", "value", (const char *)p, n);
}

/* True when p is an e-mail address by the strict rule above (room: bytes readable at p). */
static bool email_ok(const unsigned char *p, size_t n, size_t room)
{
    const unsigned char *at = memchr(p, '@', n);
    size_t local;
    bool upper;

    if (at == NULL || memchr(at + 1, '@', n - (size_t)(at - p) - 1) != NULL)
        return false;
    local = (size_t)(at - p);
    if (local == 0 || local > 64 || p[0] == '.' || p[local - 1] == '.')
        return false;
    for (size_t i = 0; i < local; i++)
        if (!(cls[p[i]] & (C_DIGIT | C_ALPHA)) && p[i] != '.' && p[i] != '_' && p[i] != '%' &&
            p[i] != '+' && p[i] != '-')
            return false;
    return domain_ok(at + 1, n - local - 1, room - local - 1, &upper);
}

/* An IPv6 address (a zone after '%' dropped) or false. */
static bool try_ipv6(kz_log_reader *r, const unsigned char *p, size_t n)
{
    size_t colons = 0;

    /* One pass up to the zone: most tokens with a colon ("kernel:", a MAC address) fail at
     * their first byte that is not hex, or on the count of colons. */
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ':') {
            if (++colons > 8) /* a MAC address, a list of ports */
                return false;
        } else if (p[i] == '%') {
            n = i;
            break;
        } else if (!(cls[p[i]] & C_HEX) && p[i] != '.') {
            return false;
        }
    }
    if (n < 2 || n > 45 || (n == 2 && p[0] == ':' && p[1] == ':'))
        return false;
    /* Eight groups have seven colons, eight with a "::" at an end: a MAC address has more. */
    return colons >= 2 && colons <= 8 && kz__rec_ip(r, (const char *)p, n, KZ__IP_ONLY);
}

/* One part of a token (no ':' in it): an e-mail address, an IPv4 address, a domain, a hash.
 * any and all are the OR and AND of the classes of p[0, n) when the caller has them (have);
 * room: the bytes readable at p (the rest of the line). */
static void part(kz_log_reader *r, const unsigned char *p, size_t n, size_t room, bool have,
                 unsigned any, unsigned all)
{
    uint32_t addr;
    bool upper;

    if (n > 0 && (p[n - 1] == '.' || p[0] == '.')) {
        while (n > 0 && p[n - 1] == '.')
            n--;
        while (n > 0 && p[0] == '.') {
            p++;
            n--;
            room--;
        }
        have = false;
    }
    if (!have) {
        any = 0;
        all = C_HEX;
        for (size_t i = 0; i < n; i++) {
            any |= cls[p[i]];
            all &= cls[p[i]];
        }
    }
    if (any & C_AT) {
        if (email_ok(p, n, room))
            (void)kz__rec_email(r, (const char *)p, n);
    } else if (any & C_DOT) {
        if (!(any & C_ALPHA)) {
            if (kz_parse_ipv4((const char *)p, n, &addr))
                kz__rec_add_ipv4(r, (const char *)p, n, addr);
        } else if (domain_ok(p, n, room, &upper)) {
            add_domain(r, p, n, upper);
        }
    } else if ((all & C_HEX) && (n == 32 || n == 40 || n == 64)) {
        kz__rec_hash_hex(r, "file", (const char *)p, n);
    }
}

/* A token holding '.', ':' or '@'; any and all: the OR and AND of its bytes' classes; room: the
 * bytes readable at p. */
static void token(kz_log_reader *r, const unsigned char *p, size_t n, size_t room, unsigned any,
                  unsigned all)
{
    if (!(any & C_COLON)) {
        part(r, p, n, room, true, any, all);
        return;
    }
    if (try_ipv6(r, p, n))
        return;
    /* Without a '.' or '@' a part can only be a hash, of 32 bytes or more ("kernel:", ":"). */
    if (!(any & (C_DOT | C_AT)) && n <= 32)
        return;
    /* A part shorter than 4 bytes is nothing: a domain has at least 4, an address 7, an e-mail
     * address 6 and a hash 32. */
    for (size_t i = 0, s = 0; i <= n; i++)
        if (i == n || p[i] == ':') {
            if (i >= s + 4)
                part(r, p + s, i - s, room - s, false, 0, 0);
            s = i + 1;
        }
}

/* True when the URL's last byte c is punctuation that ends a sentence, not the URL. */
static bool url_trailer(const unsigned char *p, size_t n)
{
    unsigned char c = p[n - 1];
    int open = 0, close = 0;
    unsigned char o;

    if (memchr(".,;:!?'", c, 7) != NULL)
        return true;
    if (c != ')' && c != ']')
        return false;
    o = c == ')' ? '(' : '[';
    for (size_t i = 0; i < n; i++) {
        open += p[i] == o;
        close += p[i] == c;
    }
    return close > open;
}

/* The host of a URL (after "://", up to the end of the authority) as an address or domain;
 * room: the bytes readable at p. */
static void url_host(kz_log_reader *r, const unsigned char *p, size_t n, size_t room)
{
    size_t i = 0, end = n, start = 0, port = SIZE_MAX;
    uint32_t addr;
    bool upper;

#ifdef __SSE2__
    /* With 32 bytes readable, the authority's end ('/', '?', '#'), the last '@' before it and the
     * first ':' after that from bit masks; an authority longer than that goes the byte way. */
    if (room >= 32) {
        const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
        const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
#define MASK32(c)                                                                                 \
    ((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, _mm_set1_epi8(c))) |                          \
     (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8(c))) << 16)
        uint32_t in = n >= 32 ? 0xffffffffu : (1u << n) - 1;
        uint32_t term = (MASK32('/') | MASK32('?') | MASK32('#')) & in;
        if (term != 0 || n < 32) {
            uint32_t upto, at, colon;
            end = term != 0 ? (size_t)__builtin_ctz(term) : n;
            upto = end >= 32 ? 0xffffffffu : (1u << end) - 1;
            if ((at = MASK32('@') & upto) != 0)
                start = 32 - (size_t)__builtin_clz(at); /* after the last '@' (< end <= 32) */
            colon = MASK32(':') & upto & ~(start >= 32 ? 0xffffffffu : (1u << start) - 1);
            port = colon != 0 ? (size_t)__builtin_ctz(colon) : end;
        }
#undef MASK32
    }
#else
    (void)room;
#endif
    if (port == SIZE_MAX) { /* the byte way */
        const unsigned char *at;
        while (i < n && p[i] != '/' && p[i] != '?' && p[i] != '#')
            i++;
        end = i;
        if ((at = memrchr(p, '@', end)) != NULL) /* user:password@ */
            start = (size_t)(at + 1 - p);
        for (i = start; i < end && p[i] != ':'; i++)
            ;
        port = i;
    }
    if (start < end && p[start] == '[') {
        const unsigned char *rb = memchr(p + start, ']', end - start);
        if (rb != NULL)
            (void)try_ipv6(r, p + start + 1, (size_t)(rb - p - start - 1));
        return;
    }
    room -= start;
    p += start;
    n = port - start;
    while (n > 0 && p[n - 1] == '.')
        n--;
    if (kz_parse_ipv4((const char *)p, n, &addr))
        kz__rec_add_ipv4(r, (const char *)p, n, addr);
    else if (domain_ok(p, n, room, &upper))
        add_domain(r, p, n, upper);
}

/* The first byte at or after j (before n) that ends a URL (C_STOP), or n. With SSE2, 16 bytes
 * at a time: a URL is tens of bytes, and its end is a mispredicted exit of a byte loop. */
static size_t url_end(const unsigned char *p, size_t j, size_t n)
{
#ifdef __SSE2__
    for (; n - j >= 16; j += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
        /* 0x00-0x20 (signed: bytes >= 0x80 are negative and no stop), then the ten others. */
        __m128i st = _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(0x21), v),
                                   _mm_cmpgt_epi8(v, _mm_set1_epi8(-1)));
        st = _mm_or_si128(st, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                           _mm_cmpeq_epi8(v, _mm_set1_epi8('\''))));
        st = _mm_or_si128(st, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
                                           _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
        st = _mm_or_si128(st, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                                           _mm_cmpeq_epi8(v, _mm_set1_epi8('^'))));
        st = _mm_or_si128(st, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('`')),
                                           _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
        /* '{' '|' '}' are 0x7b-0x7d */
        st = _mm_or_si128(st, _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('{' - 1)),
                                            _mm_cmpgt_epi8(_mm_set1_epi8('}' + 1), v)));
        unsigned m = (unsigned)_mm_movemask_epi8(st);
        if (m != 0)
            return j + (size_t)__builtin_ctz(m);
    }
#endif
    while (j < n && !(cls[p[j]] & C_STOP))
        j++;
    return j;
}

/*
 * A URL whose scheme token is p[s, i) and whose "//" starts at i. Returns where the scan goes
 * on: after the URL, or after "//" when there is no host.
 */
static size_t url(kz_log_reader *r, const unsigned char *p, size_t s, size_t i, size_t n)
{
    size_t j = i + 2, host = j;

    j = url_end(p, j, n);
    while (j > host && url_trailer(p + s, j - s))
        j--;
    if (j == host || p[host] == '/')
        return i + 2;
    kz__rec_add(r, "url", "value", (const char *)p + s, j - s);
    url_host(r, p + host, j - host, n - host);
    return j;
}

/* True when p[s, i) is a URL scheme we take and "//" follows. */
static bool url_scheme(const unsigned char *p, size_t s, size_t i, size_t n)
{
    size_t len = i - s;
    uint64_t w = 0;

    if (i + 2 >= n || p[i] != '/' || p[i + 1] != '/' || p[i - 1] != ':' || len < 4 || len > 6)
        return false;
    /* The scheme's letters folded to lower case (':' has 0x20 set already), little-endian. */
    for (size_t k = 0; k < len; k++)
        w |= (uint64_t)(p[s + k] | 0x20) << (8 * k);
    return w == 0x3a70747468ull /* "http:" */ || w == 0x3a7370747468ull /* "https:" */ ||
           w == 0x3a707466ull /* "ftp:" */;
}

/*
 * A position i' >= i where a token may be interesting: a '.', ':' or '@', or a hex digit of a
 * run that may be a hash; n when there is none. Byte by byte this is a table load and a hex
 * run counter (the 32nd hex digit in a row). With SSE2 it looks at 16 bytes at a time and
 * stops at a block's first '.', ':' or '@', or at the start of a block of 16 hex digits: a run
 * of 32 or more holds a whole block whatever the blocks' alignment (and a run shorter than 16
 * in the last bytes, looked at one by one, is no hash). The token around a stop is looked at
 * whole, so stopping early in a run only costs that look.
 */
static size_t next_interesting(const unsigned char *p, size_t i, size_t n)
{
    unsigned hex = 0; /* hex digits in a row just before i */

#ifdef __SSE2__
    const __m128i dot = _mm_set1_epi8('.'), colon = _mm_set1_epi8(':'), at = _mm_set1_epi8('@');
    const __m128i d0 = _mm_set1_epi8('0' - 1), d9 = _mm_set1_epi8('9' + 1);
    const __m128i la = _mm_set1_epi8('a' - 1), lf = _mm_set1_epi8('f' + 1);
    const __m128i lower = _mm_set1_epi8(0x20);

    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i l = _mm_or_si128(v, lower);
        /* Signed compares: bytes >= 0x80 are negative and so neither digits nor letters. */
        __m128i isdig = _mm_and_si128(_mm_cmpgt_epi8(v, d0), _mm_cmpgt_epi8(d9, v));
        __m128i isaf = _mm_and_si128(_mm_cmpgt_epi8(l, la), _mm_cmpgt_epi8(lf, l));
        __m128i sp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, colon)),
                                  _mm_cmpeq_epi8(v, at));
        unsigned spm = (unsigned)_mm_movemask_epi8(sp);
        unsigned hm = (unsigned)_mm_movemask_epi8(_mm_or_si128(isdig, isaf));

        if ((spm | ((hm + 1) >> 16)) != 0) /* a special byte, or sixteen hex digits */
            return spm != 0 ? i + (size_t)__builtin_ctz(spm) : i;
    }
#endif
    for (; i < n; i++) { /* branch-free but for the exit: hex is 0 unless C_HEX */
        unsigned c = cls[p[i]];
        hex = (hex + 1) & (0u - ((c & C_HEX) >> 1));
        if ((c & (C_DOT | C_COLON | C_AT)) | (hex >> 5))
            break;
    }
    return i;
}

/* One text line (see the top of the file). */
kz__line_result kz__text_line(kz_log_reader *r, kz_sv line)
{
    const unsigned char *p = (const unsigned char *)line.p;
    size_t n = line.n, i = 0, done = 0;

    r->rec.log = "text";
    if (n >= 19 && (cls[p[0]] & C_DIGIT) && p[4] == '-') {
        size_t used = kz__iso_time(line.p, n, &r->rec.time);
        r->rec.has_time = used > 0;
        i = done = used;
    }
    while (i < n) {
        size_t s, j;
        unsigned any = 0, all = C_HEX;

        if ((i = next_interesting(p, i, n)) == n)
            break;
        /* A ':' that ends its token ("kernel: ", "sshd[52099]: ", in nearly every syslog line)
         * and is the token's first '.', ':' or '@' (the loop stops at the first) ends a token of
         * letters, digits and - _ % + that cannot be a hash either (a run of 31 hex digits or
         * more holds a whole block, where the loop stops first): no value, decided here. Unless
         * "//" may follow it: "http:" starts a URL. */
        if (p[i] == ':' && (i + 1 == n || !(cls[p[i + 1]] & C_TOK)) &&
            (i + 1 == n || p[i + 1] != '/' || i == done || !(cls[p[i - 1]] & C_TOK))) {
            i = done = i + 1;
            continue;
        }
        /* Find the token's ends and the classes of its bytes in the same two loops. */
        for (s = i; s > done && (cls[p[s - 1]] & C_TOK); s--) {
            any |= cls[p[s - 1]];
            all &= cls[p[s - 1]];
        }
        for (j = i; j < n && (cls[p[j]] & C_TOK); j++) {
            any |= cls[p[j]];
            all &= cls[p[j]];
        }
        if ((any & C_COLON) && url_scheme(p, s, j, n))
            j = url(r, p, s, j, n);
        else if (any & (C_DOT | C_COLON | C_AT))
            token(r, p + s, j - s, n - s, any, all);
        else if ((all & C_HEX) && (j - s == 32 || j - s == 40 || j - s == 64))
            kz__rec_hash_hex(r, "file", (const char *)p + s, j - s);
        i = done = j;
    }
    return KZ__LINE_RECORD;
}
