/* report.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_report(const kz_inventory *inv, const kz_findings *f, const kz_catalogue *cat, kz_report_format fmt, const char *lang, FILE *out, kz_err *err)
{
    (void)inv, (void)f, (void)cat, (void)fmt, (void)lang, (void)out;
    return kz_fail(err, KZ_EUSAGE, "reports not built yet");
}
