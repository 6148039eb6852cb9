/*
 * fuzz_pattern_eval.c - libFuzzer target for the pattern evaluator. Input: a STIX pattern on the
 * first line, then a JSON array of STIX objects (observed-data and SCOs, 2.1 or 2.0 form). Any
 * input must evaluate or fail cleanly; a match must name observations that exist, in order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kizuna/pattern_eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - data) : size;
    kz_limits lim = kz_limits_default();
    kz_pattern *p = NULL;
    kz_obs_set *set = NULL;
    kz_eval_result res = {0};
    json_t *objs = NULL;
    kz_err err;

    lim.pattern_bytes = 4096;
    lim.pattern_depth = 16;
    lim.pattern_terms = 200;
    if (kz_pattern_parse((kz_sv){(const char *)data, plen}, &lim, &p, &err) != KZ_OK)
        goto out;
    if (nl == NULL || (set = kz_obs_set_new()) == NULL)
        goto out;
    objs = json_loadb((const char *)nl + 1, size - plen - 1, 0, NULL);
    if (objs == NULL || kz_obs_set_add_bundle(set, objs, &err) != KZ_OK)
        goto out;
    if (kz_pattern_eval(p, set, &res, &err) != KZ_OK)
        goto out;
    if (!res.matched && res.nobs != 0)
        abort();
    for (size_t i = 0; i < res.nobs; i++)
        if (res.obs[i] >= kz_obs_set_count(set) || (i > 0 && res.obs[i] <= res.obs[i - 1]))
            abort();
out:
    kz_eval_result_free(&res);
    json_decref(objs);
    kz_obs_set_free(set);
    kz_pattern_free(p);
    return 0;
}
