/*
 * reader.c - streams STIX objects out of a bundle, a JSON array or JSON lines, one at a time.
 *
 * A bundle can be far larger than memory, so the whole file is never parsed at once. A small
 * framing scanner walks the bytes, tracking strings and brackets, and cuts out each element of
 * the bundle's "objects" array (or of a top-level array, or each top-level value of JSON lines).
 * Only that element's bytes are kept in a sliding window; jansson then parses just those bytes,
 * so a syntax error is reported with its absolute line and column. The element's text is also
 * minified (whitespace outside strings removed, nothing else changed) for the store.
 *
 * Memory is bounded by the limits: one object (object_bytes), the bracket stack (json_depth),
 * and the top-level object while it is not yet known to be a bundle (object_bytes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kizuna/stix.h"

#define CHUNK (256u << 10)
#define NO_KEEP SIZE_MAX
#define KEY_MAX 64

enum state {
    ST_START,         /* nothing read yet */
    ST_ARRAY_FIRST,   /* after '[' of a top-level array */
    ST_ARRAY_NEXT,    /* after an element of a top-level array */
    ST_BUNDLE_FIRST,  /* after '[' of a bundle's objects */
    ST_BUNDLE_NEXT,   /* after an element of a bundle's objects */
    ST_BUNDLE_TAIL,   /* after the objects array: the bundle's remaining members */
    ST_LINES_NEXT,    /* between top-level values of JSON lines */
    ST_DONE,
    ST_FAILED,
};

struct kz_reader {
    FILE *f;
    const char *name;
    const kz_limits *lim;

    char *buf;       /* window over the input: valid bytes are [0, end) */
    size_t cap, pos, end;
    size_t keep;     /* first byte that must stay in the window, or NO_KEEP */
    uint64_t base;   /* input offset of buf[0] */
    size_t line;     /* line of buf[pos] */
    bool eof, ioerr;

    enum state st;
    kz_input_form form;
    size_t index;    /* of the next object */
    bool can_continue;

    char *stack;     /* bracket stack for one value, json_depth deep */
    kz_buf min;      /* the current object, minified */

    /* The bundle's members other than "objects". */
    bool seen_type;
    char bundle_type[KEY_MAX];
    bool top_keep;   /* keeping the first top-level object until we know it is no bundle */
};

/* ---- the input window ------------------------------------------------------------------- */

/* Makes at least one more byte available at pos. Returns false at end of input or on error. */
static bool fill(kz_reader *r)
{
    size_t from = r->keep == NO_KEEP ? r->pos : r->keep, got;

    if (r->eof)
        return false;
    if (from > 0) { /* slide what must be kept to the front */
        memmove(r->buf, r->buf + from, r->end - from);
        r->base += from;
        r->end -= from;
        r->pos -= from;
        if (r->keep != NO_KEEP)
            r->keep -= from;
    }
    if (r->cap - r->end < CHUNK) {
        size_t ncap = r->cap ? r->cap * 2 : 2 * CHUNK;
        char *nb = realloc(r->buf, ncap);
        if (nb == NULL) {
            r->ioerr = true;
            r->eof = true;
            return false;
        }
        r->buf = nb;
        r->cap = ncap;
    }
    got = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
    r->end += got;
    if (got == 0) {
        if (ferror(r->f))
            r->ioerr = true;
        r->eof = true;
        return false;
    }
    return true;
}

static inline int peek(kz_reader *r)
{
    if (r->pos == r->end && !fill(r))
        return EOF;
    return (unsigned char)r->buf[r->pos];
}

static inline void advance(kz_reader *r)
{
    if (r->buf[r->pos++] == '\n')
        r->line++;
}

