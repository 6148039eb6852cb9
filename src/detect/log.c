/*
 * log.c - the input side of the log readers: opening a file, standard input ("-") or bytes in
 * memory; gzip told by its magic bytes (1f 8b) and inflated through zlib (multi-member streams,
 * trailing zero padding ignored); line framing over a window of 1 MiB reads with a cap on a line's
 * length (lim->object_bytes: a longer line is one malformed record, skipped to its newline);
 * choosing the format for AUTO from the first non-empty line; counts; and the helpers every
 * reader uses to add normalised fields to a record.
 *
 * Format detection (AUTO), from the first non-empty line:
 *   "#separator" or "#fields"                              -> Zeek TSV
 *   a JSON object with "event_type"                        -> Suricata EVE
 *   a JSON object with "_path", "id.orig_h", or "uid"+"ts" -> Zeek JSON
 *   '{' or '[' and a STIX bundle / observed-data in the first buffered bytes (the line itself
 *   when it parses as an object with "type" bundle or observed-data)  -> STIX
 *   anything else                                          -> text
 *
 * Records with no field at all are not returned (a text line without an observable, a Zeek
 * line whose columns hold none): they are neither records nor malformed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "log_int.h"

#define DETECT_MAX (4u << 20) /* bytes looked at to choose a format */

/* ---- names and counts ----------------------------------------------------------------------- */

/* The format's short name. */
const char *kz_log_format_name(kz_log_format f)
{
    switch (f) {
        case KZ_LOG_ZEEK: return "zeek";
        case KZ_LOG_EVE: return "eve";
        case KZ_LOG_TEXT: return "text";
        case KZ_LOG_STIX: return "stix";
        default: return "auto";
    }
}

/* Records returned, malformed records skipped and the first one's line and reason. */
void kz_log_counts(const kz_log_reader *r, uint64_t *records, uint64_t *malformed,
                   const char **first_problem)
{
    *records = r->records;
    *malformed = r->malformed;
    *first_problem = r->problem;
}

/* What AUTO resolved to (or the format asked for). */
kz_log_format kz_log_format_of(const kz_log_reader *r)
{
    return r->fmt;
}

/* Counts one malformed record, keeping the first one's line and reason. */
void kz__log_bad(kz_log_reader *r, uint64_t line, const char *why)
{
    if (r->malformed++ == 0) {
        r->problem_line = line;
        snprintf(r->problem, sizeof r->problem, "%s: line %llu: %s", r->name,
                 (unsigned long long)line, why);
    }
}

/* Frees the reader, its buffers, its decompressor and its format state. Accepts NULL. */
void kz_log_free(kz_log_reader *r)
{
    if (r == NULL)
        return;
    kz__stix_free(r);
    if (r->z_ready)
        inflateEnd(&r->zs);
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    kz_jtape_free(r->tape);
    kz_buf_free(&r->logname);
    kz_buf_free(&r->arena);
    kz_buf_free(&r->unesc);
    free(r->zin);
    free(r->buf);
    free(r->name);
    free(r);
}

/* ---- the source ----------------------------------------------------------------------------- */

/* Makes the error sticky: every later read gives it again. */
static kz_rc fail(kz_log_reader *r, kz_err *err, kz_rc rc)
{
    if (!r->failed) {
        r->failed = true;
        r->fail_rc = rc;
        r->fail_err = *err;
    }
    r->eof = true;
    return rc;
}

/* Reads up to cap bytes from the file into dst; *got 0 at its end. */
static kz_rc read_fd(kz_log_reader *r, void *dst, size_t cap, size_t *got, kz_err *err)
{
    ssize_t k;

    *got = 0;
    if (cap > (size_t)SSIZE_MAX)
        cap = (size_t)SSIZE_MAX;
    do {
        k = read(r->fd, dst, cap);
    } while (k < 0 && errno == EINTR);
    if (k < 0)
        return kz_fail(err, KZ_EIO, "%s: read error: %s", r->name, strerror(errno));
    *got = (size_t)k;
    return KZ_OK;
}

/* Gives inflate more compressed bytes; sets src_eof when there are none. */
static kz_rc gz_more(kz_log_reader *r, kz_err *err)
{
    size_t got = 0;
    kz_rc rc;

    if (r->fd < 0) {
        size_t left = r->mem_n - (size_t)r->z_off, take = left > (1u << 30) ? (1u << 30) : left;
        r->zs.next_in = (Bytef *)(uintptr_t)(r->mem + r->z_off);
        r->zs.avail_in = (uInt)take;
        if (take == 0)
            r->src_eof = true;
        return KZ_OK;
    }
    if ((rc = read_fd(r, r->zin, r->zin_cap, &got, err)) != KZ_OK)
        return rc;
    r->zs.next_in = r->zin;
    r->zs.avail_in = (uInt)got;
    if (got == 0)
        r->src_eof = true;
    return KZ_OK;
}

