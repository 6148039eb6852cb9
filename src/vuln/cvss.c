/*
 * cvss.c - CVSS v2.0, v3.0, v3.1 and v4.0 vector strings and scores, from the FIRST
 * specifications: v2.0 "A Complete Guide to the CVSS Version 2.0" section 3.2, v3.0 and v3.1
 * specification documents section 7 and (v3.1) Appendix A on rounding, and v4.0 section 8 with the
 * macro-vector table and interpolation of FIRST's reference calculator.
 *
 * Each version is a table of metric definitions in the specification's order; a parsed vector
 * keeps one small value index per metric, so parsing is bounded and never allocates. Scores are
 * computed in double with the same operations, in the same order, as the reference calculators,
 * so that the rounding steps see the same binary values and land on the same tenth.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/cvss.h"

#define NVAL 7 /* most values of one metric (v2 CDP: N L LM MH H ND), plus a NULL */

typedef struct {
    const char *key;
    const char *name;         /* for messages */
    unsigned group;           /* 0 for base metrics (mandatory), else a KZ_CVSS_* group */
    const char *values[NVAL]; /* NULL-terminated, the specification's abbreviations */
    double weight[NVAL];      /* v2 and v3 numeric values, parallel to values */
} metric_def;

typedef struct {
    const char *label;  /* "CVSS 3.1" for messages */
    const char *prefix; /* written before the metrics; NULL for v2 */
    const metric_def *m;
    size_t n;
} version_def;

/* ---- v2.0: Guide section 3.2 ---- */

enum {
    V2_AV,
    V2_AC,
    V2_AU,
    V2_C,
    V2_I,
    V2_A,
    V2_E,
    V2_RL,
    V2_RC,
    V2_CDP,
    V2_TD,
    V2_CR,
    V2_IR,
    V2_AR,
    V2_N
};

static const metric_def v2_metrics[V2_N] = {
    {"AV", "Access Vector", 0, {"L", "A", "N"}, {0.395, 0.646, 1.0}},
    {"AC", "Access Complexity", 0, {"H", "M", "L"}, {0.35, 0.61, 0.71}},
    {"Au", "Authentication", 0, {"M", "S", "N"}, {0.45, 0.56, 0.704}},
    {"C", "Confidentiality Impact", 0, {"N", "P", "C"}, {0.0, 0.275, 0.660}},
    {"I", "Integrity Impact", 0, {"N", "P", "C"}, {0.0, 0.275, 0.660}},
    {"A", "Availability Impact", 0, {"N", "P", "C"}, {0.0, 0.275, 0.660}},
    {"E",
     "Exploitability",
     KZ_CVSS_TEMPORAL,
     {"U", "POC", "F", "H", "ND"},
     {0.85, 0.9, 0.95, 1.0, 1.0}},
    {"RL",
     "Remediation Level",
     KZ_CVSS_TEMPORAL,
     {"OF", "TF", "W", "U", "ND"},
     {0.87, 0.90, 0.95, 1.0, 1.0}},
    {"RC", "Report Confidence", KZ_CVSS_TEMPORAL, {"UC", "UR", "C", "ND"}, {0.90, 0.95, 1.0, 1.0}},
    {"CDP",
     "Collateral Damage Potential",
     KZ_CVSS_ENVIRONMENTAL,
     {"N", "L", "LM", "MH", "H", "ND"},
     {0.0, 0.1, 0.3, 0.4, 0.5, 0.0}},
    {"TD",
     "Target Distribution",
     KZ_CVSS_ENVIRONMENTAL,
     {"N", "L", "M", "H", "ND"},
     {0.0, 0.25, 0.75, 1.0, 1.0}},
    {"CR",
     "Confidentiality Requirement",
     KZ_CVSS_ENVIRONMENTAL,
     {"L", "M", "H", "ND"},
     {0.5, 1.0, 1.51, 1.0}},
    {"IR",
     "Integrity Requirement",
     KZ_CVSS_ENVIRONMENTAL,
     {"L", "M", "H", "ND"},
     {0.5, 1.0, 1.51, 1.0}},
    {"AR",
     "Availability Requirement",
     KZ_CVSS_ENVIRONMENTAL,
     {"L", "M", "H", "ND"},
     {0.5, 1.0, 1.51, 1.0}},
};

/* ---- v3.0 and v3.1: specification section 7; the weights did not change between them ---- */

enum {
    V3_AV,
    V3_AC,
    V3_PR,
    V3_UI,
    V3_S,
    V3_C,
    V3_I,
    V3_A,
    V3_E,
    V3_RL,
    V3_RC,
    V3_CR,
    V3_IR,
    V3_AR,
    V3_MAV,
    V3_MAC,
    V3_MPR,
    V3_MUI,
    V3_MS,
    V3_MC,
    V3_MI,
    V3_MA,
    V3_N
};

#define V3_CIA                                                                                     \
    {"H", "L", "N"},                                                                               \
    {                                                                                              \
        0.56, 0.22, 0.0                                                                            \
    }
#define V3_MCIA                                                                                    \
    {"X", "H", "L", "N"},                                                                          \
    {                                                                                              \
        0.0, 0.56, 0.22, 0.0                                                                       \
    }
#define V3_REQ                                                                                     \
    {"X", "H", "M", "L"},                                                                          \
    {                                                                                              \
        1.0, 1.5, 1.0, 0.5                                                                         \
    }

