/*
 * fuzz_taxii_request.c - libFuzzer target for the TAXII request parsers, the bytes a peer sends
 * before anything else reads them. The first byte picks the parser: below 0x80 it is the mask of
 * query parameters the endpoint takes (every mask is reached) and the rest is a query string;
 * from 0x80 on, (byte - 0x80) % 5 picks Accept (TAXII only), Accept (STIX too), Content-Type,
 * Authorization or an envelope. Every input must fail cleanly or give a result that keeps the
 * parser's promises (list bounds, fixed-form versions, cursors that decode to what they encode).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/taxii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_filter(kz_sv in, unsigned allowed)
{
    kz_taxii_filter f, g;
    kz_query q;
    kz_err err;
    char cur[KZ_TAXII_CURSOR_MAX], query[64], text[KZ_TIME_MAX];

    if (kz_taxii_filter_parse(in, allowed, &f, &err) != KZ_OK)
        return;
    if ((f.given & ~allowed) != 0 || f.n_ids > KZ_TAXII_LIST_MAX ||
        f.n_types > KZ_TAXII_LIST_MAX || f.n_versions > KZ_TAXII_LIST_MAX ||
        f.n_spec_versions > KZ_TAXII_LIST_MAX)
        abort();
    if ((f.given & KZ_TQ_LIMIT) && (f.limit < 1 || f.limit > ((int64_t)1 << 31)))
        abort();
    if ((f.given & KZ_TQ_NEXT) && f.next_seq <= 0)
        abort();
    for (size_t i = 0; i < f.n_versions; i++) {
        if (strlen(f.versions[i]) != 30)
            abort();
        kz_taxii_version_text(kz_sv_c(f.versions[i]), text);
        if (strlen(text) != 24 && strlen(text) != 27 && strlen(text) != 30)
            abort();
    }
    for (size_t i = 0; i < f.n_types; i++)
        if (strlen(f.types[i]) < 3)
            abort();
    memset(&q, 0, sizeof q);
    kz_taxii_filter_to_query(&f, &q);
    if (q.after_seq != f.next_seq || q.n_ids != f.n_ids)
        abort();
    if (f.given & KZ_TQ_NEXT) {
        kz_taxii_cursor_encode(f.next_seq, cur);
        snprintf(query, sizeof query, "next=%s", cur);
        if (kz_taxii_filter_parse(kz_sv_c(query), KZ_TQ_NEXT, &g, &err) != KZ_OK ||
            g.next_seq != f.next_seq)
            abort();
        kz_taxii_filter_free(&g);
    }
    kz_taxii_filter_free(&f);
}

static void check_accept(kz_sv in, bool stix)
{
    const char *m = kz_taxii_accept(in, stix);

    if (m != NULL && strcmp(m, KZ_TAXII_MEDIA) != 0 && strcmp(m, KZ_STIX_MEDIA) != 0)
        abort();
    if (m != NULL && !stix && strcmp(m, KZ_STIX_MEDIA) == 0)
        abort();
}

static void check_cred(kz_sv in)
{
    kz_taxii_cred c;
    kz_err err;

    if (kz_taxii_cred_parse(in, &c, &err) == KZ_OK) {
        if (c.secret_n >= sizeof c.secret || c.secret[c.secret_n] != '\0' ||
            strlen(c.user) >= KZ_NAME_MAX)
            abort();
        if (c.kind == KZ_CRED_NONE && (c.secret_n != 0 || c.user[0] != '\0'))
            abort();
    } else if (c.kind != KZ_CRED_NONE || c.secret_n != 0) {
        abort();
    }
    kz_taxii_cred_wipe(&c);
}

static void check_envelope(kz_sv in)
{
    kz_limits lim = kz_limits_default();
    json_t *objs = NULL;
    kz_err err;

    lim.json_depth = 16;
    if (kz_taxii_envelope_parse(in, 50, &lim, &objs, &err) == KZ_OK) {
        if (!json_is_array(objs) || json_array_size(objs) > 50)
            abort();
        json_decref(objs);
    } else if (objs != NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_sv in;
    unsigned sel;

    if (size == 0)
        return 0;
    sel = data[0];
    in = (kz_sv){(const char *)data + 1, size - 1};
    if (sel < 0x80) {
        check_filter(in, sel);
        return 0;
    }
    switch ((sel - 0x80) % 5) {
        case 0: check_accept(in, false); break;
        case 1: check_accept(in, true); break;
        case 2: (void)kz_taxii_content_type_ok(in); break;
        case 3: check_cred(in); break;
        default: check_envelope(in); break;
    }
    return 0;
}