/* Inflates at least one byte into the window, or reaches the clean end of the last member. */
static kz_rc gz_fill(kz_log_reader *r, kz_err *err)
{
    kz_rc rc;

    for (;;) {
        uInt in0, out0;
        int zr;

        if (r->zs.avail_in == 0 && !r->src_eof && (rc = gz_more(r, err)) != KZ_OK)
            return rc;
        if (r->zs.avail_in == 0) {
            if (r->z_member_done) {
                r->eof = true;
                return KZ_OK;
            }
            return kz_fail(err, KZ_EIO,
                           "%s: gzip stream truncated at compressed byte offset %llu", r->name,
                           (unsigned long long)r->z_off);
        }
        if (r->z_member_done) {
            if (r->zs.next_in[0] == 0) { /* zero padding after the last member */
                r->zs.next_in++;
                r->zs.avail_in--;
                r->z_off++;
                continue;
            }
            if (inflateReset(&r->zs) != Z_OK)
                return kz_fail(err, KZ_EIO, "%s: gzip stream corrupt at compressed byte offset "
                               "%llu", r->name, (unsigned long long)r->z_off);
            r->z_member_done = false;
        }
        r->zs.next_out = (Bytef *)r->buf + r->end;
        r->zs.avail_out = (uInt)((r->cap - r->end) > UINT_MAX ? UINT_MAX : r->cap - r->end);
        in0 = r->zs.avail_in;
        out0 = r->zs.avail_out;
        zr = inflate(&r->zs, Z_NO_FLUSH);
        r->z_off += in0 - r->zs.avail_in;
        r->end += out0 - r->zs.avail_out;
        if (zr == Z_STREAM_END)
            r->z_member_done = true;
        else if (zr == Z_MEM_ERROR)
            return kz_fail(err, KZ_ENOMEM, "%s: out of memory inflating", r->name);
        else if (zr != Z_OK && !(zr == Z_BUF_ERROR && r->zs.avail_in == 0))
            return kz_fail(err, KZ_EIO, "%s: gzip stream corrupt at compressed byte offset %llu"
                           " (%s)", r->name, (unsigned long long)r->z_off,
                           r->zs.msg ? r->zs.msg : "bad data");
        if (out0 != r->zs.avail_out)
            return KZ_OK;
    }
}

/*
 * Brings more bytes into the window (sliding the unframed ones to the front and growing it up to
 * one line's cap plus a chunk), or sets eof. KZ_EIO or KZ_ENOMEM are sticky.
 */
static kz_rc fill(kz_log_reader *r, kz_err *err)
{
    size_t hard = r->line_max + KZ_LOG_CHUNK + 1, got = 0;
    kz_rc rc;

    if (r->failed) {
        *err = r->fail_err;
        return r->fail_rc;
    }
    if (r->eof)
        return KZ_OK;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->base += r->pos;
        r->end -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->end < KZ_LOG_CHUNK / 4 && r->cap < hard) {
        size_t ncap = r->cap * 2 < hard ? r->cap * 2 : hard;
        char *nb = realloc(r->buf, ncap);
        if (nb == NULL)
            return fail(r, err, kz_fail(err, KZ_ENOMEM, "%s: out of memory", r->name));
        r->buf = nb;
        r->win = nb;
        r->cap = ncap;
    }
    if (r->gz)
        rc = gz_fill(r, err);
    else if ((rc = read_fd(r, r->buf + r->end, r->cap - r->end, &got, err)) == KZ_OK) {
        r->end += got;
        r->eof = got == 0;
    }
    return rc != KZ_OK ? fail(r, err, rc) : KZ_OK;
}

/* The next line (see log_int.h). */
kz_rc kz__log_line(kz_log_reader *r, kz_sv *line, kz_err *err)
{
    return kz__log_line_in(r, line, true, err);
}

/* The next line, reading more of the input when may_read (see log_int.h). */
kz_rc kz__log_line_in(kz_log_reader *r, kz_sv *line, bool may_read, kz_err *err)
{
    kz_rc rc;

    line->p = NULL;
    line->n = 0;
    for (;;) {
        if (r->pos < r->end) {
            const char *s = r->win + r->pos;
            size_t avail = r->end - r->pos, len;
            const char *nl = memchr(s + r->scanned, '\n', avail - r->scanned);

            if (nl != NULL || (r->eof && !r->skipping)) {
                len = nl != NULL ? (size_t)(nl - s) : avail;
                r->pos += nl != NULL ? len + 1 : len;
                r->scanned = 0;
                if (r->skipping) { /* the rest of an over-long line, already counted */
                    r->skipping = false;
                    continue;
                }
                r->lineno++;
                r->rec.line = r->lineno;
                r->rec.offset = r->base + (uint64_t)(s - r->win);
                if (len > r->line_max) {
                    char why[96];
                    snprintf(why, sizeof why, "longer than the limit of %zu bytes", r->line_max);
                    kz__log_bad(r, r->lineno, why);
                    continue;
                }
                if (len > 0 && s[len - 1] == '\r')
                    len--;
                line->p = s;
                line->n = len;
                return KZ_OK;
            }
            r->scanned = avail;
            if (r->skipping) {
                r->pos = r->end;
                r->scanned = 0;
            } else if (avail > r->line_max) {
                char why[96];
                r->lineno++;
                snprintf(why, sizeof why, "longer than the limit of %zu bytes", r->line_max);
                kz__log_bad(r, r->lineno, why);
                r->skipping = true;
                r->pos = r->end;
                r->scanned = 0;
            }
        } else if (r->eof) {
            if (r->failed) {
                *err = r->fail_err;
                return r->fail_rc;
            }
            return KZ_OK;
        }
        if (!may_read)
            return KZ_OK; /* no whole line left in the window */
        if ((rc = fill(r, err)) != KZ_OK)
            return rc;
    }
}