static const metric_def v3_metrics[V3_N] = {
    {"AV", "Attack Vector", 0, {"N", "A", "L", "P"}, {0.85, 0.62, 0.55, 0.2}},
    {"AC", "Attack Complexity", 0, {"L", "H"}, {0.77, 0.44}},
    /* PR's weights for a changed scope (L 0.68, H 0.5) are applied in v3_pr(). */
    {"PR", "Privileges Required", 0, {"N", "L", "H"}, {0.85, 0.62, 0.27}},
    {"UI", "User Interaction", 0, {"N", "R"}, {0.85, 0.62}},
    {"S", "Scope", 0, {"U", "C"}, {0.0, 0.0}},
    {"C", "Confidentiality", 0, V3_CIA},
    {"I", "Integrity", 0, V3_CIA},
    {"A", "Availability", 0, V3_CIA},
    {"E",
     "Exploit Code Maturity",
     KZ_CVSS_TEMPORAL,
     {"X", "H", "F", "P", "U"},
     {1.0, 1.0, 0.97, 0.94, 0.91}},
    {"RL",
     "Remediation Level",
     KZ_CVSS_TEMPORAL,
     {"X", "U", "W", "T", "O"},
     {1.0, 1.0, 0.97, 0.96, 0.95}},
    {"RC", "Report Confidence", KZ_CVSS_TEMPORAL, {"X", "C", "R", "U"}, {1.0, 1.0, 0.96, 0.92}},
    {"CR", "Confidentiality Requirement", KZ_CVSS_ENVIRONMENTAL, V3_REQ},
    {"IR", "Integrity Requirement", KZ_CVSS_ENVIRONMENTAL, V3_REQ},
    {"AR", "Availability Requirement", KZ_CVSS_ENVIRONMENTAL, V3_REQ},
    {"MAV",
     "Modified Attack Vector",
     KZ_CVSS_ENVIRONMENTAL,
     {"X", "N", "A", "L", "P"},
     {0.0, 0.85, 0.62, 0.55, 0.2}},
    {"MAC",
     "Modified Attack Complexity",
     KZ_CVSS_ENVIRONMENTAL,
     {"X", "L", "H"},
     {0.0, 0.77, 0.44}},
    {"MPR",
     "Modified Privileges Required",
     KZ_CVSS_ENVIRONMENTAL,
     {"X", "N", "L", "H"},
     {0.0, 0.85, 0.62, 0.27}},
    {"MUI", "Modified User Interaction", KZ_CVSS_ENVIRONMENTAL, {"X", "N", "R"}, {0.0, 0.85, 0.62}},
    {"MS", "Modified Scope", KZ_CVSS_ENVIRONMENTAL, {"X", "U", "C"}, {0.0, 0.0, 0.0}},
    {"MC", "Modified Confidentiality", KZ_CVSS_ENVIRONMENTAL, V3_MCIA},
    {"MI", "Modified Integrity", KZ_CVSS_ENVIRONMENTAL, V3_MCIA},
    {"MA", "Modified Availability", KZ_CVSS_ENVIRONMENTAL, V3_MCIA},
};

/* ---- v4.0: specification sections 2 to 5 (weights are not used: scores come from a table) ---- */

enum {
    V4_AV,
    V4_AC,
    V4_AT,
    V4_PR,
    V4_UI,
    V4_VC,
    V4_VI,
    V4_VA,
    V4_SC,
    V4_SI,
    V4_SA,
    V4_E,
    V4_CR,
    V4_IR,
    V4_AR,
    V4_MAV,
    V4_MAC,
    V4_MAT,
    V4_MPR,
    V4_MUI,
    V4_MVC,
    V4_MVI,
    V4_MVA,
    V4_MSC,
    V4_MSI,
    V4_MSA,
    V4_S,
    V4_AU,
    V4_R,
    V4_V,
    V4_RE,
    V4_U,
    V4_N
};

#define ENV KZ_CVSS_ENVIRONMENTAL
#define SUP KZ_CVSS_SUPPLEMENTAL

static const metric_def v4_metrics[V4_N] = {
    {"AV", "Attack Vector", 0, {"N", "A", "L", "P"}, {0}},
    {"AC", "Attack Complexity", 0, {"L", "H"}, {0}},
    {"AT", "Attack Requirements", 0, {"N", "P"}, {0}},
    {"PR", "Privileges Required", 0, {"N", "L", "H"}, {0}},
    {"UI", "User Interaction", 0, {"N", "P", "A"}, {0}},
    {"VC", "Vulnerable System Confidentiality", 0, {"H", "L", "N"}, {0}},
    {"VI", "Vulnerable System Integrity", 0, {"H", "L", "N"}, {0}},
    {"VA", "Vulnerable System Availability", 0, {"H", "L", "N"}, {0}},
    {"SC", "Subsequent System Confidentiality", 0, {"H", "L", "N"}, {0}},
    {"SI", "Subsequent System Integrity", 0, {"H", "L", "N"}, {0}},
    {"SA", "Subsequent System Availability", 0, {"H", "L", "N"}, {0}},
    {"E", "Exploit Maturity", KZ_CVSS_TEMPORAL, {"X", "A", "P", "U"}, {0}},
    {"CR", "Confidentiality Requirement", ENV, {"X", "H", "M", "L"}, {0}},
    {"IR", "Integrity Requirement", ENV, {"X", "H", "M", "L"}, {0}},
    {"AR", "Availability Requirement", ENV, {"X", "H", "M", "L"}, {0}},
    {"MAV", "Modified Attack Vector", ENV, {"X", "N", "A", "L", "P"}, {0}},
    {"MAC", "Modified Attack Complexity", ENV, {"X", "L", "H"}, {0}},
    {"MAT", "Modified Attack Requirements", ENV, {"X", "N", "P"}, {0}},
    {"MPR", "Modified Privileges Required", ENV, {"X", "N", "L", "H"}, {0}},
    {"MUI", "Modified User Interaction", ENV, {"X", "N", "P", "A"}, {0}},
    {"MVC", "Modified Vulnerable System Confidentiality", ENV, {"X", "H", "L", "N"}, {0}},
    {"MVI", "Modified Vulnerable System Integrity", ENV, {"X", "H", "L", "N"}, {0}},
    {"MVA", "Modified Vulnerable System Availability", ENV, {"X", "H", "L", "N"}, {0}},
    {"MSC", "Modified Subsequent System Confidentiality", ENV, {"X", "H", "L", "N"}, {0}},
    {"MSI", "Modified Subsequent System Integrity", ENV, {"X", "S", "H", "L", "N"}, {0}},
    {"MSA", "Modified Subsequent System Availability", ENV, {"X", "S", "H", "L", "N"}, {0}},
    {"S", "Safety", SUP, {"X", "N", "P"}, {0}},
    {"AU", "Automatable", SUP, {"X", "N", "Y"}, {0}},
    {"R", "Recovery", SUP, {"X", "A", "U", "I"}, {0}},
    {"V", "Value Density", SUP, {"X", "D", "C"}, {0}},
    {"RE", "Vulnerability Response Effort", SUP, {"X", "L", "M", "H"}, {0}},
    {"U", "Provider Urgency", SUP, {"X", "Clear", "Green", "Amber", "Red"}, {0}},
};

