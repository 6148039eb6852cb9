/*
 * fuzz_log_zeek.c - libFuzzer target for the zeek log reader: any bytes are read to the end
 * without a crash, every record's fields are views inside it, and each record either converts
 * to observed-data or is refused cleanly. When the first byte is odd, a gzip-wrapped copy
 * (made here with zlib) is read as well, so the inflating path sees the same inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "kizuna/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every record of the bytes; converts the first few to observed-data. */
static void read_all(const char *p, size_t n)
{
    kz_limits lim = kz_limits_default();
    kz_log_reader *r = NULL;
    const kz_log_record *rec;
    kz_err err;
    int k = 0;

    lim.object_bytes = 1u << 16;
    if (kz_log_open_mem(p, n, "fuzz", KZ_LOG_ZEEK, &lim, &r, &err) != KZ_OK)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    z_stream z;
    size_t cap;
    unsigned char *gz;

    read_all((const char *)data, size);
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
            read_all((const char *)gz, z.total_out);
            /* Cut short: a clean KZ_EIO, never a crash. */
            read_all((const char *)gz, z.total_out / 2);
        }
        deflateEnd(&z);
    }
    free(gz);
    return 0;
}