/* A bit for each '\n' among the (at most 64) bytes at p. */
static inline uint64_t nl_mask(const char *p, size_t avail)
{
    uint64_t m = 0;

#ifdef __SSE2__
    if (avail >= 64) {
        const __m128i nl = _mm_set1_epi8('\n');
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * k);
        }
        return m;
    }
#endif
    for (size_t i = 0; i < avail && i < 64; i++)
        m |= (uint64_t)(p[i] == '\n') << i;
    return m;
}

/* Whole lines of the window in bulk (see log_int.h). */
size_t kz__log_lines_in(kz_log_reader *r, kz__line *v, size_t max)
{
    const char *w = r->win;
    size_t pos = r->pos, end = r->end, chunk = pos, n = 0;
    uint64_t m, lineno = r->lineno;

    if (r->skipping || r->scanned != 0 || max == 0 || pos >= end)
        return 0;
    m = nl_mask(w + chunk, end - chunk);
    while (n < max) {
        size_t nl, len;
        while (m == 0) {
            if ((chunk += 64) >= end)
                goto out;
            m = nl_mask(w + chunk, end - chunk);
        }
        nl = chunk + (size_t)__builtin_ctzll(m);
        m &= m - 1;
        if ((len = nl - pos) > r->line_max)
            break; /* kz__log_line_in reports it */
        v[n++] = (kz__line){pos, len > 0 && w[nl - 1] == '\r' ? len - 1 : len, ++lineno,
                            r->base + pos};
        pos = nl + 1;
    }
out:
    if (n > 0) {
        r->pos = pos;
        r->lineno = lineno;
        r->rec.line = lineno;
        r->rec.offset = v[n - 1].offset;
    }
    return n;
}

/* Bytes of the input for the STIX reader's FILE (see log_int.h). */
ssize_t kz__log_read(kz_log_reader *r, char *out, size_t n)
{
    kz_err e;
    size_t k;

    if (r->pos == r->end) {
        if (!r->eof && fill(r, &e) != KZ_OK)
            return -1;
        if (r->failed)
            return -1;
        if (r->pos == r->end)
            return 0;
    }
    k = r->end - r->pos < n ? r->end - r->pos : n;
    memcpy(out, r->win + r->pos, k);
    r->pos += k;
    return (ssize_t)k;
}

/* ---- opening -------------------------------------------------------------------------------- */

/* True when the window's bytes between a and b contain the JSON string s. */
static bool window_has(const kz_log_reader *r, size_t a, size_t b, const char *s)
{
    return memmem(r->win + a, b - a, s, strlen(s)) != NULL;
}

/* The format of a first line that is a JSON object, or AUTO when it tells nothing. */
static kz_log_format json_line_format(kz_sv line)
{
    json_t *o = json_loadb(line.p, line.n, 0, NULL);
    kz_log_format f = KZ_LOG_AUTO;
    const char *t;

    if (json_is_object(o)) {
        t = json_string_value(json_object_get(o, "type"));
        if (json_object_get(o, "event_type") != NULL)
            f = KZ_LOG_EVE;
        else if (json_object_get(o, "_path") != NULL || json_object_get(o, "id.orig_h") != NULL ||
                 (json_object_get(o, "uid") != NULL && json_object_get(o, "ts") != NULL))
            f = KZ_LOG_ZEEK;
        else if (t != NULL && (strcmp(t, "bundle") == 0 || strcmp(t, "observed-data") == 0 ||
                               kz_stix_type_is_sco(t)))
            f = KZ_LOG_STIX;
        else
            f = KZ_LOG_TEXT;
    }
    json_decref(o);
    return f;
}

/* Chooses the format from the first non-empty line, without consuming anything. */
static kz_rc detect(kz_log_reader *r, kz_err *err)
{
    kz_rc rc;

    for (;;) {
        size_t i = r->pos;
        const char *nl;

        if (r->end - i >= 3 && memcmp(r->win + i, "\xef\xbb\xbf", 3) == 0)
            i += 3;
        while (i < r->end && (r->win[i] == ' ' || r->win[i] == '\t' || r->win[i] == '\r' ||
                              r->win[i] == '\n'))
            i++;
        nl = i < r->end ? memchr(r->win + i, '\n', r->end - i) : NULL;
        if (nl != NULL || r->eof || r->end - r->pos > DETECT_MAX) {
            kz_sv line = {r->win + i, nl != NULL ? (size_t)(nl - (r->win + i)) : r->end - i};
            kz_log_format f = KZ_LOG_TEXT;

            if (kz_sv_starts(line, "#separator") || kz_sv_starts(line, "#fields"))
                f = KZ_LOG_ZEEK;
            else if (line.n > 0 && (line.p[0] == '{' || line.p[0] == '[')) {
                f = line.p[0] == '{' ? json_line_format(line) : KZ_LOG_AUTO;
                if (f == KZ_LOG_AUTO)
                    f = window_has(r, i, r->end, "\"observed-data\"") ||
                                window_has(r, i, r->end, "\"bundle\"")
                            ? KZ_LOG_STIX
                            : KZ_LOG_TEXT;
            }
            r->fmt = f;
            return KZ_OK;
        }
        if ((rc = fill(r, err)) != KZ_OK)
            return rc;
    }
}