#undef ENV
#undef SUP

static const version_def versions[] = {
    [KZ_CVSS_V2] = {"CVSS 2.0", NULL, v2_metrics, V2_N},
    [KZ_CVSS_V30] = {"CVSS 3.0", "CVSS:3.0/", v3_metrics, V3_N},
    [KZ_CVSS_V31] = {"CVSS 3.1", "CVSS:3.1/", v3_metrics, V3_N},
    [KZ_CVSS_V40] = {"CVSS 4.0", "CVSS:4.0/", v4_metrics, V4_N},
};

static const version_def *version_of(const kz_cvss *c)
{
    return &versions[c->version <= KZ_CVSS_V40 ? c->version : KZ_CVSS_V31];
}

/* The value string of metric i, or NULL when the vector does not have it. */
static const char *value_str(const kz_cvss *c, int i)
{
    const version_def *vd = version_of(c);
    if ((size_t)i >= vd->n || c->value[i] == 0 || c->value[i] >= NVAL)
        return NULL;
    return vd->m[i].values[c->value[i] - 1];
}

/* X (v3, v4) and ND (v2) mean "not defined": scored as if the metric were absent. */
static bool is_not_defined(const char *v)
{
    return strcmp(v, "X") == 0 || strcmp(v, "ND") == 0;
}

/* The value of metric i if it is present and defined, else NULL. */
static const char *defined(const kz_cvss *c, int i)
{
    const char *v = value_str(c, i);
    return v != NULL && !is_not_defined(v) ? v : NULL;
}

static bool is(const kz_cvss *c, int i, const char *want)
{
    const char *v = value_str(c, i);
    return v != NULL && strcmp(v, want) == 0;
}

/* The numeric weight of metric i; an absent metric weighs as its Not Defined value. */
static double weight(const kz_cvss *c, int i)
{
    const metric_def *m = &version_of(c)->m[i];
    if (c->value[i] != 0)
        return m->weight[c->value[i] - 1];
    for (size_t k = 0; k < NVAL && m->values[k] != NULL; k++) {
        if (is_not_defined(m->values[k]))
            return m->weight[k];
    }
    return 0.0; /* base metrics are always present after parsing */
}

/* ---- Rounding ---- */

double kz_cvss_roundup(double x, kz_cvss_version v)
{
    switch (v) {
        case KZ_CVSS_V30:
            /* v3.0 section 7.4: "round up to one decimal place", as its calculator does. */
            return ceil(x * 10.0) / 10.0;
        case KZ_CVSS_V31: {
            /*
             * v3.1 Appendix A: round to 5 decimals as an integer first, so that binary noise such
             * as 4.000000000000001 is not rounded up to 4.1.
             */
            double scaled = round(x * 100000.0);
            if (fmod(scaled, 10000.0) == 0.0)
                return scaled / 100000.0;
            return (floor(scaled / 10000.0) + 1.0) / 10.0;
        }
        case KZ_CVSS_V40:
            /* The reference calculator rounds half up after adding 1e-6 against binary noise. */
            return floor((x + 1e-6) * 10.0 + 0.5) / 10.0;
        case KZ_CVSS_V2:
        default:
            /* v2 round_to_1_decimal: to the nearest tenth, halves up. */
            return floor(x * 10.0 + 0.5) / 10.0;
    }
}

/* ---- v2.0 ---- */

static double v2_round(double x)
{
    return kz_cvss_roundup(x, KZ_CVSS_V2);
}

/* The base equation with a given impact subscore (the environmental score re-runs it). */
static double v2_base_with_impact(const kz_cvss *c, double impact)
{
    double expl = 20.0 * weight(c, V2_AV) * weight(c, V2_AC) * weight(c, V2_AU);
    double f = impact == 0.0 ? 0.0 : 1.176;
    return v2_round(((0.6 * impact) + (0.4 * expl) - 1.5) * f);
}

static double v2_base(const kz_cvss *c)
{
    double impact =
        10.41 * (1.0 - (1.0 - weight(c, V2_C)) * (1.0 - weight(c, V2_I)) * (1.0 - weight(c, V2_A)));
    return v2_base_with_impact(c, impact);
}

static double v2_temporal_of(const kz_cvss *c, double base)
{
    return v2_round(base * weight(c, V2_E) * weight(c, V2_RL) * weight(c, V2_RC));
}

static double v2_environmental(const kz_cvss *c)
{
    double adj_impact = fmin(10.0, 10.41 * (1.0 - (1.0 - weight(c, V2_C) * weight(c, V2_CR)) *
                                                      (1.0 - weight(c, V2_I) * weight(c, V2_IR)) *
                                                      (1.0 - weight(c, V2_A) * weight(c, V2_AR))));
    double adj_temporal = v2_temporal_of(c, v2_base_with_impact(c, adj_impact));
    double cdp = weight(c, V2_CDP), td = weight(c, V2_TD);
    return v2_round((adj_temporal + (10.0 - adj_temporal) * cdp) * td);
}

