/* jvn.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_parse_jvn(const char *xml, size_t n, const char *file, const kz_limits *lim, const kz_vuln_sink *sink, kz_err *err)
{
    (void)xml, (void)n, (void)lim, (void)sink;
    return kz_fail(err, KZ_EUSAGE, "%s: JVN import not built yet", file);
}
