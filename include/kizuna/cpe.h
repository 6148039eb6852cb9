/*
 * cpe.h - CPE 2.3 names (NIST IR 7695) and name matching (NIST IR 7696), the identifiers the
 * vulnerability matcher compares product records against.
 *
 * A parsed name is a well-formed name (WFN): eleven attributes, each the logical value ANY, the
 * logical value NA, or a value string kept in WFN form, that is with every character other than
 * letters, digits and '_' quoted by a backslash ("8\.0\.6001"), and with the unquoted wildcards
 * '*' (one, at the start and/or end) and '?' (a run at the start and/or end) kept as written.
 *
 * Both bindings are read: the formatted string "cpe:2.3:part:vendor:...:other" and the CPE 2.2
 * URI "cpe:/part:vendor:product:version:update:edition:language" (with the packed edition
 * "~edition~sw_edition~target_sw~target_hw~other"). Names are written back as formatted strings.
 *
 * A kz_cpe holds its strings in a fixed buffer: nothing here allocates, and a kz_cpe can be
 * copied with memcpy or assignment.
 */
#ifndef KIZUNA_CPE_H
#define KIZUNA_CPE_H

#include "kizuna/core.h"

/* The longest CPE name accepted, in bytes, in either binding. */
#define KZ_CPE_MAX_BYTES 1024
/* Unbinding can at most double a value (each '.' becomes "\."), so this always suffices. */
#define KZ_CPE_TEXT_MAX (2 * KZ_CPE_MAX_BYTES)

/* The attributes of a WFN, in the order of the formatted string. */
typedef enum {
    KZ_CPE_PART = 0,
    KZ_CPE_VENDOR,
    KZ_CPE_PRODUCT,
    KZ_CPE_VERSION,
    KZ_CPE_UPDATE,
    KZ_CPE_EDITION,
    KZ_CPE_LANGUAGE,
    KZ_CPE_SW_EDITION,
    KZ_CPE_TARGET_SW,
    KZ_CPE_TARGET_HW,
    KZ_CPE_OTHER,
    KZ_CPE_NATTR
} kz_cpe_attr;

/* What an attribute holds. ANY is "*" in a formatted string, NA is "-". */
typedef enum {
    KZ_CPE_ANY = 0,
    KZ_CPE_NA,
    KZ_CPE_VALUE,
} kz_cpe_kind;

/* Relation of a source name (or attribute) to a target, IR 7696 sections 6.1 and 6.2. */
typedef enum {
    KZ_CPE_DISJOINT = 0,
    KZ_CPE_SUBSET,    /* the source names fewer products than the target */
    KZ_CPE_SUPERSET,  /* the source names every product the target does, and maybe more */
    KZ_CPE_EQUAL,
    KZ_CPE_UNDEFINED, /* the target has wildcards, or attributes mix SUBSET and SUPERSET */
} kz_cpe_rel;

typedef struct {
    uint8_t kind; /* kz_cpe_kind */
    uint16_t off; /* the value's bytes in text[], KZ_CPE_VALUE only */
    uint16_t len;
} kz_cpe_av;

typedef struct {
    kz_cpe_av av[KZ_CPE_NATTR];
    uint16_t used;
    char text[KZ_CPE_TEXT_MAX];
} kz_cpe;

/*
 * Parses a CPE name in either binding into *out. The formatted string is unbound as IR 7695
 * section 6.2.3 says: "*" is ANY, "-" is NA, an empty component is an error, unquoted
 * punctuation gets quoted, "\_" is the same as "_", and an unquoted '*' or '?' is a wildcard
 * that may only begin or end a value. The URI is unbound as section 6.1.3 says: an empty or
 * missing component is ANY, "%01" and "%02" are the wildcards '?' and '*', other percent
 * escapes must be of punctuation, and a leading '~' in the edition unpacks the extended
 * attributes. Names longer than KZ_CPE_MAX_BYTES give KZ_ELIMIT. On KZ_EINVAL, err names the
 * attribute, the byte offset and what was expected; *out is then unspecified.
 */
KZ_NODISCARD kz_rc kz_cpe_parse(kz_sv fs, kz_cpe *out, kz_err *err);

/* Appends the formatted string binding ("cpe:2.3:...", IR 7695 section 6.2.2) to b. */
KZ_NODISCARD kz_rc kz_cpe_format(const kz_cpe *c, kz_buf *b);

/* Appends the WFN as IR 7695 writes it: wfn:[part="a",vendor="microsoft",...,other=ANY]. */
KZ_NODISCARD kz_rc kz_cpe_format_wfn(const kz_cpe *c, kz_buf *b);

/* Returns the kind of attribute a; for KZ_CPE_VALUE, *value (may be NULL) gets the WFN text. */
kz_cpe_kind kz_cpe_get(const kz_cpe *c, kz_cpe_attr a, kz_sv *value);

/* "part", "vendor", ... "other"; "?" for an out-of-range attribute. */
const char *kz_cpe_attr_name(kz_cpe_attr a);

/* "DISJOINT", "SUBSET", "SUPERSET", "EQUAL", "UNDEFINED". */
const char *kz_cpe_rel_str(kz_cpe_rel r);

/* True if a and b are the same WFN, byte for byte (case matters here; see kz_cpe_compare). */
bool kz_cpe_equal(const kz_cpe *a, const kz_cpe *b);

/*
 * Compares one attribute of source to the same attribute of target, IR 7696 Table 6-2:
 * ANY/ANY EQUAL, ANY/NA and ANY/value SUPERSET, NA/ANY SUBSET, NA/NA EQUAL, NA/value DISJOINT,
 * value/ANY SUBSET, value/NA DISJOINT, value/same value EQUAL, value/other value DISJOINT, a
 * source value with wildcards SUPERSET if it matches the target value (else DISJOINT), and a
 * target value with wildcards UNDEFINED whatever the source.
 * Value strings compare ASCII case-insensitively: CPE dictionaries write values in lower case,
 * and real feeds do not always.
 */
kz_cpe_rel kz_cpe_compare_attr(const kz_cpe *source, const kz_cpe *target, kz_cpe_attr a);

/*
 * The name-level relation, IR 7696 section 6.2: DISJOINT if any attribute is DISJOINT, EQUAL if
 * all are EQUAL, SUBSET if all are SUBSET or EQUAL, SUPERSET if all are SUPERSET or EQUAL, and
 * UNDEFINED otherwise.
 */
kz_cpe_rel kz_cpe_compare(const kz_cpe *source, const kz_cpe *target);

/* True if source names target: their relation is SUPERSET or EQUAL (IR 7696 "CPE_SUPERSET"
 * together with "CPE_EQUAL"). A vulnerable-configuration name is the source, a product the
 * target. */
bool kz_cpe_matches(const kz_cpe *source, const kz_cpe *target);

/*
 * Loose comparison of vendor or product names, for joining CPE values with the free-text names
 * real advisories use ("Rockwell Automation" against "rockwellautomation", "Schneider Electric"
 * against "schneider_electric", "melsec-q_series" against "MELSEC Q Series"). Both views may be
 * WFN values or plain text: backslash quoting is removed, ASCII letters are lower-cased, and
 * spaces, tabs, '_' and '-' are ignored. Every other byte must match exactly. Two names that
 * reduce to nothing are not equal. This is a heuristic for joining data, not IR 7696 matching.
 */
bool kz_cpe_name_equal(kz_sv a, kz_sv b);

#endif
