/*
 * v_meta.c - the STIX Meta Objects (Part 7 of STIX 2.1): language-content, marking-definition
 * and extension-definition. Traffic Light Protocol markings are predefined objects: an object
 * that claims a TLP 1.0 or TLP 2.0 identifier (or a tlp definition) must be exactly that object.
 */
#include <string.h>

#include "validate_int.h"

#define S KZ_PK_STRING
#define TS KZ_PK_TIMESTAMP

/* ---- language-content -------------------------------------------------------------------- */

static void lc_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *contents = json_object_get(o, "contents");
    const char *lang;
    json_t *tr;

    if (contents == NULL)
        return;
    if (!json_is_object(contents) || json_object_size(contents) == 0) {
        kz_stix__report_at(vc, "contents", KZ_STIX_ERROR,
                           "expected a non-empty dictionary keyed by language tag, got %s",
                           kz_stix__kind_name(contents));
        return;
    }
    kz_stix__push(vc, "contents");
    json_object_foreach((json_t *)contents, lang, tr) {
        if (!json_is_object(tr) || json_object_size(tr) == 0)
            kz_stix__report_at(vc, lang, KZ_STIX_ERROR,
                               "expected a non-empty dictionary of translated properties, got %s",
                               kz_stix__kind_name(tr));
    }
    kz_stix__pop(vc);
    kz_stix__time_order(vc, o, "object_modified", "modified", false);
}

static const kz_pspec lc_p[] = {
    KZ_P("contents", KZ_PK_ANY, KZ_REQ, NULL),
    KZ_P("object_modified", TS, 0, NULL),
    KZ_P("object_ref", KZ_PK_REF, KZ_REQ, NULL),
};
static const kz_ptable lc_t = KZ_PTABLE(lc_p, "language-content", lc_rule);

/* ---- marking-definition ------------------------------------------------------------------ */

#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

static const struct {
    const char *id;
    const char *level; /* definition.tlp (1.0) or tlp_2_0 (2.0) */
    const char *name;
    const char *created;
    bool v2;
} tlp[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "white", "TLP:WHITE",
     "2017-01-20T00:00:00.000Z", false},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green", "TLP:GREEN",
     "2017-01-20T00:00:00.000Z", false},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber", "TLP:AMBER",
     "2017-01-20T00:00:00.000Z", false},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red", "TLP:RED",
     "2017-01-20T00:00:00.000Z", false},
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear", "TLP:CLEAR",
     "2022-10-01T00:00:00.000Z", true},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green", "TLP:GREEN",
     "2022-10-01T00:00:00.000Z", true},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber", "TLP:AMBER",
     "2022-10-01T00:00:00.000Z", true},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict",
     "TLP:AMBER+STRICT", "2022-10-01T00:00:00.000Z", true},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red", "TLP:RED",
     "2022-10-01T00:00:00.000Z", true},
};

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static void expect_str(kz_vctx *vc, const json_t *o, const char *key, const char *want,
                       const char *what)
{
    const json_t *v = json_object_get(o, key);

    if (str_is(v, want))
        return;
    if (json_is_string(v))
        kz_stix__report_at(vc, key, KZ_STIX_ERROR,
                           "the predefined %s marking has %s \"%s\" (got \"%.*s%s\")", what, key,
                           want, KZ_Q(json_string_value(v), json_string_length(v)));
    else
        kz_stix__report_at(vc, key, KZ_STIX_ERROR,
                           "the predefined %s marking has %s \"%s\" (got %s)", what, key, want,
                           v != NULL ? kz_stix__kind_name(v) : "nothing");
}

/* An object with a predefined TLP id must have the predefined content. */
static void tlp_check(kz_vctx *vc, const json_t *o, size_t k)
{
    const char *what = tlp[k].name;
    const json_t *def;

    expect_str(vc, o, "created", tlp[k].created, what);
    if (!tlp[k].v2) {
        expect_str(vc, o, "definition_type", "tlp", what);
        def = json_object_get(o, "definition");
        if (!json_is_object(def) || json_object_size(def) != 1 ||
            !str_is(json_object_get(def, "tlp"), tlp[k].level))
            kz_stix__report_at(vc, "definition", KZ_STIX_ERROR,
                               "the predefined %s marking has definition {\"tlp\": \"%s\"}", what,
                               tlp[k].level);
        if (kz_stix__has(o, "name"))
            expect_str(vc, o, "name", tlp[k].name, what);
        return;
    }
    expect_str(vc, o, "name", tlp[k].name, what);
    def = json_object_get(json_object_get(o, "extensions"), TLP2_EXT);
    if (!json_is_object(def) || !str_is(json_object_get(def, "tlp_2_0"), tlp[k].level) ||
        !str_is(json_object_get(def, "extension_type"), "property-extension"))
        kz_stix__report_at(vc, "extensions", KZ_STIX_ERROR,
                           "the predefined %s marking has extensions {\"%s\": {\"extension_type\": "
                           "\"property-extension\", \"tlp_2_0\": \"%s\"}}",
                           what, TLP2_EXT, tlp[k].level);
    if (kz_stix__has(o, "definition_type") || kz_stix__has(o, "definition"))
        kz_stix__report(vc, KZ_STIX_ERROR,
                        "the predefined %s (TLP 2.0) marking has no definition_type or definition",
                        what);
}