static int skip_ws(kz_reader *r)
{
    int c;

    while ((c = peek(r)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        advance(r);
    return c;
}

static kz_rc io_or(kz_reader *r, kz_err *err, const char *what)
{
    r->st = ST_FAILED;
    if (r->ioerr)
        return kz_fail(err, KZ_EIO, "%s: read error: %s", r->name, strerror(errno));
    return kz_fail(err, KZ_EINVAL, "%s: line %zu: unexpected end of input: %s", r->name, r->line,
                   what);
}

static const char *shown(int c, char tmp[8])
{
    if (c == EOF)
        return "end of input";
    if (c >= 0x20 && c < 0x7f) {
        tmp[0] = '\'';
        tmp[1] = (char)c;
        tmp[2] = '\'';
        tmp[3] = '\0';
    } else {
        snprintf(tmp, 8, "0x%02x", (unsigned)c & 0xffu);
    }
    return tmp;
}

static kz_rc framing(kz_reader *r, kz_err *err, const char *expected, int found)
{
    char tmp[8];

    if (found == EOF && r->ioerr)
        return io_or(r, err, expected);
    r->st = ST_FAILED;
    return kz_fail(err, KZ_EINVAL, "%s: line %zu: expected %s, found %s", r->name, r->line,
                   expected, shown(found, tmp));
}

/* ---- scanning one value ----------------------------------------------------------------- */

typedef struct {
    size_t start; /* window offset of the first byte (valid while keep holds it) */
    size_t len;
    size_t line;
    uint64_t offset;
    bool too_big;  /* longer than object_bytes; its bytes were not kept */
    bool too_deep; /* nested deeper than json_depth */
} span;

/*
 * The first byte at or after i (before end) that scan_value must look at: in a string '"', '\\'
 * or a newline (lines are counted); outside one also a bracket. The bytes before it only move the
 * scan on. Sixteen at a time with SSE2: most of a STIX object is the text of its strings.
 */
static size_t plain_end(const char *p, size_t i, size_t end, bool in_str)
{
#ifdef __SSE2__
    for (; end - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                              _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
        unsigned bits;
        if (!in_str) /* '[' ']' and '{' '}' differ in bit 0x20 alone: fold it away */
            m = _mm_or_si128(m, _mm_or_si128(
                                    _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                                                   _mm_set1_epi8('{')),
                                    _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                                                   _mm_set1_epi8('}'))));
        if ((bits = (unsigned)_mm_movemask_epi8(m)) != 0)
            return i + (size_t)__builtin_ctz(bits);
    }
#endif
    for (; i < end; i++) {
        char c = p[i];
        if (c == '"' || c == '\\' || c == '\n' ||
            (!in_str && (c == '{' || c == '}' || c == '[' || c == ']')))
            break;
    }
    return i;
}

/*
 * Scans one JSON value starting at pos, keeping its bytes in the window. Strings and brackets are
 * tracked; everything else is left to jansson. Returns KZ_OK with the value's extent, or a framing
 * error (unbalanced brackets, end of input) after which the input cannot be followed.
 */
