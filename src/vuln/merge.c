/* merge.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_merge(json_t *const *recs, size_t n, json_t **out, kz_err *err)
{
    (void)recs, (void)n;
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "merge not built yet");
}