/* ---- v3.0 and v3.1 ---- */

/* Privileges Required weighs more when the scope changes (v3 section 7.4). */
static double v3_pr(const char *v, bool changed, double unchanged_weight)
{
    if (changed && strcmp(v, "L") == 0)
        return 0.68;
    if (changed && strcmp(v, "H") == 0)
        return 0.5;
    return unchanged_weight;
}

static double v3_base(const kz_cvss *c)
{
    bool changed = is(c, V3_S, "C");
    double iss =
        1.0 - ((1.0 - weight(c, V3_C)) * (1.0 - weight(c, V3_I)) * (1.0 - weight(c, V3_A)));
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15.0) : 6.42 * iss;
    double pr = v3_pr(value_str(c, V3_PR), changed, weight(c, V3_PR));
    double expl = 8.22 * weight(c, V3_AV) * weight(c, V3_AC) * pr * weight(c, V3_UI);

    if (impact <= 0.0)
        return 0.0;
    if (changed)
        return kz_cvss_roundup(fmin(1.08 * (impact + expl), 10.0), c->version);
    return kz_cvss_roundup(fmin(impact + expl, 10.0), c->version);
}

static double v3_temporal_factor(const kz_cvss *c)
{
    return weight(c, V3_E) * weight(c, V3_RL) * weight(c, V3_RC);
}

/* The modified metric's value string and weight when it is defined, else the base metric's. */
static const char *v3_eff(const kz_cvss *c, int base, double *w)
{
    int mod = V3_MAV + base;
    if (defined(c, mod) != NULL) {
        *w = weight(c, mod);
        return value_str(c, mod);
    }
    *w = weight(c, base);
    return value_str(c, base);
}

static double v3_environmental(const kz_cvss *c)
{
    double wav, wac, wpr, wui, ws, wc, wi, wa, impact, expl, miss, sum;
    const char *pr, *scope;
    bool changed;

    v3_eff(c, V3_AV, &wav);
    v3_eff(c, V3_AC, &wac);
    pr = v3_eff(c, V3_PR, &wpr);
    v3_eff(c, V3_UI, &wui);
    scope = v3_eff(c, V3_S, &ws);
    v3_eff(c, V3_C, &wc);
    v3_eff(c, V3_I, &wi);
    v3_eff(c, V3_A, &wa);
    changed = strcmp(scope, "C") == 0;

    miss = fmin(1.0 - ((1.0 - weight(c, V3_CR) * wc) * (1.0 - weight(c, V3_IR) * wi) *
                       (1.0 - weight(c, V3_AR) * wa)),
                0.915);
    if (!changed)
        impact = 6.42 * miss;
    else if (c->version == KZ_CVSS_V30)
        impact = 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15.0);
    else
        impact = 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13.0);
    expl = 8.22 * wav * wac * v3_pr(pr, changed, wpr) * wui;
    if (impact <= 0.0)
        return 0.0;
    sum = changed ? fmin(1.08 * (impact + expl), 10.0) : fmin(impact + expl, 10.0);
    return kz_cvss_roundup(kz_cvss_roundup(sum, c->version) * v3_temporal_factor(c), c->version);
}

/* ---- v4.0: specification section 8 and FIRST's reference calculator ---- */

/*
 * Scores of the 270 macro-vectors (in tenths), indexed by EQ1..EQ6 as
 * eq1*108 + eq2*54 + eq3*18 + eq4*6 + eq5*2 + eq6; -1 where EQ3=2 with EQ6=0, which cannot occur.
 */
/* clang-format off */
static const int8_t v4_macro_score[324] = {
    /* 000xxx */ 100, 99, 98, 95, 95, 92, 100, 96, 93, 87, 91, 81, 93, 90, 89, 80, 81, 68,
    /* 001xxx */ 98, 95, 95, 92, 90, 84, 93, 92, 89, 81, 81, 65, 88, 80, 78, 70, 69, 48,
    /* 002xxx */ -1, 92, -1, 82, -1, 72, -1, 79, -1, 69, -1, 50, -1, 69, -1, 55, -1, 27,
    /* 010xxx */ 99, 97, 95, 92, 92, 85, 95, 91, 90, 83, 84, 71, 92, 81, 82, 71, 72, 53,
    /* 011xxx */ 95, 93, 92, 85, 85, 73, 92, 82, 80, 72, 70, 59, 84, 70, 71, 52, 50, 30,
    /* 012xxx */ -1, 86, -1, 75, -1, 52, -1, 71, -1, 52, -1, 29, -1, 63, -1, 29, -1, 17,
    /* 100xxx */ 98, 95, 94, 87, 91, 81, 94, 89, 86, 74, 77, 64, 87, 75, 74, 63, 63, 49,
    /* 101xxx */ 94, 89, 88, 77, 76, 67, 86, 76, 74, 58, 59, 50, 72, 57, 57, 52, 52, 25,
    /* 102xxx */ -1, 83, -1, 70, -1, 54, -1, 65, -1, 58, -1, 26, -1, 53, -1, 21, -1, 13,
    /* 110xxx */ 95, 90, 88, 76, 76, 70, 90, 77, 75, 62, 61, 53, 77, 66, 68, 59, 52, 30,
    /* 111xxx */ 89, 78, 76, 67, 62, 58, 74, 59, 57, 57, 47, 23, 61, 52, 57, 29, 24, 16,
    /* 112xxx */ -1, 71, -1, 59, -1, 30, -1, 58, -1, 26, -1, 15, -1, 23, -1, 13, -1, 6,
    /* 200xxx */ 93, 87, 86, 72, 75, 58, 86, 74, 74, 61, 56, 34, 70, 54, 52, 40, 40, 22,
    /* 201xxx */ 85, 75, 74, 55, 62, 51, 72, 57, 55, 41, 46, 19, 53, 36, 34, 19, 19, 8,
    /* 202xxx */ -1, 64, -1, 51, -1, 20, -1, 47, -1, 21, -1, 11, -1, 24, -1, 9, -1, 4,
    /* 210xxx */ 88, 75, 73, 53, 60, 50, 73, 55, 59, 40, 41, 20, 54, 43, 45, 22, 20, 11,
    /* 211xxx */ 75, 55, 58, 45, 40, 21, 61, 51, 48, 18, 20, 9, 46, 18, 17, 7, 8, 2,
    /* 212xxx */ -1, 53, -1, 24, -1, 14, -1, 24, -1, 12, -1, 5, -1, 10, -1, 3, -1, 1,
};
/* clang-format on */