/* A reader with its buffers, before the source is attached. */
static kz_rc reader_new(const char *name, kz_log_format f, const kz_limits *lim,
                        kz_log_reader **out, kz_err *err)
{
    kz_log_reader *r = calloc(1, sizeof *r);

    *out = NULL;
    if (r == NULL || (r->name = strdup(name)) == NULL) {
        free(r);
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    }
    r->lim = lim != NULL ? *lim : kz_limits_default();
    r->line_max = r->lim.object_bytes ? r->lim.object_bytes : kz_limits_default().object_bytes;
    r->fmt = f;
    r->fd = -1;
    r->rec.file = r->name;
    r->zeek.sep = '\t';
    r->zeek.set_sep = ',';
    memcpy(r->zeek.empty, "(empty)", sizeof "(empty)");
    memcpy(r->zeek.unset, "-", sizeof "-");
    kz_buf_init(&r->arena, r->line_max * 2 + (64u << 10));
    kz_buf_init(&r->unesc, r->line_max + 1);
    kz_buf_init(&r->logname, 0);
    *out = r;
    return KZ_OK;
}

/* Starts inflating: the window's bytes so far become the first compressed input. */
static kz_rc start_gzip(kz_log_reader *r, kz_err *err)
{
    r->gz = true;
    memset(&r->zs, 0, sizeof r->zs);
    if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK)
        return kz_fail(err, KZ_ENOMEM, "%s: cannot start zlib", r->name);
    r->z_ready = true;
    if (r->fd >= 0) { /* the bytes read so far are compressed: move them to zin */
        r->zin = (unsigned char *)r->buf;
        r->zin_cap = r->cap;
        r->zs.next_in = r->zin;
        r->zs.avail_in = (uInt)r->end;
        r->buf = NULL;
    }
    r->eof = false;
    r->src_eof = false;
    r->pos = r->end = 0;
    r->cap = KZ_LOG_CHUNK + 1;
    if ((r->buf = malloc(r->cap)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    r->win = r->buf;
    return KZ_OK;
}

/* Resolves AUTO and sets up the chosen reader. */
static kz_rc start_format(kz_log_reader *r, kz_err *err)
{
    kz_rc rc;

    if (r->fmt == KZ_LOG_AUTO && (rc = detect(r, err)) != KZ_OK)
        return rc;
    if (r->fmt == KZ_LOG_STIX)
        return kz__stix_open(r, err);
    return KZ_OK;
}

/* Opens a file or standard input (see detect.h). */
kz_rc kz_log_open(const char *path, kz_log_format f, const kz_limits *lim, kz_log_reader **out,
                  kz_err *err)
{
    kz_log_reader *r = NULL;
    kz_rc rc;

    *out = NULL;
    if ((rc = reader_new(path, f, lim, &r, err)) != KZ_OK)
        goto out;
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            rc = kz_fail(err, KZ_EIO, "%s: cannot open: %s", path, strerror(errno));
            goto out;
        }
        r->own_fd = true;
    }
    r->cap = KZ_LOG_CHUNK + 1;
    rc = KZ_ENOMEM;
    if ((r->buf = malloc(r->cap)) == NULL) {
        kz_fail(err, rc, "out of memory");
        goto out;
    }
    r->win = r->buf;
    /* At least two bytes (or the end) to see the gzip magic. */
    while (!r->eof && r->end < 2)
        if ((rc = fill(r, err)) != KZ_OK)
            goto out;
    if (r->end >= 2 && (unsigned char)r->buf[0] == 0x1f && (unsigned char)r->buf[1] == 0x8b &&
        (rc = start_gzip(r, err)) != KZ_OK)
        goto out;
    if ((rc = start_format(r, err)) != KZ_OK)
        goto out;
    *out = r;
    r = NULL;
    rc = KZ_OK;
out:
    kz_log_free(r);
    return rc;
}

/* Opens bytes in memory (see detect.h). */
kz_rc kz_log_open_mem(const char *bytes, size_t n, const char *name, kz_log_format f,
                      const kz_limits *lim, kz_log_reader **out, kz_err *err)
{
    kz_log_reader *r = NULL;
    kz_rc rc;

    *out = NULL;
    if ((rc = reader_new(name != NULL ? name : "(memory)", f, lim, &r, err)) != KZ_OK)
        goto out;
    r->mem = (const unsigned char *)bytes;
    r->mem_n = n;
    if (n >= 2 && r->mem[0] == 0x1f && r->mem[1] == 0x8b) {
        if ((rc = start_gzip(r, err)) != KZ_OK)
            goto out;
    } else { /* the bytes themselves are the window: no copy */
        r->win = bytes != NULL ? bytes : "";
        r->end = n;
        r->eof = true;
    }
    if ((rc = start_format(r, err)) != KZ_OK)
        goto out;
    *out = r;
    r = NULL;
    rc = KZ_OK;
out:
    kz_log_free(r);
    return rc;
}

/* ---- records -------------------------------------------------------------------------------- */

/* Starts a record (see log_int.h). */
void kz__rec_reset(kz_log_reader *r)
{
    r->nfields = 0;
    r->lens = 0;
    r->arena.n = 0;
    r->rec.has_time = false;
    r->rec.time = (kz_time){0, 0, 0}; /* no time left over from the line before */
    r->rec.log = "";
}