static kz_rc scan_value(kz_reader *r, size_t limit, span *v, kz_err *err)
{
    size_t depth = 0, maxd = r->lim->json_depth, rel;
    bool in_str = false, outer = r->keep != NO_KEEP;
    int c = peek(r);

    memset(v, 0, sizeof *v);
    v->line = r->line;
    v->offset = r->base + r->pos;
    if (!outer)
        r->keep = r->pos;
    rel = r->pos - r->keep;
    if (c == '"' || c == '{' || c == '[') {
        for (;;) {
            if (r->pos == r->end) {
                if (outer && r->pos - r->keep > r->lim->object_bytes) {
                    r->st = ST_FAILED;
                    return kz_fail(err, KZ_ELIMIT,
                                   "%s: line %zu: the top-level object is larger than the limit "
                                   "of %zu bytes",
                                   r->name, r->line, r->lim->object_bytes);
                }
                if (!outer && !v->too_big && r->pos - r->keep > limit)
                    v->too_big = true;
                if (v->too_big)
                    r->keep = NO_KEEP; /* stop keeping: the window must not grow */
                if (!fill(r))
                    return io_or(r, err, "a JSON value is not closed");
            }
            if ((r->pos = plain_end(r->buf, r->pos, r->end, in_str)) == r->end)
                continue;
            c = (unsigned char)r->buf[r->pos];
            if (in_str) {
                if (c == '\\') {
                    advance(r);
                    if (peek(r) == EOF)
                        return io_or(r, err, "a JSON string is not closed");
                } else if (c == '"') {
                    in_str = false;
                    if (depth == 0) {
                        advance(r);
                        break;
                    }
                }
                advance(r);
                continue;
            }
            if (c == '"') {
                in_str = true;
            } else if (c == '{' || c == '[') {
                if (depth >= maxd)
                    v->too_deep = true;
                else
                    r->stack[depth] = (char)c;
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0)
                    return framing(r, err, "a JSON value", c);
                depth--;
                if (depth < maxd && r->stack[depth] != (c == '}' ? '{' : '['))
                    return framing(r, err, r->stack[depth] == '{' ? "'}'" : "']'", c);
                if (depth == 0) {
                    advance(r);
                    break;
                }
            }
            advance(r);
        }
    } else {
        /* A scalar: runs to the next delimiter. jansson judges whether it is well formed. */
        size_t n = 0;
        while ((c = peek(r)) != EOF && c != ',' && c != ']' && c != '}' && c != ' ' &&
               c != '\t' && c != '\n' && c != '\r') {
            advance(r);
            if (++n > 64)
                return framing(r, err, "a JSON value", c);
        }
        if (n == 0)
            return framing(r, err, "a JSON value", c);
    }
    if (!v->too_big && r->keep != NO_KEEP) {
        v->start = r->keep + rel;
        v->len = r->pos - v->start;
        if (v->len > limit)
            v->too_big = true;
    }
    return KZ_OK;
}

/* Scans a short string (a member name or a small value) into out; false if not a plain string. */
static bool small_string(kz_reader *r, const span *v, char *out, size_t cap)
{
    size_t n;

    if (v->too_big || v->len < 2 || r->buf[v->start] != '"' || v->len - 2 >= cap)
        return false;
    n = v->len - 2;
    memcpy(out, r->buf + v->start + 1, n);
    out[n] = '\0';
    return memchr(out, '\\', n) == NULL;
}

/* ---- producing one object --------------------------------------------------------------- */

static void minify(kz_buf *min, const char *p, size_t n)
{
    bool in_str = false;
    char *o;

    /* Cannot fail for lack of room: the text only shrinks and kz_buf_reserve checked it. */
    o = min->p;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_str) {
            *o++ = c;
            if (c == '\\' && i + 1 < n)
                *o++ = p[++i];
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
            *o++ = c;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            *o++ = c;
        }
    }
    min->n = (size_t)(o - min->p);
    *o = '\0';
}

/* Hands out the scanned element v as object number r->index, unparsed. */
static kz_rc produce(kz_reader *r, const span *v, const char **text, size_t *len, kz_where *w,
                     kz_err *err)
{
    char lbl[48];

    w->index = r->index++;
    w->line = v->line;
    w->offset = v->offset;
    r->keep = NO_KEEP; /* the bytes stay put until the next call: only fill() moves them */
    kz_reader_label(r, w, lbl, sizeof lbl);
    r->can_continue = true;
    if (v->too_big)
        return kz_fail(err, KZ_EINVAL,
                       "%s: %s (line %zu): the object is larger than the limit of %zu bytes",
                       r->name, lbl, v->line, r->lim->object_bytes);
    if (v->too_deep)
        return kz_fail(err, KZ_EINVAL,
                       "%s: %s (line %zu): the object is nested deeper than the limit of %zu",
                       r->name, lbl, v->line, r->lim->json_depth);
    if (r->buf[v->start] != '{')
        return kz_fail(err, KZ_EINVAL, "%s: %s (line %zu): expected a STIX object ({...})",
                       r->name, lbl, v->line);
    *text = r->buf + v->start;
    *len = v->len;
    return KZ_OK;
}