static void md_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *id = json_object_get(o, "id");
    const json_t *dt = json_object_get(o, "definition_type");
    const json_t *def = json_object_get(o, "definition");
    bool predefined = false;

    for (size_t k = 0; json_is_string(id) && k < KZ_NELEM(tlp); k++)
        if (strcmp(json_string_value(id), tlp[k].id) == 0) {
            tlp_check(vc, o, k);
            predefined = true;
        }
    if (dt == NULL) {
        if (def != NULL)
            kz_stix__report_at(vc, "definition_type", KZ_STIX_ERROR,
                               "is required when definition is present");
        else if (!kz_stix__has(o, "extensions"))
            kz_stix__report(vc, KZ_STIX_ERROR,
                            "marking-definition needs definition_type and definition, or "
                            "extensions");
        return;
    }
    if (def == NULL) {
        kz_stix__report_at(vc, "definition", KZ_STIX_ERROR,
                           "is required when definition_type is present");
        return;
    }
    if (!json_is_object(def)) {
        kz_stix__report_at(vc, "definition", KZ_STIX_ERROR, "expected an object, got %s",
                           kz_stix__kind_name(def));
        return;
    }
    if (str_is(dt, "statement")) {
        if (!json_is_string(json_object_get(def, "statement")))
            kz_stix__report_at(vc, "definition", KZ_STIX_ERROR,
                               "a statement marking needs {\"statement\": \"...\"}");
    } else if (str_is(dt, "tlp")) {
        if (!predefined)
            kz_stix__report_at(vc, "id", KZ_STIX_ERROR,
                               "a tlp marking must be one of the four predefined TLP 1.0 "
                               "marking-definition objects");
    }
}

static const char *const md_type_ov[] = {"statement", "tlp", NULL};

static const kz_pspec md_p[] = {
    KZ_P("definition", KZ_PK_ANY, 0, NULL),
    KZ_P("definition_type", KZ_PK_OV, 0, md_type_ov),
    KZ_P("name", S, 0, NULL),
};
static const kz_ptable md_t = KZ_PTABLE(md_p, "marking-definition", md_rule);

/* ---- extension-definition ---------------------------------------------------------------- */

static const char *const ext_types[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
                                        "toplevel-property-extension", NULL};

static void ed_rule(kz_vctx *vc, const json_t *o)
{
    const json_t *types = json_object_get(o, "extension_types");
    bool toplevel = false;
    size_t i;
    json_t *e;

    json_array_foreach(types, i, e) toplevel |= str_is(e, "toplevel-property-extension");
    if (kz_stix__has(o, "extension_properties") && !toplevel)
        kz_stix__report_at(vc, "extension_properties", KZ_STIX_ERROR,
                           "is only allowed when extension_types has "
                           "toplevel-property-extension");
}

static const kz_pspec ed_p[] = {
    KZ_P("description", S, 0, NULL),
    KZ_P("extension_properties", S, KZ_LIST, NULL),
    KZ_P("extension_types", KZ_PK_ENUM, KZ_REQ | KZ_LIST, ext_types),
    KZ_P("name", S, KZ_REQ, NULL),
    KZ_P("schema", S, KZ_REQ, NULL),
    KZ_P("version", S, KZ_REQ, NULL),
};
static const kz_ptable ed_t = KZ_PTABLE(ed_p, "extension-definition", ed_rule);

const kz_tinfo kz_stix__meta_types[] = {
    {"extension-definition", KZ_C_ED, &ed_t, NULL, 0, NULL},
    {"language-content", KZ_C_LC, &lc_t, NULL, 0, NULL},
    {"marking-definition", KZ_C_MD, &md_t, NULL, 0, NULL},
};
const size_t kz_stix__meta_ntypes = KZ_NELEM(kz_stix__meta_types);