/* A JSON line (see log_int.h). */
bool kz__log_json(kz_log_reader *r, kz_sv line)
{
    kz_err err;

    if (r->tape == NULL && (r->tape = kz_jtape_new(r->lim.json_depth)) == NULL) {
        snprintf(r->why, sizeof r->why, "out of memory");
        return false;
    }
    if (kz_jtape_parse(r->tape, line.p, line.n, 0, &err) != KZ_OK) {
        snprintf(r->why, sizeof r->why, "not JSON: %s", err.msg);
        return false;
    }
    if (kz_jt_kind_of(r->tape, 0) != KZ_JT_OBJECT) {
        snprintf(r->why, sizeof r->why, "a JSON array, not an object");
        return false;
    }
    return true;
}

/* rec.log named by the line (see log_int.h). */
void kz__rec_log_name(kz_log_reader *r, kz_sv name, const char *otherwise)
{
    kz_buf_reset(&r->logname);
    r->rec.log = otherwise;
    if (name.n > 0 && kz_buf_append(&r->logname, name.p, name.n) == KZ_OK)
        r->rec.log = r->logname.p;
}

/* Points arena-held values at the arena, now that it no longer moves. */
void kz__rec_finish(kz_log_reader *r)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (r->in_arena[i])
            r->fields[i].value.p = r->arena.p + r->aoff[i];
    r->rec.fields = r->fields;
    r->rec.nfields = r->nfields;
}

/* The value of field i while the record is being built. */
static const char *value_of(const kz_log_reader *r, size_t i)
{
    return r->in_arena[i] ? r->arena.p + r->aoff[i] : r->fields[i].value.p;
}

/* True when the record already has this field. Most fields are the first of their length. */
static bool has_field(const kz_log_reader *r, const char *type, const char *path, const char *p,
                      size_t n)
{
    if (!(r->lens >> (n % 64) & 1))
        return false;
    for (size_t i = 0; i < r->nfields; i++) {
        const kz_field *f = &r->fields[i];
        if (f->value.n == n && (f->path == path || strcmp(f->path, path) == 0) &&
            (f->type == type || strcmp(f->type, type) == 0) && memcmp(value_of(r, i), p, n) == 0)
            return true;
    }
    return false;
}

/* Adds a field (see log_int.h). */
void kz__rec_add(kz_log_reader *r, const char *type, const char *path, const char *p, size_t n)
{
    if (n == 0 || has_field(r, type, path, p, n))
        return;
    if (r->nfields == KZ_LOG_FIELDS_MAX) {
        r->dropped++;
        return;
    }
    r->fields[r->nfields] = (kz_field){type, path, {p, n}, 0, false};
    r->in_arena[r->nfields++] = false;
    r->lens |= 1ull << (n % 64);
}

void kz__rec_add_ipv4(kz_log_reader *r, const char *p, size_t n, uint32_t addr)
{
    size_t before = r->nfields;

    kz__rec_add(r, "ipv4-addr", "value", p, n);
    if (r->nfields > before) {
        r->fields[before].ipv4 = addr;
        r->fields[before].has_ipv4 = true;
    }
}

/* Adds the arena's bytes from off to its end as a field; drops them again if a duplicate. */
static void add_arena(kz_log_reader *r, const char *type, const char *path, size_t off)
{
    size_t n = r->arena.n - off;

    if (n == 0 || has_field(r, type, path, r->arena.p + off, n) ||
        r->nfields == KZ_LOG_FIELDS_MAX) {
        r->dropped += r->nfields == KZ_LOG_FIELDS_MAX;
        r->arena.n = off;
        return;
    }
    r->fields[r->nfields] = (kz_field){type, path, {NULL, n}, 0, false};
    r->aoff[r->nfields] = off;
    r->in_arena[r->nfields++] = true;
    r->lens |= 1ull << (n % 64);
}

/* Adds a copied field (see log_int.h). */
void kz__rec_add_copy(kz_log_reader *r, const char *type, const char *path, const char *p,
                      size_t n, bool lower)
{
    size_t off = r->arena.n;

    if (n == 0)
        return;
    if (kz_buf_append(&r->arena, p, n) != KZ_OK) {
        r->dropped++;
        return;
    }
    if (lower)
        for (size_t i = off; i < r->arena.n; i++)
            if (r->arena.p[i] >= 'A' && r->arena.p[i] <= 'Z')
                r->arena.p[i] = (char)(r->arena.p[i] + 32);
    add_arena(r, type, path, off);
}

/* An address (see log_int.h). */
bool kz__rec_ip(kz_log_reader *r, const char *p, size_t n, kz__ip_role role)
{
    static const char *const ref[] = {NULL, "src_ref.value", "dst_ref.value"};
    char tmp[64], canon[INET6_ADDRSTRLEN];
    unsigned char bin[16];
    uint32_t v4;

    if (n == 0 || n >= sizeof tmp)
        return false;
    if (memchr(p, ':', n) != NULL) {
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        if (inet_pton(AF_INET6, tmp, bin) != 1 ||
            inet_ntop(AF_INET6, bin, canon, sizeof canon) == NULL)
            return false;
        kz__rec_add_copy(r, "ipv6-addr", "value", canon, strlen(canon), false);
        if (role != KZ__IP_ONLY)
            kz__rec_add_copy(r, "network-traffic", ref[role], canon, strlen(canon), false);
        return true;
    }
    if (!kz_parse_ipv4(p, n, &v4)) /* inet_pton's IPv4, without its copy (core.h) */
        return false;
    kz__rec_add_ipv4(r, p, n, v4);
    if (role != KZ__IP_ONLY)
        kz__rec_add(r, "network-traffic", ref[role], p, n);
    return true;
}