kz_rc kz_element_parse(const char *raw, size_t n, const kz_element_ctx *ctx, kz_buf *min,
                       json_t **obj, kz_err *err)
{
    json_error_t je;
    json_t *j;

    *obj = NULL;
    j = json_loadb(raw, n, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        return kz_fail(err, KZ_EINVAL, "%s: %s: line %zu, column %d: %s", ctx->name, ctx->label,
                       ctx->line + (size_t)(je.line > 0 ? je.line - 1 : 0), je.column, je.text);
    kz_buf_reset(min);
    if (kz_buf_reserve(min, n) != KZ_OK) {
        json_decref(j);
        return kz_fail(err, KZ_ENOMEM, "%s: out of memory", ctx->name);
    }
    minify(min, raw, n);
    *obj = j;
    return KZ_OK;
}

/* ---- the top level ---------------------------------------------------------------------- */

/*
 * Reads the members of the top-level object after its '{' until it finds "objects": [ (a bundle:
 * returns with st = ST_BUNDLE_FIRST) or the closing '}' (with st = ST_DONE). Other members are
 * checked where they matter (type) and otherwise skipped.
 */
static kz_rc top_members(kz_reader *r, bool first, kz_err *err)
{
    for (;;) {
        char key[KEY_MAX];
        span v;
        kz_rc rc;
        int c = skip_ws(r);

        if (!first || c == ',') {
            if (c == '}') {
                advance(r);
                r->st = ST_DONE;
                return KZ_OK;
            }
            if (!first) {
                if (c != ',')
                    return framing(r, err, "',' or '}' in the bundle", c);
                advance(r);
                c = skip_ws(r);
            }
        } else if (c == '}') {
            advance(r);
            r->st = ST_DONE;
            return KZ_OK;
        }
        first = false;
        if (c != '"')
            return framing(r, err, "a member name in the bundle", c);
        if ((rc = scan_value(r, KEY_MAX, &v, err)) != KZ_OK)
            return rc;
        if (!small_string(r, &v, key, sizeof key))
            key[0] = '\0';
        if ((c = skip_ws(r)) != ':')
            return framing(r, err, "':' after a member name", c);
        advance(r);
        c = skip_ws(r);
        if (strcmp(key, "objects") == 0 && c == '[') {
            advance(r);
            r->keep = NO_KEEP;
            r->top_keep = false;
            if (r->seen_type && strcmp(r->bundle_type, "bundle") != 0) {
                r->st = ST_FAILED;
                return kz_fail(err, KZ_EINVAL,
                               "%s: line %zu: the top-level object has an \"objects\" array but "
                               "its type is \"%s\", not \"bundle\"",
                               r->name, r->line, r->bundle_type);
            }
            r->form = KZ_INPUT_BUNDLE;
            r->st = ST_BUNDLE_FIRST;
            return KZ_OK;
        }
        if ((rc = scan_value(r, r->lim->object_bytes, &v, err)) != KZ_OK)
            return rc;
        if (v.too_big) {
            r->st = ST_FAILED;
            return kz_fail(err, KZ_ELIMIT,
                           "%s: line %zu: member \"%s\" is larger than the limit of %zu bytes",
                           r->name, v.line, key, r->lim->object_bytes);
        }
        if (strcmp(key, "type") == 0) {
            r->seen_type = true;
            if (!small_string(r, &v, r->bundle_type, sizeof r->bundle_type))
                snprintf(r->bundle_type, sizeof r->bundle_type, "(not a short string)");
        }
        if (!r->top_keep)
            r->keep = NO_KEEP;
    }
}

kz_rc kz_reader_new(FILE *f, const char *name, const kz_limits *lim, kz_reader **out,
                    kz_err *err)
{
    kz_reader *r;

    *out = NULL;
    if ((r = calloc(1, sizeof *r)) == NULL ||
        (r->stack = malloc(lim->json_depth ? lim->json_depth : 1)) == NULL) {
        free(r);
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    }
    r->f = f;
    r->name = name;
    r->lim = lim;
    r->keep = NO_KEEP;
    r->line = 1;
    r->st = ST_START;
    kz_buf_init(&r->min, 0);
    *out = r;
    return KZ_OK;
}

void kz_reader_free(kz_reader *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    free(r->stack);
    kz_buf_free(&r->min);
    free(r);
}

kz_input_form kz_reader_form(const kz_reader *r)
{
    return r->form;
}

uint64_t kz_reader_offset(const kz_reader *r)
{
    return r->base + r->pos;
}

bool kz_reader_can_continue(const kz_reader *r)
{
    return r->can_continue && r->st != ST_FAILED && r->st != ST_DONE;
}

void kz_reader_label(const kz_reader *r, const kz_where *w, char *buf, size_t cap)
{
    switch (r->form) {
        case KZ_INPUT_BUNDLE: snprintf(buf, cap, "objects[%zu]", w->index); break;
        case KZ_INPUT_ARRAY: snprintf(buf, cap, "[%zu]", w->index); break;
        default: snprintf(buf, cap, "line %zu", w->line); break;
    }
}

/* The element of an array (top-level or a bundle's objects) at pos, then the separator. */
static kz_rc array_element(kz_reader *r, const char **text, size_t *len, kz_where *w,
                           kz_err *err)
{
    span v;
    kz_rc rc;

    if (r->index >= r->lim->objects) {
        r->st = ST_FAILED;
        return kz_fail(err, KZ_ELIMIT, "%s: more than the limit of %zu objects", r->name,
                       r->lim->objects);
    }
    if ((rc = scan_value(r, r->lim->object_bytes, &v, err)) != KZ_OK)
        return rc;
    r->st = r->form == KZ_INPUT_BUNDLE ? ST_BUNDLE_NEXT : ST_ARRAY_NEXT;
    return produce(r, &v, text, len, w, err);
}

kz_rc kz_reader_next(kz_reader *r, const char **text, size_t *len, json_t **obj, kz_where *w,
                     kz_err *err)
{
    kz_element_ctx ctx;
    const char *raw;
    size_t n;
    char lbl[48];
    kz_rc rc;

    *obj = NULL;
    *text = NULL;
    *len = 0;
    if ((rc = kz_reader_next_raw(r, &raw, &n, w, err)) != KZ_OK)
        return rc;
    kz_reader_label(r, w, lbl, sizeof lbl);
    ctx = (kz_element_ctx){r->name, lbl, w->line};
    if ((rc = kz_element_parse(raw, n, &ctx, &r->min, obj, err)) != KZ_OK) {
        if (rc != KZ_EINVAL) {
            r->can_continue = false;
            r->st = ST_FAILED;
        }
        return rc;
    }
    *text = r->min.p;
    *len = r->min.n;
    return KZ_OK;
}

kz_rc kz_reader_next_raw(kz_reader *r, const char **text, size_t *len, kz_where *w, kz_err *err)
{
    span v;
    kz_rc rc;
    int c;

    *text = NULL;
    *len = 0;
    memset(w, 0, sizeof *w);
    r->can_continue = false;
    for (;;) {
        switch (r->st) {
            case ST_START:
                c = peek(r);
                if (c == 0xef) { /* a UTF-8 byte order mark */
                    if (r->end - r->pos < 3)
                        (void)fill(r);
                    if (r->end - r->pos >= 3 && memcmp(r->buf + r->pos, "\xef\xbb\xbf", 3) == 0)
                        r->pos += 3;
                }
                c = skip_ws(r);
                if (c == '[') {
                    advance(r);
                    r->form = KZ_INPUT_ARRAY;
                    r->st = ST_ARRAY_FIRST;
                } else if (c == '{') {
                    /* A bundle, or the first of JSON lines: keep it until we know. */
                    size_t start = r->pos, line = r->line;
                    uint64_t off = r->base + r->pos;
                    advance(r);
                    r->keep = start;
                    r->top_keep = true;
                    if ((rc = top_members(r, true, err)) != KZ_OK)
                        return rc;
                    if (r->st == ST_BUNDLE_FIRST)
                        break;
                    /* Not a bundle: the whole value is the first object of JSON lines. */
                    r->top_keep = false;
                    r->form = KZ_INPUT_LINES;
                    r->st = ST_LINES_NEXT;
                    if (r->seen_type && strcmp(r->bundle_type, "bundle") == 0) {
                        r->st = ST_DONE; /* a bundle without objects */
                        r->form = KZ_INPUT_BUNDLE;
                        r->keep = NO_KEEP;
                        break;
                    }
                    v.start = r->keep;
                    v.len = r->pos - r->keep;
                    v.line = line;
                    v.offset = off;
                    v.too_big = v.len > r->lim->object_bytes;
                    v.too_deep = false;
                    return produce(r, &v, text, len, w, err);
                } else if (c == EOF) {
                    if (r->ioerr)
                        return io_or(r, err, "");
                    r->st = ST_FAILED;
                    return kz_fail(err, KZ_EINVAL,
                                   "%s: empty input: expected a STIX bundle, a JSON array of "
                                   "objects, or JSON lines",
                                   r->name);
                } else {
                    return framing(r, err, "a STIX bundle, a JSON array or JSON lines", c);
                }
                break;
            case ST_ARRAY_FIRST:
            case ST_BUNDLE_FIRST:
                if ((c = skip_ws(r)) == ']') {
                    advance(r);
                    r->st = r->st == ST_BUNDLE_FIRST ? ST_BUNDLE_TAIL : ST_DONE;
                    break;
                }
                return array_element(r, text, len, w, err);
            case ST_ARRAY_NEXT:
            case ST_BUNDLE_NEXT:
                c = skip_ws(r);
                if (c == ']') {
                    advance(r);
                    r->st = r->st == ST_BUNDLE_NEXT ? ST_BUNDLE_TAIL : ST_DONE;
                    break;
                }
                if (c != ',')
                    return framing(r, err, "',' or ']' after an object", c);
                advance(r);
                skip_ws(r);
                return array_element(r, text, len, w, err);
            case ST_BUNDLE_TAIL:
                if ((rc = top_members(r, false, err)) != KZ_OK)
                    return rc;
                if (r->seen_type && strcmp(r->bundle_type, "bundle") != 0) {
                    r->st = ST_FAILED;
                    return kz_fail(err, KZ_EINVAL,
                                   "%s: the top-level object has an \"objects\" array but its "
                                   "type is \"%s\", not \"bundle\"",
                                   r->name, r->bundle_type);
                }
                if (!r->seen_type) {
                    r->st = ST_FAILED;
                    return kz_fail(err, KZ_EINVAL,
                                   "%s: the bundle has no \"type\": expected \"type\": \"bundle\"",
                                   r->name);
                }
                break;
            case ST_LINES_NEXT:
                c = skip_ws(r);
                if (c == EOF) {
                    if (r->ioerr)
                        return io_or(r, err, "");
                    r->st = ST_DONE;
                    break;
                }
                if (c != '{')
                    return framing(r, err, "a JSON object on the next line", c);
                if (r->index >= r->lim->objects) {
                    r->st = ST_FAILED;
                    return kz_fail(err, KZ_ELIMIT, "%s: more than the limit of %zu objects",
                                   r->name, r->lim->objects);
                }
                if ((rc = scan_value(r, r->lim->object_bytes, &v, err)) != KZ_OK)
                    return rc;
                return produce(r, &v, text, len, w, err);
            case ST_DONE:
                /* Only whitespace may follow a bundle or an array. */
                if (r->form != KZ_INPUT_LINES && (c = skip_ws(r)) != EOF) {
                    r->st = ST_FAILED;
                    return framing(r, err, "nothing after the end of the input's JSON value", c);
                }
                if (r->ioerr)
                    return io_or(r, err, "");
                return KZ_ENOTFOUND;
            case ST_FAILED:
                return kz_fail(err, KZ_EINVAL, "%s: the input cannot be read further", r->name);
        }
    }
}
