/* export.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_export_stix(kz_store *s, kz_rc (*fn)(void *ctx, const json_t *obj), void *ctx, kz_err *err)
{
    (void)s, (void)fn, (void)ctx;
    return kz_fail(err, KZ_EUSAGE, "export not built yet");
}
