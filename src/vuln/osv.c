/* osv.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_parse_osv(const json_t *doc, const char *file, const kz_vuln_sink *sink, kz_err *err)
{
    (void)doc, (void)sink;
    return kz_fail(err, KZ_EUSAGE, "%s: OSV import not built yet", file);
}
