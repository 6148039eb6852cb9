/* request.c - placeholder (being written in this change). */
#include <string.h>

#include "kizuna/taxii.h"

kz_rc kz_taxii_filter_parse(kz_sv query, unsigned allowed, kz_taxii_filter *f, kz_err *err)
{
    (void)query, (void)allowed;
    memset(f, 0, sizeof *f);
    return kz_fail(err, KZ_EINVAL, "not built yet");
}
void kz_taxii_filter_free(kz_taxii_filter *f) { (void)f; }
void kz_taxii_filter_to_query(const kz_taxii_filter *f, kz_query *q) { (void)f, (void)q; }
void kz_taxii_cursor_encode(int64_t seq, char out[KZ_TAXII_CURSOR_MAX]) { (void)seq; out[0] = 0; }
const char *kz_taxii_accept(kz_sv accept, bool stix_ok) { (void)accept, (void)stix_ok; return KZ_TAXII_MEDIA; }
bool kz_taxii_content_type_ok(kz_sv ct) { (void)ct; return true; }
kz_rc kz_taxii_cred_parse(kz_sv a, kz_taxii_cred *out, kz_err *err)
{
    (void)a, (void)err;
    memset(out, 0, sizeof *out);
    return KZ_OK;
}
void kz_taxii_cred_wipe(kz_taxii_cred *c) { (void)c; }
kz_rc kz_taxii_envelope_parse(kz_sv body, size_t max_objects, const kz_limits *lim, json_t **objects, kz_err *err)
{
    (void)body, (void)max_objects, (void)lim;
    *objects = NULL;
    return kz_fail(err, KZ_EINVAL, "not built yet");
}
void kz_taxii_version_text(kz_sv stored, char out[KZ_TIME_MAX])
{
    size_t n = stored.n < KZ_TIME_MAX - 1 ? stored.n : KZ_TIME_MAX - 1;
    memcpy(out, stored.p, n);
    out[n] = 0;
}
