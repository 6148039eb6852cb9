/*
 * validate.c - the entry points of STIX 2.1 validation: finds the table of an object's type
 * (SDO and SRO in v_sdo.c, SCO in v_sco.c, meta objects in v_meta.c; any other well-formed type
 * is a custom object and gets the common checks only), walks the object against it, and for an
 * SCO whose id is a UUIDv5 says whether it is the deterministic id of its ID contributing
 * properties. Also the version of an object, for the store.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "validate_int.h"

static const struct {
    const kz_tinfo *t;
    const size_t *n;
} type_sets[] = {
    {kz_stix__sdo_types, &kz_stix__sdo_ntypes},
    {kz_stix__sco_types, &kz_stix__sco_ntypes},
    {kz_stix__meta_types, &kz_stix__meta_ntypes},
};

const kz_tinfo *kz_stix__type_info(const char *name, size_t n)
{
    for (size_t k = 0; k < KZ_NELEM(type_sets); k++) {
        size_t lo = 0, hi = *type_sets[k].n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const char *t = type_sets[k].t[mid].name;
            size_t tn = strlen(t);
            int c = memcmp(name, t, n < tn ? n : tn);
            if (c == 0)
                c = n < tn ? -1 : n > tn;
            if (c == 0)
                return &type_sets[k].t[mid];
            if (c < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
    }
    return NULL;
}

bool kz_stix_type_known(const char *type)
{
    if (type == NULL)
        return false;
    return kz_stix__type_info(type, strlen(type)) != NULL || strcmp(type, "bundle") == 0;
}

bool kz_stix_type_is_sco(const char *type)
{
    const kz_tinfo *ti = type != NULL ? kz_stix__type_info(type, strlen(type)) : NULL;

    return ti != NULL && ti->cat == KZ_C_SCO;
}

/* Says whether an SCO's UUIDv5 id is the one its ID contributing properties give. */
static void det_id_note(kz_vctx *vc, const json_t *obj)
{
    const json_t *id = json_object_get(obj, "id");
    const char *s = json_string_value(id), *type = vc->ti->name;
    size_t tn = strlen(type);
    char want[KZ_UUID_STR];
    kz_rc rc;

    if (s == NULL || json_string_length(id) != tn + 2 + 36)
        return;
    rc = kz_stix__sco_det_id(obj, vc->ti, vc->lim != NULL ? vc->lim->json_depth : 64, want);
    kz_stix__push(vc, "id");
    if (rc == KZ_ENOTFOUND)
        kz_stix__report(vc, KZ_STIX_NOTE,
                        "is a UUIDv5 but the object has none of the ID contributing properties "
                        "of %s",
                        type);
    else if (rc != KZ_OK)
        kz_stix__report(vc, KZ_STIX_NOTE, "the deterministic id could not be computed: %s",
                        kz_rc_str(rc));
    else if (strcasecmp(s + tn + 2, want) == 0)
        kz_stix__report(vc, KZ_STIX_NOTE,
                        "is the deterministic UUIDv5 of the object's ID contributing properties");
    else
        kz_stix__report(vc, KZ_STIX_NOTE,
                        "is not the deterministic id of the object's ID contributing "
                        "properties (expected %s--%s)",
                        type, want);
    kz_stix__pop(vc);
}

int kz_stix_validate(const json_t *obj, const kz_limits *lim, kz_stix_report_fn report,
                     void *ctx)
{
    kz_vctx vc;
    const json_t *type;

    memset(&vc, 0, sizeof vc);
    vc.report = report;
    vc.ctx = ctx;
    vc.lim = lim;
    vc.root = obj;
    vc.idver = -1;
    if (!json_is_object(obj)) {
        kz_stix__report(&vc, KZ_STIX_ERROR, "expected a STIX object, got %s",
                        obj != NULL ? kz_stix__kind_name(obj) : "nothing");
        return vc.errors;
    }
    type = json_object_get(obj, "type");
    if (json_is_string(type)) {
        vc.ti = kz_stix__type_info(json_string_value(type), json_string_length(type));
        if (vc.ti == NULL && strcmp(json_string_value(type), "bundle") == 0) {
            kz_stix__report_at(&vc, "type", KZ_STIX_ERROR,
                               "a bundle is not a STIX object; validate each of its objects");
            return vc.errors;
        }
    }
    vc.cat = vc.ti != NULL ? vc.ti->cat : KZ_C_CUSTOM;
    kz_stix__check_props(&vc, obj, vc.ti != NULL ? vc.ti->props : NULL, true);
    if (vc.cat == KZ_C_CUSTOM)
        kz_stix__time_order(&vc, obj, "created", "modified", false);
    else if (vc.cat != KZ_C_SCO)
        kz_stix__time_order(&vc, obj, "created", "modified", false);
    if (vc.cat == KZ_C_SCO && vc.idver == 5 && vc.ti->idc != NULL)
        det_id_note(&vc, obj);
    return vc.errors;
}

kz_rc kz_stix_version(const json_t *obj, char out[KZ_STIX_VERSION_MAX])
{
    const json_t *v = json_object_get(obj, "modified");
    kz_time t;

    out[0] = '\0';
    if (v == NULL)
        v = json_object_get(obj, "created");
    if (v == NULL)
        return KZ_OK;
    if (!json_is_string(v) ||
        kz_time_parse((kz_sv){json_string_value(v), json_string_length(v)}, &t, NULL) != KZ_OK)
        return KZ_EINVAL;
    kz_time_format(&t, 9, out);
    return KZ_OK;
}

/* ---- self check of the tables, for the unit tests ---------------------------------------- */

static const char *table_unsorted(const kz_ptable *t)
{
    if (t == NULL)
        return NULL;
    if (t->n > 64)
        return t->what;
    for (size_t i = 0; i < t->n; i++) {
        const char *bad;
        if (i > 0 && strcmp(t->p[i - 1].name, t->p[i].name) >= 0)
            return t->p[i].name;
        if (t->p[i].sub != NULL && (bad = table_unsorted(t->p[i].sub)) != NULL)
            return bad;
    }
    return NULL;
}

const char *kz_stix__tables_unsorted(void)
{
    const char *bad;

    if ((bad = kz_stix__common_unsorted()) != NULL)
        return bad;
    for (size_t k = 0; k < KZ_NELEM(type_sets); k++) {
        const kz_tinfo *ts = type_sets[k].t;
        for (size_t i = 0; i < *type_sets[k].n; i++) {
            if (i > 0 && strcmp(ts[i - 1].name, ts[i].name) >= 0)
                return ts[i].name;
            if ((bad = table_unsorted(ts[i].props)) != NULL)
                return bad;
            for (size_t e = 0; e < ts[i].nexts; e++) {
                if (e > 0 && strcmp(ts[i].exts[e - 1].name, ts[i].exts[e].name) >= 0)
                    return ts[i].exts[e].name;
                if ((bad = table_unsorted(ts[i].exts[e].props)) != NULL)
                    return bad;
            }
        }
    }
    return NULL;
}
