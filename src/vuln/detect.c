/* detect.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

const char *kz_vfmt_name(kz_vfmt f) { (void)f; return "unknown"; }
kz_vfmt kz_vuln_detect(const char *bytes, size_t n) { (void)bytes, (void)n; return KZ_VFMT_UNKNOWN; }
kz_rc kz_vuln_parse(kz_vfmt f, const char *bytes, size_t n, const char *file, const kz_limits *lim, const kz_vuln_sink *sink, kz_err *err)
{
    (void)f, (void)bytes, (void)n, (void)lim, (void)sink;
    return kz_fail(err, KZ_EUSAGE, "%s: not built yet", file);
}