/* The metrics that enter the severity distance, in the order the calculator sums them. */
enum {
    D_AV,
    D_PR,
    D_UI,
    D_AC,
    D_AT,
    D_VC,
    D_VI,
    D_VA,
    D_CR,
    D_IR,
    D_AR,
    D_SC,
    D_SI,
    D_SA,
    D_E,
    D_N
};

/* The effective values the v4 equations look at; `use` says which optional groups count. */
typedef struct {
    char v[D_N];
    char msi, msa; /* MSI and MSA as written (X when absent or not used): S only exists there */
} v4_values;

static char v4_char(const kz_cvss *c, int i)
{
    const char *v = value_str(c, i);
    return v != NULL ? v[0] : 'X';
}

/* A base metric, or its modified counterpart when environmental metrics count and it is set. */
static char v4_eff(const kz_cvss *c, int base, unsigned use)
{
    if ((use & KZ_CVSS_ENVIRONMENTAL) && defined(c, V4_MAV + base) != NULL)
        return v4_char(c, V4_MAV + base);
    return v4_char(c, base);
}

/* Not defined E counts as Attacked and CR, IR, AR as High: the worst case (section 4 and 5). */
static char v4_worst(const kz_cvss *c, int i, unsigned group, unsigned use, char worst)
{
    return (use & group) && defined(c, i) != NULL ? v4_char(c, i) : worst;
}

static void v4_effective(const kz_cvss *c, unsigned use, v4_values *ev)
{
    ev->v[D_AV] = v4_eff(c, V4_AV, use);
    ev->v[D_PR] = v4_eff(c, V4_PR, use);
    ev->v[D_UI] = v4_eff(c, V4_UI, use);
    ev->v[D_AC] = v4_eff(c, V4_AC, use);
    ev->v[D_AT] = v4_eff(c, V4_AT, use);
    ev->v[D_VC] = v4_eff(c, V4_VC, use);
    ev->v[D_VI] = v4_eff(c, V4_VI, use);
    ev->v[D_VA] = v4_eff(c, V4_VA, use);
    ev->v[D_SC] = v4_eff(c, V4_SC, use);
    ev->v[D_SI] = v4_eff(c, V4_SI, use);
    ev->v[D_SA] = v4_eff(c, V4_SA, use);
    ev->v[D_CR] = v4_worst(c, V4_CR, KZ_CVSS_ENVIRONMENTAL, use, 'H');
    ev->v[D_IR] = v4_worst(c, V4_IR, KZ_CVSS_ENVIRONMENTAL, use, 'H');
    ev->v[D_AR] = v4_worst(c, V4_AR, KZ_CVSS_ENVIRONMENTAL, use, 'H');
    ev->v[D_E] = v4_worst(c, V4_E, KZ_CVSS_TEMPORAL, use, 'A');
    ev->msi = v4_worst(c, V4_MSI, KZ_CVSS_ENVIRONMENTAL, use, 'X');
    ev->msa = v4_worst(c, V4_MSA, KZ_CVSS_ENVIRONMENTAL, use, 'X');
}

/* The severity level of a value within its metric, as the reference calculator has them. */
static double v4_level(int d, char v)
{
    switch (d) {
        case D_AV: return v == 'N' ? 0.0 : v == 'A' ? 0.1 : v == 'L' ? 0.2 : 0.3;
        case D_PR:
        case D_UI: return v == 'N' ? 0.0 : (v == 'L' || v == 'P') ? 0.1 : 0.2;
        case D_AC: return v == 'L' ? 0.0 : 0.1;
        case D_AT: return v == 'N' ? 0.0 : 0.1;
        case D_VC:
        case D_VI:
        case D_VA: return v == 'H' ? 0.0 : v == 'L' ? 0.1 : 0.2;
        case D_SC:
        case D_SI:
        case D_SA: return v == 'S' ? 0.0 : v == 'H' ? 0.1 : v == 'L' ? 0.2 : 0.3;
        case D_CR:
        case D_IR:
        case D_AR: return v == 'H' ? 0.0 : v == 'M' ? 0.1 : 0.2;
        case D_E:
        default: return v == 'A' ? 0.0 : v == 'P' ? 0.1 : 0.2;
    }
}

static double v4_lookup(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6)
{
    int s;
    if (eq1 > 2 || eq2 > 1 || eq3 > 2 || eq4 > 2 || eq5 > 2 || eq6 > 1)
        return NAN;
    s = v4_macro_score[eq1 * 108 + eq2 * 54 + eq3 * 18 + eq4 * 6 + eq5 * 2 + eq6];
    return s < 0 ? NAN : s / 10.0;
}

/*
 * The highest-severity vectors of each macro-vector class (the calculator's "max composed"):
 * strings of values for the metrics named in each comment, in that order.
 */
