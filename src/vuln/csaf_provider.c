/* csaf_provider.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_csaf_provider(const char *metadata_path, const kz_limits *lim, kz_rc (*fn)(void *ctx, const char *path), const kz_vuln_sink *problems, void *ctx, kz_err *err)
{
    (void)lim, (void)fn, (void)problems, (void)ctx;
    return kz_fail(err, KZ_EUSAGE, "%s: provider folders not built yet", metadata_path);
}