/* True when p is a domain name in the lenient sense of kz__rec_domain. */
static bool domain_ok(const char *p, size_t n)
{
    size_t label = 0;

    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_') ||
            ++label > 63)
            return false;
    }
    return label > 0;
}

/* A domain name (see log_int.h). */
bool kz__rec_domain(kz_log_reader *r, const char *p, size_t n)
{
    bool upper = false;

    while (n > 0 && p[n - 1] == '.')
        n--;
    if (n == 0)
        return false;
    if (kz__rec_ip(r, p, n, KZ__IP_ONLY))
        return true;
    if (!domain_ok(p, n))
        return false;
    for (size_t i = 0; i < n && !upper; i++)
        upper = p[i] >= 'A' && p[i] <= 'Z';
    if (upper)
        kz__rec_add_copy(r, "domain-name", "value", p, n, true);
    else
        kz__rec_add(r, "domain-name", "value", p, n);
    return true;
}

/* The object path of a hash of n hex digits (MD5, SHA-1, SHA-256), or NULL. */
static const char *hash_path(size_t n)
{
    return n == 32   ? "hashes.MD5"
           : n == 40 ? "hashes.'SHA-1'"
           : n == 64 ? "hashes.'SHA-256'"
                     : NULL;
}

/* A hash (see log_int.h). */
bool kz__rec_hash(kz_log_reader *r, const char *type, const char *p, size_t n)
{
    char hex[64];
    size_t k = 0;
    bool copy = false;
    const char *path;

    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == ':') {
            copy = true;
            continue;
        }
        if (c >= 'A' && c <= 'F') {
            copy = true;
            c = (char)(c + 32);
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
        if (k == sizeof hex)
            return false;
        hex[k++] = c;
    }
    if ((path = hash_path(k)) == NULL)
        return false;
    if (copy)
        kz__rec_add_copy(r, type, path, hex, k, false);
    else
        kz__rec_add(r, type, path, p, n);
    return true;
}

/* A hash already checked to be hex (see log_int.h): only its case is left to look at. */
void kz__rec_hash_hex(kz_log_reader *r, const char *type, const char *p, size_t n)
{
    const char *path = hash_path(n);
    unsigned upper = 0;

    for (size_t i = 0; i < n; i++) /* branch-free: 'A'-'F' is the only upper case a digit has */
        upper |= (unsigned)((unsigned char)p[i] - 'A') < 6u;
    if (upper)
        kz__rec_add_copy(r, type, path, p, n, true);
    else
        kz__rec_add(r, type, path, p, n);
}

/* A port (see log_int.h). */
void kz__rec_port(kz_log_reader *r, bool src, const char *p, size_t n)
{
    int64_t v;

    if (kz_parse_i64((kz_sv){p, n}, 0, 65535, &v) != KZ_OK)
        return;
    kz__rec_add_copy(r, "network-traffic", src ? "src_port" : "dst_port", p, n, false);
}

/* A traffic count (see log_int.h). */
void kz__rec_count(kz_log_reader *r, const char *path, const char *p, size_t n)
{
    int64_t v;

    if (kz_parse_i64((kz_sv){p, n}, 0, INT64_MAX, &v) != KZ_OK)
        return;
    kz__rec_add_copy(r, "network-traffic", path, p, n, false);
}

void kz__rec_span(kz_log_reader *r, const kz_time *start, const kz_time *end)
{
    int fd = start->frac_digits > end->frac_digits ? start->frac_digits : end->frac_digits;
    int digits = fd <= 3 ? 3 : fd <= 6 ? 6 : 9;
    size_t len = 21 + (size_t)digits; /* YYYY-MM-DDThh:mm:ss.fZ */
    const kz_time *t[2] = {start, end};
    static const char *const path[2] = {"start", "end"};

    if (end->sec < start->sec || (end->sec == start->sec && end->nsec < start->nsec) ||
        start->sec < 0 || end->sec > 253402300799) /* STIX timestamps: years 0000-9999 */
        return;
    /* Formatted straight into the arena, with no duplicate check: once a record, and a conn
     * log has a row a line (this is most of the cost of a Zeek conn line's two timestamps). */
    if (r->nfields + 2 > KZ_LOG_FIELDS_MAX || kz_buf_reserve(&r->arena, 2 * KZ_TIME_MAX) != KZ_OK) {
        r->dropped += 2;
        return;
    }
    for (int i = 0; i < 2; i++) {
        kz_time_format(t[i], digits, r->arena.p + r->arena.n);
        r->fields[r->nfields] = (kz_field){"network-traffic", path[i], {NULL, len}, 0, false};
        r->aoff[r->nfields] = r->arena.n;
        r->in_arena[r->nfields++] = true;
        r->lens |= 1ull << (len % 64);
        r->arena.n += len;
    }
}

