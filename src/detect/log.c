/* log.c - placeholder while it is being written (replaced in this change). */
#include <string.h>

#include "kizuna/detect.h"

const char *kz_log_format_name(kz_log_format f) { (void)f; return "auto"; }
kz_rc kz_log_open(const char *path, kz_log_format f, const kz_limits *lim, kz_log_reader **out, kz_err *err)
{
    (void)f, (void)lim;
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "%s: log readers not built yet", path);
}
kz_rc kz_log_open_mem(const char *bytes, size_t n, const char *name, kz_log_format f, const kz_limits *lim, kz_log_reader **out, kz_err *err)
{
    (void)bytes, (void)n, (void)f, (void)lim;
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "%s: log readers not built yet", name);
}
kz_rc kz_log_next(kz_log_reader *r, const kz_log_record **rec, kz_err *err)
{
    (void)r, (void)err;
    *rec = NULL;
    return KZ_OK;
}
void kz_log_counts(const kz_log_reader *r, uint64_t *records, uint64_t *malformed, const char **first_problem)
{
    (void)r;
    *records = *malformed = 0;
    *first_problem = "";
}
kz_log_format kz_log_format_of(const kz_log_reader *r) { (void)r; return KZ_LOG_AUTO; }
void kz_log_free(kz_log_reader *r) { (void)r; }
kz_rc kz_log_record_observed(const kz_log_record *rec, const kz_time *fallback, json_t **out, kz_err *err)
{
    (void)rec, (void)fallback;
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "not built yet");
}