static const char *const v4_max_eq1[3][3] = {/* AV PR UI */
                                             {"NNN"},
                                             {"ANN", "NLN", "NNP"},
                                             {"PNN", "ALP"}};
static const char *const v4_max_eq2[2][2] = {/* AC AT */ {"LN"}, {"HN", "LP"}};
static const char *const v4_max_eq3eq6[3][2][5] = {
    /* VC VI VA CR IR AR */
    {{"HHHHHH"}, {"HHLMMH", "HHHMMM"}},
    {{"LHHHHH", "HLHHHH"}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM"}},
    {{NULL}, {"LLLHHH"}},
};
static const char *const v4_max_eq4[3] = {/* SC SI SA */ "HSS", "HHH", "LLL"};
static const char v4_max_eq5[3] = {/* E */ 'A', 'P', 'U'};

/* Depth of each macro-vector class in severity steps (the calculator's "max severity"). */
static const int v4_depth_eq1[3] = {1, 4, 5};
static const int v4_depth_eq2[2] = {1, 2};
static const int v4_depth_eq3eq6[3][2] = {{7, 6}, {8, 8}, {0, 10}};
static const int v4_depth_eq4[3] = {6, 5, 4};

/* Distances of ev from one candidate max vector; false if ev is more severe in some metric. */
static bool v4_distances(const v4_values *ev, const char *e1, const char *e2, const char *e36,
                         const char *e4, char e5, double dist[D_N])
{
    char max[D_N];
    bool ok = true;

    max[D_AV] = e1[0];
    max[D_PR] = e1[1];
    max[D_UI] = e1[2];
    max[D_AC] = e2[0];
    max[D_AT] = e2[1];
    max[D_VC] = e36[0];
    max[D_VI] = e36[1];
    max[D_VA] = e36[2];
    max[D_CR] = e36[3];
    max[D_IR] = e36[4];
    max[D_AR] = e36[5];
    max[D_SC] = e4[0];
    max[D_SI] = e4[1];
    max[D_SA] = e4[2];
    max[D_E] = e5;
    for (int d = 0; d < D_N; d++) {
        dist[d] = v4_level(d, ev->v[d]) - v4_level(d, max[d]);
        if (dist[d] < 0)
            ok = false;
    }
    return ok;
}

static double v4_score(const kz_cvss *c, unsigned use)
{
    v4_values ev;
    double dist[D_N] = {0}, value, lower36, mean, sum = 0.0, x;
    double avail[5], part[5];
    int eq1, eq2, eq3, eq4, eq5, eq6, n_lower = 0;
    bool found = false;

    v4_effective(c, use, &ev);
    if (ev.v[D_VC] == 'N' && ev.v[D_VI] == 'N' && ev.v[D_VA] == 'N' && ev.v[D_SC] == 'N' &&
        ev.v[D_SI] == 'N' && ev.v[D_SA] == 'N')
        return 0.0;

    /* Section 8.2: the six equivalence classes. */
    if (ev.v[D_AV] == 'N' && ev.v[D_PR] == 'N' && ev.v[D_UI] == 'N')
        eq1 = 0;
    else if ((ev.v[D_AV] == 'N' || ev.v[D_PR] == 'N' || ev.v[D_UI] == 'N') && ev.v[D_AV] != 'P')
        eq1 = 1;
    else
        eq1 = 2;
    eq2 = ev.v[D_AC] == 'L' && ev.v[D_AT] == 'N' ? 0 : 1;
    if (ev.v[D_VC] == 'H' && ev.v[D_VI] == 'H')
        eq3 = 0;
    else if (ev.v[D_VC] == 'H' || ev.v[D_VI] == 'H' || ev.v[D_VA] == 'H')
        eq3 = 1;
    else
        eq3 = 2;
    if (ev.msi == 'S' || ev.msa == 'S')
        eq4 = 0;
    else if (ev.v[D_SC] == 'H' || ev.v[D_SI] == 'H' || ev.v[D_SA] == 'H')
        eq4 = 1;
    else
        eq4 = 2;
    eq5 = ev.v[D_E] == 'A' ? 0 : ev.v[D_E] == 'P' ? 1 : 2;
    eq6 = (ev.v[D_CR] == 'H' && ev.v[D_VC] == 'H') || (ev.v[D_IR] == 'H' && ev.v[D_VI] == 'H') ||
                  (ev.v[D_AR] == 'H' && ev.v[D_VA] == 'H')
              ? 0
              : 1;

    value = v4_lookup(eq1, eq2, eq3, eq4, eq5, eq6);

    /* The next lower macro-vector along each equation; EQ3 and EQ6 move together. */
    if (eq3 == 0 && eq6 == 0)
        lower36 = fmax(v4_lookup(eq1, eq2, eq3, eq4, eq5, eq6 + 1),
                       v4_lookup(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
    else if (eq3 == 1 && eq6 == 0)
        lower36 = v4_lookup(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
    else if (eq3 == 2)
        lower36 = NAN;
    else
        lower36 = v4_lookup(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
    avail[0] = value - v4_lookup(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
    avail[1] = value - v4_lookup(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
    avail[2] = value - lower36;
    avail[3] = value - v4_lookup(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
    avail[4] = value - v4_lookup(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

    /*
     * The severity distance from the first highest-severity vector of the macro-vector that is
     * at least as severe as ev in every metric (the calculator keeps the last one tried if none).
     */
    for (int a = 0; a < 3 && !found && v4_max_eq1[eq1][a] != NULL; a++) {
        for (int b = 0; b < 2 && !found && v4_max_eq2[eq2][b] != NULL; b++) {
            for (int k = 0; k < 5 && !found && v4_max_eq3eq6[eq3][eq6][k] != NULL; k++) {
                found = v4_distances(&ev, v4_max_eq1[eq1][a], v4_max_eq2[eq2][b],
                                     v4_max_eq3eq6[eq3][eq6][k], v4_max_eq4[eq4], v4_max_eq5[eq5],
                                     dist);
            }
        }
    }

    /* The proportion of each class's depth, times the score gap to the next lower class. */
    part[0] = (dist[D_AV] + dist[D_PR] + dist[D_UI]) / (v4_depth_eq1[eq1] * 0.1);
    part[1] = (dist[D_AC] + dist[D_AT]) / (v4_depth_eq2[eq2] * 0.1);
    part[2] = (dist[D_VC] + dist[D_VI] + dist[D_VA] + dist[D_CR] + dist[D_IR] + dist[D_AR]) /
              (v4_depth_eq3eq6[eq3][eq6] * 0.1);
    part[3] = (dist[D_SC] + dist[D_SI] + dist[D_SA]) / (v4_depth_eq4[eq4] * 0.1);
    part[4] = 0.0; /* EQ5 has a single value per class: no distance within it */
    for (int i = 0; i < 5; i++) {
        if (isnan(avail[i]))
            continue;
        n_lower++;
        sum += avail[i] * part[i];
    }
    mean = n_lower == 0 ? 0.0 : sum / n_lower;
    x = fmax(0.0, fmin(10.0, value - mean));
    return kz_cvss_roundup(x, KZ_CVSS_V40);
}

/* ---- Scores ---- */

double kz_cvss_base_score(const kz_cvss *c)
{
    switch (c->version) {
        case KZ_CVSS_V2: return v2_base(c);
        case KZ_CVSS_V30:
        case KZ_CVSS_V31: return v3_base(c);
        case KZ_CVSS_V40: return v4_score(c, 0);
    }
    return 0.0;
}

double kz_cvss_temporal_score(const kz_cvss *c)
{
    switch (c->version) {
        case KZ_CVSS_V2: return v2_temporal_of(c, v2_base(c));
        case KZ_CVSS_V30:
        case KZ_CVSS_V31: return kz_cvss_roundup(v3_base(c) * v3_temporal_factor(c), c->version);
        case KZ_CVSS_V40: return v4_score(c, KZ_CVSS_TEMPORAL);
    }
    return 0.0;
}

double kz_cvss_environmental_score(const kz_cvss *c)
{
    switch (c->version) {
        case KZ_CVSS_V2: return v2_environmental(c);
        case KZ_CVSS_V30:
        case KZ_CVSS_V31: return v3_environmental(c);
        case KZ_CVSS_V40: return v4_score(c, KZ_CVSS_TEMPORAL | KZ_CVSS_ENVIRONMENTAL);
    }
    return 0.0;
}

unsigned kz_cvss_groups(const kz_cvss *c)
{
    const version_def *vd = version_of(c);
    unsigned g = 0;
    for (size_t i = 0; i < vd->n; i++) {
        if (defined(c, (int)i) != NULL)
            g |= vd->m[i].group;
    }
    return g;
}

const char *kz_cvss_severity(double score, kz_cvss_version v)
{
    long tenths;
    if (!(score >= 0.0 && score <= 10.0))
        return "Unknown";
    tenths = lround(score * 10.0);
    if (v == KZ_CVSS_V2)
        return tenths < 40 ? "Low" : tenths < 70 ? "Medium" : "High";
    if (tenths == 0)
        return "None";
    return tenths < 40 ? "Low" : tenths < 70 ? "Medium" : tenths < 90 ? "High" : "Critical";
}

const char *kz_cvss_version_str(kz_cvss_version v)
{
    switch (v) {
        case KZ_CVSS_V2: return "2.0";
        case KZ_CVSS_V30: return "3.0";
        case KZ_CVSS_V31: return "3.1";
        case KZ_CVSS_V40: return "4.0";
    }
    return "?";
}

/* ---- Parsing ---- */

/* Writes s for a message: at most 24 bytes, unprintable bytes as \xNN. */
static void quote(kz_sv s, char out[128])
{
    size_t o = 0;
    for (size_t i = 0; i < s.n && i < 24 && o + 5 < 128; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, 128 - o, "\\x%02x", ch);
    }
    if (s.n > 24 && o + 4 < 128) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Lists the values of m for a message: "N, A, L or P". */
static void expected_values(const metric_def *m, char out[128])
{
    size_t o = 0, n = 0;
    while (n < NVAL && m->values[n] != NULL)
        n++;
    out[0] = '\0';
    for (size_t k = 0; k < n && o < 128; k++) {
        int w = snprintf(out + o, 128 - o, "%s%s",
                         k == 0       ? ""
                         : k + 1 == n ? " or "
                                      : ", ",
                         m->values[k]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static int find_metric(const version_def *vd, kz_sv key)
{
    for (size_t i = 0; i < vd->n; i++) {
        if (kz_sv_eq_c(key, vd->m[i].key))
            return (int)i;
    }
    return -1;
}

static int find_value(const metric_def *m, kz_sv val)
{
    for (int k = 0; k < NVAL && m->values[k] != NULL; k++) {
        if (kz_sv_eq_c(val, m->values[k]))
            return k;
    }
    return -1;
}

/* Parses "KEY:VALUE/KEY:VALUE..." from s (which starts at byte `base` of the input). */
static kz_rc parse_metrics(kz_sv s, size_t base, kz_cvss *c, kz_err *err)
{
    const version_def *vd = version_of(c);
    size_t pos = 0;
    char q[128], exp[128];

    if (s.n == 0)
        return kz_fail(err, KZ_EINVAL, "position %zu: %s vector has no metrics (expected %s:...)",
                       base, vd->label, vd->m[0].key);
    for (;;) {
        size_t start = pos, colon = SIZE_MAX, end;
        kz_sv key, val;
        int mi, vi;

        while (pos < s.n && s.p[pos] != '/') {
            if (s.p[pos] == ':' && colon == SIZE_MAX)
                colon = pos;
            pos++;
        }
        end = pos;
        if (end == start)
            return kz_fail(err, KZ_EINVAL,
                           "position %zu: empty metric in %s vector (expected METRIC:VALUE "
                           "between slashes)",
                           base + start, vd->label);
        if (colon == SIZE_MAX) {
            quote((kz_sv){s.p + start, end - start}, q);
            return kz_fail(err, KZ_EINVAL, "position %zu: \"%s\" in %s vector is not METRIC:VALUE",
                           base + start, q, vd->label);
        }
        key = (kz_sv){s.p + start, colon - start};
        val = (kz_sv){s.p + colon + 1, end - colon - 1};
        if ((mi = find_metric(vd, key)) < 0) {
            quote(key, q);
            return kz_fail(err, KZ_EINVAL, "position %zu: unknown metric \"%s\" in %s vector",
                           base + start, q, vd->label);
        }
        if (c->value[mi] != 0)
            return kz_fail(err, KZ_EINVAL, "position %zu: metric %s (%s) appears twice",
                           base + start, vd->m[mi].key, vd->m[mi].name);
        if ((vi = find_value(&vd->m[mi], val)) < 0) {
            quote(val, q);
            expected_values(&vd->m[mi], exp);
            return kz_fail(err, KZ_EINVAL,
                           "position %zu: metric %s (%s) has unknown value \"%s\" (expected %s)",
                           base + colon + 1, vd->m[mi].key, vd->m[mi].name, q, exp);
        }
        c->value[mi] = (uint8_t)(vi + 1);
        if (pos == s.n)
            break;
        pos++; /* the slash */
        if (pos == s.n)
            return kz_fail(err, KZ_EINVAL,
                           "position %zu: %s vector ends with '/' (expected another METRIC:VALUE)",
                           base + pos - 1, vd->label);
    }
    for (size_t i = 0; i < vd->n; i++) {
        if (vd->m[i].group == 0 && c->value[i] == 0) {
            expected_values(&vd->m[i], exp);
            return kz_fail(err, KZ_EINVAL,
                           "position %zu: %s vector lacks mandatory base metric %s (%s: %s)",
                           base + s.n, vd->label, vd->m[i].key, vd->m[i].name, exp);
        }
    }
    return KZ_OK;
}

kz_rc kz_cvss_parse(kz_sv vector, kz_cvss *out, kz_err *err)
{
    kz_sv s = vector;
    size_t base = 0;
    kz_rc rc = KZ_EINVAL;
    char q[128];

    memset(out, 0, sizeof *out);
    if (vector.n > KZ_CVSS_VECTOR_MAX) {
        rc = kz_fail(err, KZ_ELIMIT,
                     "position %d: CVSS vector is %zu bytes long (at most %d are accepted)",
                     KZ_CVSS_VECTOR_MAX, vector.n, KZ_CVSS_VECTOR_MAX);
        goto out;
    }
    if (s.n > 0 && s.p == NULL) {
        rc = kz_fail(err, KZ_EINVAL, "position 0: CVSS vector has no bytes");
        goto out;
    }
    if (kz_sv_starts(s, "CVSS:")) {
        static const struct {
            const char *prefix;
            kz_cvss_version v;
        } known[] = {{"CVSS:2.0/", KZ_CVSS_V2},
                     {"CVSS:3.0/", KZ_CVSS_V30},
                     {"CVSS:3.1/", KZ_CVSS_V31},
                     {"CVSS:4.0/", KZ_CVSS_V40}};
        size_t k;
        for (k = 0; k < sizeof known / sizeof known[0]; k++) {
            if (kz_sv_starts(s, known[k].prefix))
                break;
        }
        if (k == sizeof known / sizeof known[0]) {
            quote((kz_sv){s.p, s.n < 9 ? s.n : 9}, q);
            rc = kz_fail(err, KZ_EINVAL,
                         "position 0: unknown CVSS version prefix \"%s\" (expected CVSS:2.0/, "
                         "CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/)",
                         q);
            goto out;
        }
        out->version = known[k].v;
        base = strlen(known[k].prefix);
        s.p += base;
        s.n -= base;
    } else {
        /* v2 has no prefix; NVD's older feeds put the vector in parentheses. */
        out->version = KZ_CVSS_V2;
        if (s.n > 0 && s.p[0] == '(') {
            if (s.n < 2 || s.p[s.n - 1] != ')') {
                rc = kz_fail(err, KZ_EINVAL,
                             "position %zu: CVSS 2.0 vector opens with '(' but does not end with "
                             "')'",
                             s.n);
                goto out;
            }
            base = 1;
            s.p += 1;
            s.n -= 2;
        }
    }
    rc = parse_metrics(s, base, out, err);
out:
    if (rc != KZ_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

kz_rc kz_cvss_format(const kz_cvss *c, kz_buf *out)
{
    const version_def *vd = version_of(c);
    char text[KZ_CVSS_VECTOR_MAX];
    size_t o = 0;

    if (vd->prefix != NULL) {
        o = strlen(vd->prefix);
        memcpy(text, vd->prefix, o);
    }
    for (size_t i = 0; i < vd->n; i++) {
        const char *v = defined(c, (int)i);
        size_t kn, vn;
        if (v == NULL)
            continue;
        kn = strlen(vd->m[i].key);
        vn = strlen(v);
        /* The longest v4 vector is about 200 bytes: the array cannot fill up. */
        if (o + kn + vn + 2 > sizeof text)
            return KZ_ELIMIT;
        if (o > 0 && text[o - 1] != '/')
            text[o++] = '/';
        memcpy(text + o, vd->m[i].key, kn);
        o += kn;
        text[o++] = ':';
        memcpy(text + o, v, vn);
        o += vn;
    }
    return kz_buf_append(out, text, o);
}
