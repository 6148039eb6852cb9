/*
 * cvss.h - CVSS vector strings and scores (v2.0, v3.0, v3.1, v4.0), computed from the FIRST
 * specifications so that the vulnerability knowledge base can check a published score against
 * its vector instead of trusting it.
 *
 * A parsed vector is a small fixed-size value: parsing never allocates, and a vector longer than
 * KZ_CVSS_VECTOR_MAX bytes is refused before it is looked at.
 */
#ifndef KIZUNA_CVSS_H
#define KIZUNA_CVSS_H

#include <stdint.h>

#include "kizuna/core.h"

typedef enum { KZ_CVSS_V2, KZ_CVSS_V30, KZ_CVSS_V31, KZ_CVSS_V40 } kz_cvss_version;

/* Longest vector string accepted (the longest valid v4.0 vector is about 200 bytes). */
#define KZ_CVSS_VECTOR_MAX 512
/* Metrics in the largest version (v4.0: 11 base, 1 threat, 14 environmental, 6 supplemental). */
#define KZ_CVSS_METRICS_MAX 32

/*
 * A parsed vector. value[i] is 0 when the i-th metric of the version (in the specification's
 * order) is absent, else 1 + the index of its value in the specification's list. Treat the fields
 * as read-only; use the functions below.
 */
typedef struct {
    kz_cvss_version version;
    uint8_t value[KZ_CVSS_METRICS_MAX];
} kz_cvss;

/* Groups of metrics beyond the base group that a vector sets to something other than X / ND. */
enum {
    KZ_CVSS_TEMPORAL = 1u << 0,      /* v2/v3 temporal; v4 threat (E) */
    KZ_CVSS_ENVIRONMENTAL = 1u << 1, /* v2/v3/v4 environmental */
    KZ_CVSS_SUPPLEMENTAL = 1u << 2,  /* v4 supplemental (S, AU, R, V, RE, U) */
};

/*
 * Parses a vector string, strictly: every mandatory base metric exactly once, known metric names
 * and values only (case-sensitive, as the specifications write them), no duplicates, no empty
 * components. Metrics may come in any order. Accepted forms:
 *   v2:   "AV:N/AC:L/Au:N/C:P/I:P/A:P", the same in parentheses, or after "CVSS:2.0/"
 *   v3:   "CVSS:3.0/..." and "CVSS:3.1/..."
 *   v4:   "CVSS:4.0/..."
 * Temporal, threat, environmental and supplemental metrics are parsed too.
 * Returns KZ_OK, KZ_EINVAL (err says "position N: " where, which metric and what was expected) or
 * KZ_ELIMIT (longer than KZ_CVSS_VECTOR_MAX). On failure *out is zeroed.
 */
KZ_NODISCARD kz_rc kz_cvss_parse(kz_sv vector, kz_cvss *out, kz_err *err);

/* The KZ_CVSS_* groups set in c. */
unsigned kz_cvss_groups(const kz_cvss *c);

/*
 * The base score (0.0 to 10.0, one decimal) from the base metrics only, whatever else the vector
 * holds: v2 and v3 by the specification's equations and rounding (v3.0 rounds up with ceil, v3.1
 * with the integer Roundup of its Appendix A), v4.0 as CVSS-B by the macro-vector lookup table
 * and interpolation of the FIRST calculator.
 */
double kz_cvss_base_score(const kz_cvss *c);

/*
 * The temporal score: v2 and v3 temporal equations (absent metrics count as Not Defined, so with
 * no temporal metrics it equals the base score); v4.0 CVSS-BT (base and threat metrics).
 */
double kz_cvss_temporal_score(const kz_cvss *c);

/*
 * The environmental score: v2 and v3 environmental equations (which include the temporal
 * metrics); v4.0 CVSS-BTE (every metric in the vector).
 */
double kz_cvss_environmental_score(const kz_cvss *c);

/*
 * The qualitative rating of a score: v2 "Low", "Medium", "High" (NVD's ranges); v3 and v4
 * "None", "Low", "Medium", "High", "Critical". A score outside 0..10 gives "Unknown".
 * The string is static.
 */
const char *kz_cvss_severity(double score, kz_cvss_version v);

/*
 * The specification's rounding to one decimal for version v: v2 to the nearest tenth (halves up),
 * v3.0 up (ceil), v3.1 up by the integer Roundup of its Appendix A (so 4.000000000000001 stays
 * 4.0), v4.0 half up after adding 1e-6 as FIRST's calculator does.
 */
double kz_cvss_roundup(double x, kz_cvss_version v);

/* "2.0", "3.0", "3.1" or "4.0". */
const char *kz_cvss_version_str(kz_cvss_version v);

/*
 * Appends the canonical vector string to out: "CVSS:x.y/" (none for v2), then the metrics that
 * are present and not X / ND, in the specification's order. Parsing the result gives the same
 * scores. Returns KZ_OK, or what kz_buf_append returned (out is then as it was).
 */
KZ_NODISCARD kz_rc kz_cvss_format(const kz_cvss *c, kz_buf *out);

#endif
