/*
 * fuzz_index.c - libFuzzer target for the indicator index: the input is up to eight STIX
 * patterns, one per line, each made into an indicator and added; the index is built and a few
 * fixed records (addresses, domains, URLs, hashes, file names) are matched. Catches crashes and
 * leaks in atom extraction, LIKE translation, the tables, the trie and the Vectorscan databases,
 * and checks the property the prefilters must keep (the required literals, their gram filter,
 * the Bloom and address filters): when the evaluator finds that an indicator's pattern matches a
 * record's observed-data on its own, the index reports that indicator for the record. Each record
 * gets a fresh scratch, so an indicator's window holds that record alone, as the evaluator's
 * set does. (The other direction is not a property: the index may confirm a candidate that the
 * single-record evaluation would not, e.g. through a window.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/detect.h"
#include "kizuna/pattern_eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IND 8

/* The indicators a record hit, by number (ids end in it). */
static kz_rc on_hit(void *ctx, const kz_hit *h)
{
    bool *hit = ctx;
    int n = atoi(h->indicator_id + strlen(h->indicator_id) - 12);

    if (n >= 0 && n < MAX_IND)
        hit[n] = true;
    return KZ_OK;
}

/* Whether pattern p matches rec's observed-data on its own; false when it cannot be evaluated. */
static bool eval_alone(const kz_pattern *p, const kz_log_record *rec)
{
    kz_time now = {1700000000, 0, 0};
    json_t *od = NULL;
    kz_obs_set *set = kz_obs_set_new();
    kz_eval_result res = {false, NULL, 0};
    kz_err err;
    bool matched = false;

    if (set != NULL && kz_log_record_observed(rec, &now, &od, &err) == KZ_OK &&
        kz_obs_set_add_bundle(set, od, &err) == KZ_OK &&
        kz_pattern_eval(p, set, &res, &err) == KZ_OK)
        matched = res.matched;
    kz_eval_result_free(&res);
    kz_obs_set_free(set);
    json_decref(od);
    return matched;
}

/* Matches rec with a fresh scratch; aborts when an indicator the evaluator matches on the record
 * alone is not reported. */
static void check(kz_index *ix, const kz_log_record *rec, kz_pattern *const *pat)
{
    kz_index_scratch *s = NULL;
    bool hit[MAX_IND] = {false};
    kz_err err;

    if (kz_index_scratch_new(ix, &s, &err) != KZ_OK)
        return;
    if (kz_index_match(ix, s, rec, on_hit, hit, &err) == KZ_OK)
        for (int i = 0; i < MAX_IND; i++)
            if (pat[i] != NULL && !hit[i] && eval_alone(pat[i], rec)) {
                fprintf(stderr, "indicator %d matches record %.*s alone but was not reported\n", i,
                        (int)rec->fields[0].value.n, rec->fields[0].value.p);
                abort();
            }
    kz_index_scratch_free(s);
}

/* Adds the pattern p as indicator n (errors are expected and ignored); *pat gets its parsed
 * pattern when the index took it. Odd indicators go in as JSON text (kz_index_add_text), even
 * ones as jansson values (kz_index_add): both must index the same. */
static void add_one(kz_index *ix, int n, const char *p, size_t len, kz_pattern **pat)
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
    if (n % 2 == 1) {
        char *text = json_dumps(in, JSON_COMPACT);
        kz_index_text_kind kind;
        if (text == NULL ||
            kz_index_add_text(ix, text, strlen(text), &now, &kind, &added, &err) != KZ_OK)
            added = false;
        free(text);
    } else if (kz_index_add(ix, in, &now, &added, &err) != KZ_OK) {
        added = false;
    }
    json_decref(in);
    if (added && kz_pattern_parse((kz_sv){p, len}, NULL, pat, &err) != KZ_OK)
        *pat = NULL;
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
        {"domain-name", "value", KZ_SV("Evil.Example"), 0, false},
        {"url", "value", KZ_SV("HTTP://Evil.Example:8080/A/b.php?c=1#d"), 0, false},
        {"url", "value", KZ_SV("http://e\xcc\x81vil.example/caf\xc3\xa9"), 0, false},
        {"email-addr", "value", KZ_SV("a.b+c@evil.example"), 0, false},
        {"file", "hashes.'SHA-256'",
         KZ_SV("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 0, false},
        {"network-traffic", "dst_ref.value", KZ_SV("10.1.2.3"), 0, false},
        {"ipv4-addr", "value", KZ_SV("10.1.2.3"), 0, false},
        {"ipv6-addr", "value", KZ_SV("::ffff:198.51.100.7"), 0, false},
    };
    kz_index *ix = NULL;
    kz_index_scratch *s = NULL;
    kz_pattern *pat[MAX_IND] = {NULL};
    kz_log_record rec;
    kz_err err;
    size_t at = 0;
    int n = 0;
    bool hit[MAX_IND];

    if (kz_index_new(NULL, &ix, &err) != KZ_OK)
        return 0;
    while (at < size && n < MAX_IND) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
        add_one(ix, n, (const char *)data + at, len, &pat[n]);
        n++;
        at += len + 1;
    }
    if (kz_index_build(ix, &err) != KZ_OK || kz_index_scratch_new(ix, &s, &err) != KZ_OK)
        goto out;
    memset(&rec, 0, sizeof rec);
    rec.file = "fuzz";
    rec.log = "fuzz";
    rec.has_time = true;
    /* One scratch through all records (windows fill), then each record alone. */
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        /* A reader adds network-traffic's dst_ref.value only beside the address's own field
         * (ipv4-addr:value), which the index looks up for ipv4-addr patterns: not alone. */
        if (strcmp(fields[i].type, "network-traffic") == 0 &&
            strstr(fields[i].path, "_ref") != NULL)
            continue;
        rec.time = (kz_time){1700000000 + (int64_t)i * 20, 0, 0};
        rec.fields = &fields[i];
        rec.nfields = 1;
        if (kz_index_match(ix, s, &rec, on_hit, hit, &err) != KZ_OK)
            memset(hit, 0, sizeof hit); /* errors are expected: only crashes matter here */
        check(ix, &rec, pat);
    }
    rec.fields = fields;
    rec.nfields = sizeof fields / sizeof fields[0];
    if (kz_index_match(ix, s, &rec, on_hit, hit, &err) != KZ_OK)
        memset(hit, 0, sizeof hit);
    check(ix, &rec, pat);
out:
    for (int i = 0; i < MAX_IND; i++)
        kz_pattern_free(pat[i]);
    kz_index_scratch_free(s);
    kz_index_free(ix);
    return 0;
}
