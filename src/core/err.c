/*
 * err.c - result codes and error messages. A kz_err is fixed-size so that reporting a failure
 * never allocates; kz_fail() formats and returns the code so call sites stay one line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/core.h"

const char *kz_rc_str(kz_rc rc)
{
    switch (rc) {
        case KZ_OK: return "ok";
        case KZ_EINVAL: return "invalid input";
        case KZ_ENOMEM: return "out of memory";
        case KZ_ELIMIT: return "limit exceeded";
        case KZ_EIO: return "I/O error";
        case KZ_EDB: return "database error";
        case KZ_ENOTFOUND: return "not found";
        case KZ_ECONFLICT: return "conflict";
        case KZ_EUSAGE: return "usage error";
    }
    return "unknown error";
}

kz_rc kz_fail(kz_err *err, kz_rc rc, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return rc;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return rc;
}

void kz_err_prefix(kz_err *err, const char *fmt, ...)
{
    char head[KZ_ERR_MAX], tail[KZ_ERR_MAX];
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(tail, err->msg, sizeof tail);
    tail[sizeof tail - 1] = '\0';
    snprintf(err->msg, sizeof err->msg, "%s: %s", head, tail);
}

void kz_err_clear(kz_err *err)
{
    if (err != NULL)
        err->msg[0] = '\0';
}

kz_limits kz_limits_default(void)
{
    kz_limits l = {
        .object_bytes = 16u << 20, /* ATT&CK's largest object is ~60 KB; CTI reports can be MBs */
        .json_depth = 64,
        .objects = 100u * 1000 * 1000,
        .pattern_bytes = 64u << 10,
        .pattern_depth = 64,
        .pattern_terms = 10000,
    };
    return l;
}
