/* index.c - placeholder while it is being written (replaced in this change). */
#include <string.h>

#include "kizuna/detect.h"

kz_rc kz_index_new(const kz_limits *lim, kz_index **out, kz_err *err)
{
    (void)lim;
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "index not built yet");
}
kz_rc kz_index_add(kz_index *ix, const json_t *indicator, const kz_time *now, bool *added, kz_err *err)
{
    (void)ix, (void)indicator, (void)now;
    *added = false;
    return kz_fail(err, KZ_EUSAGE, "index not built yet");
}
kz_rc kz_index_build(kz_index *ix, kz_err *err)
{
    (void)ix;
    return kz_fail(err, KZ_EUSAGE, "index not built yet");
}
void kz_index_get_stats(const kz_index *ix, kz_index_stats *out) { (void)ix; memset(out, 0, sizeof *out); }
kz_rc kz_index_scratch_new(const kz_index *ix, kz_index_scratch **out, kz_err *err)
{
    (void)ix;
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "index not built yet");
}
void kz_index_scratch_free(kz_index_scratch *s) { (void)s; }
kz_rc kz_index_match(const kz_index *ix, kz_index_scratch *s, const kz_log_record *rec, kz_rc (*fn)(void *ctx, const kz_hit *h), void *ctx, kz_err *err)
{
    (void)ix, (void)s, (void)rec, (void)fn, (void)ctx;
    return kz_fail(err, KZ_EUSAGE, "index not built yet");
}
void kz_index_free(kz_index *ix) { (void)ix; }