/* A protocol name (see log_int.h). */
void kz__rec_proto(kz_log_reader *r, const char *p, size_t n)
{
    if (n == 0 || n > 32)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return;
    }
    kz__rec_add_copy(r, "network-traffic", "protocols[*]", p, n, true);
}

/* An e-mail address (see log_int.h). */
bool kz__rec_email(kz_log_reader *r, const char *p, size_t n)
{
    const char *lt = memchr(p, '<', n), *at;
    size_t off, local;

    if (lt != NULL) {
        const char *gt = memchr(lt, '>', n - (size_t)(lt - p));
        if (gt == NULL)
            return false;
        n = (size_t)(gt - lt - 1);
        p = lt + 1;
    }
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0 || (at = memrchr(p, '@', n)) == NULL)
        return false;
    local = (size_t)(at - p);
    if (local == 0 || local > 64 || !domain_ok(at + 1, n - local - 1) ||
        memchr(at + 1, '.', n - local - 1) == NULL)
        return false;
    for (size_t i = 0; i < local; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= ' ' || c == '<' || c == '>' || c == '@' || c == '"' || c == ',' || c == 0x7f)
            return false;
    }
    off = r->arena.n;
    if (kz_buf_append(&r->arena, p, n) != KZ_OK) {
        r->dropped++;
        return false;
    }
    for (size_t i = off + local; i < r->arena.n; i++)
        if (r->arena.p[i] >= 'A' && r->arena.p[i] <= 'Z')
            r->arena.p[i] = (char)(r->arena.p[i] + 32);
    add_arena(r, "email-addr", "value", off);
    return true;
}

/* True when s starts with prefix, in any case. */
static bool starts_ci(kz_sv s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.n >= n && strncasecmp(s.p, prefix, n) == 0;
}

/* An HTTP request (see log_int.h). */
void kz__rec_http(kz_log_reader *r, kz_sv host, kz_sv uri, kz_sv method, kz_sv ua)
{
    kz_sv h = host;

    if (h.n > 0 && h.p[0] == '[') { /* [v6]:port */
        const char *rb = memchr(h.p, ']', h.n);
        if (rb != NULL)
            h = (kz_sv){h.p + 1, (size_t)(rb - h.p - 1)};
    } else if (h.n > 0) {
        const char *c = memchr(h.p, ':', h.n);
        if (c != NULL && memchr(c + 1, ':', h.n - (size_t)(c - h.p) - 1) == NULL)
            h.n = (size_t)(c - h.p);
    }
    if (h.n > 0)
        (void)kz__rec_domain(r, h.p, h.n);
    if (starts_ci(uri, "http://") || starts_ci(uri, "https://")) {
        kz__rec_add(r, "url", "value", uri.p, uri.n);
    } else if (host.n > 0) {
        size_t off = r->arena.n;
        if (kz_buf_append(&r->arena, "http://", 7) == KZ_OK &&
            kz_buf_append(&r->arena, host.p, host.n) == KZ_OK &&
            (uri.n == 0 || uri.p[0] == '/' || kz_buf_append(&r->arena, "/", 1) == KZ_OK) &&
            kz_buf_append(&r->arena, uri.n ? uri.p : "/", uri.n ? uri.n : 1) == KZ_OK)
            add_arena(r, "url", "value", off);
        else
            r->arena.n = off;
    }
    kz__rec_add(r, "network-traffic", "extensions.'http-request-ext'.request_method", method.p,
                method.n);
    kz__rec_add(r, "network-traffic", "extensions.'http-request-ext'.request_value", uri.p,
                uri.n);
    kz__rec_add(r, "network-traffic", "extensions.'http-request-ext'.request_header.'User-Agent'",
                ua.p, ua.n);
}

/* ---- time ----------------------------------------------------------------------------------- */

/* n decimal digits at p as a number, or -1. */
static int num(const char *p, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9)
            return -1;
        v = v * 10 + (int)d;
    }
    return v;
}

/* 10^(9 - d): what a fraction of d digits is multiplied by to be nanoseconds. */
static const uint32_t frac_scale[10] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                        10000,      1000,      100,      10,      1};

/* An ISO 8601 date and time (see log_int.h). */
size_t kz__iso_time(const char *p, size_t n, kz_time *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int Y, M, D, h, mi, s, oh = 0, om = 0, sign = 0;
    size_t i = 19;
    uint32_t ns = 0;
    int fd = 0;

    /* The lines of a log share their minute: the last valid "YYYY-MM-DDThh:mm" and its
     * seconds since the epoch are kept. */
    static _Thread_local uint64_t last_min[2]; /* zero: no minute yet (never a date's bytes) */
    static _Thread_local int64_t last_sec;
    uint64_t head[2];
    int64_t minute;

    if (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') ||
        p[13] != ':' || p[16] != ':')
        return 0;
    memcpy(head, p, 16);
    if (head[0] == last_min[0] && head[1] == last_min[1]) { /* two loads, no call */
        minute = last_sec;
    } else {
        Y = num(p, 4), M = num(p + 5, 2), D = num(p + 8, 2);
        h = num(p + 11, 2), mi = num(p + 14, 2);
        if (Y < 0 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h < 0 || h > 23 ||
            mi < 0 || mi > 59)
            return 0;
        minute = kz_time_days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 +
                 mi * 60;
        last_min[0] = head[0];
        last_min[1] = head[1];
        last_sec = minute;
    }
    s = num(p + 17, 2);
    if (s < 0 || s > 60)
        return 0;
    if (i < n && (p[i] == '.' || p[i] == ',') && i + 1 < n && p[i + 1] >= '0' &&
        p[i + 1] <= '9') {
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            if (fd < 9) {
                ns = ns * 10 + (uint32_t)(p[i] - '0');
                fd++;
            }
    }
    ns *= frac_scale[fd]; /* the fraction in nanoseconds */
    if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
        i++;
    } else if (i + 2 < n && (p[i] == '+' || p[i] == '-') && (oh = num(p + i + 1, 2)) >= 0) {
        sign = p[i] == '+' ? 1 : -1;
        i += 3;
        if (i < n && p[i] == ':')
            i++;
        if (i + 1 < n && (om = num(p + i, 2)) >= 0)
            i += 2;
        else
            om = 0;
        if (oh > 23 || om > 59)
            return 0;
    }
    if (s == 60)
        s = 59;
    out->sec = minute + s - sign * (oh * 3600 + om * 60);
    out->nsec = (int32_t)ns;
    out->frac_digits = (int8_t)fd;
    return i;
}

