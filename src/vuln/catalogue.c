/* catalogue.c - placeholder while it is being written (replaced in this change). */
#include "kizuna/vuln.h"

kz_rc kz_catalogue_load(const char *path, kz_catalogue **out, kz_err *err)
{
    *out = NULL;
    return kz_fail(err, KZ_EUSAGE, "%s: catalogue not built yet", path);
}
void kz_catalogue_for_cwe(const kz_catalogue *c, const char *cwe, void (*fn)(void *ctx, const kz_provision *p), void *ctx)
{
    (void)c, (void)cwe, (void)fn, (void)ctx;
}
size_t kz_catalogue_count(const kz_catalogue *c) { (void)c; return 0; }
const kz_provision *kz_catalogue_get(const kz_catalogue *c, size_t i) { (void)c, (void)i; return NULL; }
void kz_catalogue_free(kz_catalogue *c) { (void)c; }
