/* kev.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_parse_kev(const json_t *doc, const char *file, const kz_vuln_sink *sink, kz_err *err)
{
    (void)doc, (void)sink;
    return kz_fail(err, KZ_EUSAGE, "%s: KEV import not built yet", file);
}
