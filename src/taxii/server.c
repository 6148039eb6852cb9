/* server.c - placeholder (being written in this change). */
#include <string.h>

#include "taxii_int.h"

kz_taxii_config kz_taxii_config_default(void)
{
    kz_taxii_config c;
    memset(&c, 0, sizeof c);
    c.lim = kz_limits_default();
    c.page_max = 1000;
    c.max_objects = 10000;
    c.max_body = 64u << 20;
    return c;
}
kz_rc kz_taxii_serve(const kz_taxii_config *cfg, kz_err *err)
{
    (void)cfg;
    return kz_fail(err, KZ_EUSAGE, "not built yet");
}
void kz_taxii_stop(void) {}