/* Epoch seconds with a fraction (see log_int.h). */
bool kz__epoch_time(const char *p, size_t n, kz_time *out)
{
    int64_t sec = 0;
    uint32_t ns = 0;
    size_t i = 0;
    int fd = 0;

    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (i >= 12)
            return false;
        sec = sec * 10 + (p[i] - '0');
    }
    if (i == 0)
        return false;
    if (i < n && p[i] == '.') {
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            if (fd < 9) {
                ns = ns * 10 + (uint32_t)(p[i] - '0');
                fd++;
            }
    }
    if (i != n)
        return false;
    ns *= frac_scale[fd]; /* the fraction in nanoseconds */
    out->sec = sec;
    out->nsec = (int32_t)ns;
    out->frac_digits = (int8_t)fd;
    return true;
}

/* ---- the next record ------------------------------------------------------------------------ */

/* Makes a record of one line of a line-based format: NULL when it is none (a header, a comment,
 * a malformed line, no field). */
static const kz_log_record *parse_line(kz_log_reader *r, kz_sv line)
{
    kz__line_result res;

    kz__rec_reset(r);
    r->rec.raw = line;
    r->why[0] = '\0';
    switch (r->fmt) {
        case KZ_LOG_ZEEK: res = kz__zeek_line(r, line); break;
        case KZ_LOG_EVE: res = kz__eve_line(r, line); break;
        default: res = kz__text_line(r, line); break;
    }
    if (res == KZ__LINE_BAD)
        kz__log_bad(r, r->rec.line, r->why);
    if (res != KZ__LINE_RECORD || r->nfields == 0)
        return NULL;
    kz__rec_finish(r);
    r->records++;
    return &r->rec;
}

/* The next record (see detect.h). */
kz_rc kz_log_next(kz_log_reader *r, const kz_log_record **rec, kz_err *err)
{
    kz_rc rc = KZ_OK;
    kz_sv line;

    *rec = NULL;
    if (r->fmt == KZ_LOG_STIX) {
        bool got = false;
        if ((rc = kz__stix_next(r, &got, err)) != KZ_OK || !got)
            goto out;
        kz__rec_finish(r);
        r->records++;
        *rec = &r->rec;
        goto out;
    }
    for (;;) {
        if ((rc = kz__log_line(r, &line, err)) != KZ_OK || line.p == NULL)
            goto out;
        if ((*rec = parse_line(r, line)) != NULL)
            goto out;
    }
out:
    return rc;
}

/* ---- lines parsed on other threads ---------------------------------------------------------- */

/* Whether each line of r's format is read alone (see detect.h). */
bool kz_log_lines_apart(const kz_log_reader *r)
{
    return r->fmt == KZ_LOG_TEXT || r->fmt == KZ_LOG_EVE;
}

/* The next framed line (see detect.h). */
kz_rc kz_log_next_line(kz_log_reader *r, kz_sv *line, uint64_t *lineno, uint64_t *offset,
                       kz_err *err)
{
    kz_rc rc = kz__log_line(r, line, err);

    *lineno = r->rec.line;
    *offset = r->rec.offset;
    return rc;
}

/* A parser of r's lines (see detect.h). */
kz_rc kz_log_parser_new(const kz_log_reader *r, kz_log_reader **out, kz_err *err)
{
    kz_rc rc = reader_new(r->name, r->fmt, &r->lim, out, err);

    if (rc == KZ_OK)
        (*out)->eof = true; /* no source of its own */
    return rc;
}

/* One line through a parser (see detect.h). */
const kz_log_record *kz_log_parse_line(kz_log_reader *p, kz_sv line, uint64_t lineno,
                                       uint64_t offset)
{
    p->lineno = lineno;
    p->rec.line = lineno;
    p->rec.offset = offset;
    return parse_line(p, line);
}

/* Adds a parser's counts to its reader's (see detect.h). */
void kz_log_counts_merge(kz_log_reader *r, const kz_log_reader *p)
{
    r->records += p->records;
    if (p->malformed > 0 && (r->malformed == 0 || p->problem_line < r->problem_line)) {
        memcpy(r->problem, p->problem, sizeof r->problem);
        r->problem_line = p->problem_line;
    }
    r->malformed += p->malformed;
}
