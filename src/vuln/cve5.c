/* cve5.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_parse_cve5(const json_t *doc, const char *file, const kz_vuln_sink *sink, kz_err *err)
{
    (void)doc, (void)sink;
    return kz_fail(err, KZ_EUSAGE, "%s: CVE 5 import not built yet", file);
}
