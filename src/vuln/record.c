/* record.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_vuln_record_check(const json_t *rec, kz_err *err)
{
    (void)rec;
    return kz_fail(err, KZ_EUSAGE, "record check not built yet");
}
size_t kz_vuln_norm_name(const char *name, char *out, size_t cap)
{
    (void)name;
    if (cap)
        out[0] = 0;
    return 0;
}
kz_rc kz_vuln_record_keys(const json_t *rec, kz_rc (*fn)(void *ctx, const char *key), void *ctx, kz_err *err)
{
    (void)rec, (void)fn, (void)ctx;
    return kz_fail(err, KZ_EUSAGE, "record keys not built yet");
}
