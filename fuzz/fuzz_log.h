/*
 * fuzz_log.h - the body shared by the log reader targets (fuzz_log_<format>.c): any bytes are
 * read to the end without a crash, every record's fields are views inside it, and each record
 * either converts to observed-data or is refused cleanly. When the first byte is odd, a
 * gzip-wrapped copy (made here with zlib) is read as well, so the inflating path sees the same
 * inputs. Text and EVE are also read as a scan on several threads reads them, which must give the
 * same records. Header only: each target includes it and calls fuzz_log with its format.
 */
#ifndef KZ_FUZZ_LOG_H
#define KZ_FUZZ_LOG_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "kizuna/detect.h"

/* Reads every record of the bytes as format f; converts the first few to observed-data. */
static void fuzz_log_read_all(const char *p, size_t n, kz_log_format f)
{
    kz_limits lim = kz_limits_default();
    kz_log_reader *r = NULL;
    const kz_log_record *rec;
    kz_err err;
    int k = 0;

    lim.object_bytes = 1u << 16;
    if (kz_log_open_mem(p, n, "fuzz", f, &lim, &r, &err) != KZ_OK)
        return;
    while (kz_log_next(r, &rec, &err) == KZ_OK && rec != NULL) {
        json_t *arr = NULL;
        if (rec->nfields == 0 || rec->nfields > KZ_LOG_FIELDS_MAX)
            abort();
        for (size_t i = 0; i < rec->nfields; i++)
            if (rec->fields[i].value.n == 0 || rec->fields[i].type == NULL)
                abort();
        if (k++ < 8 && kz_log_record_observed(rec, NULL, &arr, &err) == KZ_OK)
            json_decref(arr);
    }
    kz_log_free(r);
}

/*
 * The same bytes read the way a scan on several threads reads them (kz_log_next_line framing,
 * a parser making each line's record): the same records, field by field, and the same counts as
 * kz_log_next's, or an abort.
 */
static void fuzz_log_read_apart(const char *p, size_t n, kz_log_format f)
{
    kz_limits lim = kz_limits_default();
    kz_log_reader *a = NULL, *b = NULL, *parser = NULL;
    const kz_log_record *ra, *rb;
    uint64_t na, nb, ma, mb;
    const char *fa, *fb;
    kz_err err;

    lim.object_bytes = 1u << 16;
    if (kz_log_open_mem(p, n, "fuzz", f, &lim, &a, &err) != KZ_OK ||
        kz_log_open_mem(p, n, "fuzz", f, &lim, &b, &err) != KZ_OK || !kz_log_lines_apart(b) ||
        kz_log_parser_new(b, &parser, &err) != KZ_OK)
        goto out;
    for (;;) {
        kz_rc rca = kz_log_next(a, &ra, &err), rcb;
        kz_sv line;
        uint64_t lineno, offset;

        rb = NULL;
        while ((rcb = kz_log_next_line(b, &line, &lineno, &offset, &err)) == KZ_OK &&
               line.p != NULL && (rb = kz_log_parse_line(parser, line, lineno, offset)) == NULL)
            ;
        if (rca != rcb)
            abort();
        if (rca != KZ_OK || ra == NULL || rb == NULL) {
            if (rca == KZ_OK && (ra == NULL) != (rb == NULL))
                abort();
            break;
        }
        if (ra->line != rb->line || ra->offset != rb->offset || ra->nfields != rb->nfields ||
            ra->has_time != rb->has_time || strcmp(ra->log, rb->log) != 0)
            abort();
        for (size_t i = 0; i < ra->nfields; i++)
            if (ra->fields[i].type != rb->fields[i].type ||
                ra->fields[i].path != rb->fields[i].path ||
                ra->fields[i].value.n != rb->fields[i].value.n ||
                memcmp(ra->fields[i].value.p, rb->fields[i].value.p, ra->fields[i].value.n) != 0)
                abort();
    }
    kz_log_counts_merge(b, parser);
    kz_log_counts(a, &na, &ma, &fa);
    kz_log_counts(b, &nb, &mb, &fb);
    if (na != nb || ma != mb || strcmp(fa, fb) != 0)
        abort();
out:
    kz_log_free(parser);
    kz_log_free(a);
    kz_log_free(b);
}

/*
 * Runs one fuzz input through the reader for format f: as given and, when the first byte is
 * odd, gzip-wrapped whole and cut short. Returns 0, as libFuzzer expects; a bug aborts.
 */
static int fuzz_log(const uint8_t *data, size_t size, kz_log_format f)
{
    z_stream z;
    size_t cap;
    unsigned char *gz;

    fuzz_log_read_all((const char *)data, size, f);
    fuzz_log_read_apart((const char *)data, size, f);
    if (size == 0 || (data[0] & 1) == 0)
        return 0;
    cap = size + size / 2 + 128;
    if ((gz = malloc(cap)) == NULL)
        return 0;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)size;
        z.next_out = gz;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
            fuzz_log_read_all((const char *)gz, z.total_out, f);
            /* Cut short: a clean KZ_EIO, never a crash. */
            fuzz_log_read_all((const char *)gz, z.total_out / 2, f);
        }
        deflateEnd(&z);
    }
    free(gz);
    return 0;
}

#endif
