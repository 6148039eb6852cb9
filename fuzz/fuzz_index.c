/*
 * fuzz_index.c - libFuzzer target for the indicator index: the input is up to eight STIX
 * patterns, one per line, each made into an indicator and added; the index is built and a few
 * fixed records (addresses, domains, URLs, hashes, file names) are matched. Catches crashes and
 * leaks in atom extraction, LIKE translation, the tables, the trie and the Vectorscan databases.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ignores hits: only crashes matter here. */
static kz_rc on_hit(void *ctx, const kz_hit *h)
{
    (void)h;
    (*(int *)ctx)++;
    return KZ_OK;
}

/* Adds the pattern p as indicator n (errors are expected and ignored). */
static void add_one(kz_index *ix, int n, const char *p, size_t len)
{
    char id[64];
    json_t *in;
    kz_time now = {1700000000, 0, 0};
    kz_err err;
    bool added;

    snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", n);
    in = json_pack("{s:s, s:s, s:s%, s:s, s:s}", "type", "indicator", "id", id, "pattern", p, len,
                   "pattern_type", "stix", "valid_from", "2020-01-01T00:00:00Z");
    if (in == NULL) /* not UTF-8: jansson refuses it */
        return;
    if (kz_index_add(ix, in, &now, &added, &err) != KZ_OK)
        added = false;
    json_decref(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const kz_field fields[] = {
        {"ipv4-addr", "value", KZ_SV("198.51.100.7"), 0, false},
        {"ipv6-addr", "value", KZ_SV("2001:db8::1"), 0, false},
        {"domain-name", "value", KZ_SV("evil.example"), 0, false},
        {"url", "value", KZ_SV("http://evil.example/a.php?x=1"), 0, false},
        {"file", "hashes.MD5", KZ_SV("d41d8cd98f00b204e9800998ecf8427e"), 0, false},
        {"file", "name", KZ_SV("invoice.exe"), 0, false},
        {"network-traffic", "dst_port", KZ_SV("443"), 0, false},
        {"url", "value", KZ_SV("http://\xc3\xa9\xff/"), 0, false},
    };
    kz_index *ix = NULL;
    kz_index_scratch *s = NULL;
    kz_log_record rec;
    kz_err err;
    size_t at = 0;
    int n = 0, hits = 0;

    if (kz_index_new(NULL, &ix, &err) != KZ_OK)
        return 0;
    while (at < size && n < 8) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
        add_one(ix, n++, (const char *)data + at, len);
        at += len + 1;
    }
    if (kz_index_build(ix, &err) != KZ_OK || kz_index_scratch_new(ix, &s, &err) != KZ_OK)
        goto out;
    memset(&rec, 0, sizeof rec);
    rec.file = "fuzz";
    rec.log = "fuzz";
    rec.has_time = true;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        rec.time = (kz_time){1700000000 + (int64_t)i * 20, 0, 0};
        rec.fields = &fields[i];
        rec.nfields = 1;
        if (kz_index_match(ix, s, &rec, on_hit, &hits, &err) != KZ_OK)
            hits = -1;
    }
    rec.fields = fields;
    rec.nfields = sizeof fields / sizeof fields[0];
    if (kz_index_match(ix, s, &rec, on_hit, &hits, &err) != KZ_OK)
        hits = -1;
out:
    kz_index_scratch_free(s);
    kz_index_free(ix);
    return 0;
}
