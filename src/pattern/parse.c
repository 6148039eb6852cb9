/* Placeholder until the parser lands: accepts every pattern. */
#include <stdlib.h>
#include "kizuna/pattern.h"
struct kz_pattern { int unused; };
kz_rc kz_pattern_parse(kz_sv text, const kz_limits *lim, kz_pattern **out, kz_err *err)
{
    (void)text; (void)lim; (void)err;
    *out = calloc(1, sizeof **out);
    return *out ? KZ_OK : KZ_ENOMEM;
}
void kz_pattern_free(kz_pattern *p) { free(p); }
