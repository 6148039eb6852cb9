/*
 * version.h - version comparison and affected-version ranges, as the vulnerability matcher needs
 * them: is the firmware or software version a device reports inside the range an advisory names?
 *
 * Two comparison schemes:
 *
 * KZ_VERSION_SEMVER: Semantic Versioning 2.0.0 precedence exactly (section 11). The text must be
 *   a valid semver version (no leading "v", no leading zeros in numeric identifiers); build
 *   metadata after '+' is checked for syntax and then ignored. Numbers of any length compare
 *   correctly (no overflow).
 *
 * KZ_VERSION_GENERIC: vendor firmware and software as advisories write it. Rules:
 *   1. Only printable ASCII is understood; at most KZ_VERSION_MAX_BYTES bytes and
 *      KZ_VERSION_MAX_ATOMS atoms, otherwise the version is not comparable.
 *   2. A leading prefix "v", "ver", "version", "r", "rev", "fw" or "firmware" (any case, with an
 *      optional '.', ':', '_' or space after it) is dropped when a digit follows: "V2.00" = "2.0",
 *      "Ver.2.60" = "2.60", "R9.90" = "9.90".
 *   3. The rest splits into atoms: runs of digits (numbers) and runs of letters (words). Every
 *      other character separates atoms and is not itself compared, so "1.16S", "1.16 S" and
 *      "1.16.S" are equal, as are "V18_Update_2" and "V18 Update 2".
 *   4. Numbers compare numerically whatever their length; leading zeros are ignored ("5.008" =
 *      "5.8", "01.39.000" = "1.39").
 *   5. A word is a pre-release tag when it is dev, alpha, beta, pre, preview or rc, or the single
 *      letter a, b or c directly followed by a digit ("1.0a1", "2.0b2"). Pre-release tags order
 *      dev < alpha < beta < pre = preview < rc (then by spelling), and sort before the bare
 *      release: "2.0.0-rc1" < "2.0.0".
 *   6. Any other word (a letter revision "S", "D", "a"; "SP", "Update", "Build", "HF", "Patch")
 *      is a post-release word: after the bare number, before the next number: "1.16" < "1.16S" <
 *      "1.16.1" < "1.17", "V14" < "V14 SP1" < "V14.1", "1.0.4" < "1.0.4 Build 20230219". Words
 *      compare case-insensitively by spelling, with "upd" read as "update" and "hotfix" as "hf".
 *   7. The shorter version is padded with zeros, so trailing ".0" parts are equal ("1" = "1.0.0")
 *      and a trailing pre-release tag or post-release word decides against the padding.
 *   8. A word "x" or "X" or a '*' is a wildcard atom, equal to any one atom or to the padding: it
 *      lets "<= 2.x" hold for 2.5 and "< 3.x" stop before 3.0. (Wildcards make the order
 *      non-transitive; comparison stays antisymmetric.)
 *   In order of atoms: pre-release tag < zero (or padding) < post-release word < number > 0.
 */
#ifndef KIZUNA_VERSION_H
#define KIZUNA_VERSION_H

#include <stdint.h>

#include "kizuna/core.h"

typedef enum {
    KZ_VERSION_GENERIC = 0,
    KZ_VERSION_SEMVER,
} kz_version_scheme;

#define KZ_VERSION_MAX_BYTES 512 /* one version, and one range's text */
#define KZ_VERSION_MAX_ATOMS 64  /* numbers and words in one generic version */

/* What kz_version_cmp returns when either version cannot be understood under the scheme. */
#define KZ_VERSION_INCOMPARABLE 2

/*
 * Compares two versions under scheme s: -1 if a sorts before b, 0 if equal, 1 if after, and
 * KZ_VERSION_INCOMPARABLE if either cannot be understood (use kz_version_compare for why).
 * Antisymmetric: kz_version_cmp(a, b) == -kz_version_cmp(b, a) unless incomparable.
 */
int kz_version_cmp(kz_sv a, kz_sv b, kz_version_scheme s);

/*
 * Compares as kz_version_cmp and writes -1, 0 or 1 to *out. Fails with KZ_EINVAL (or KZ_ELIMIT
 * for a version past the limits) and a message naming the version and what is wrong when either
 * cannot be understood; *out is then 0 and must not be used.
 */
KZ_NODISCARD kz_rc kz_version_compare(kz_sv a, kz_sv b, kz_version_scheme s, int *out,
                                      kz_err *err);

/* Checks that v can be understood under scheme s; on failure says why. */
KZ_NODISCARD kz_rc kz_version_check(kz_sv v, kz_version_scheme s, kz_err *err);

/* ---- ranges -------------------------------------------------------------------------------- */

#define KZ_RANGE_MAX_BYTES KZ_VERSION_MAX_BYTES
#define KZ_RANGE_MAX_CONSTRAINTS 32

typedef enum {
    KZ_OP_EQ = 0, /* "=" or a bare version */
    KZ_OP_NE,     /* "!=" */
    KZ_OP_LT,     /* "<" */
    KZ_OP_LE,     /* "<=" */
    KZ_OP_GT,     /* ">" */
    KZ_OP_GE,     /* ">=" */
} kz_range_op;

typedef struct {
    kz_range_op op;
    uint16_t off; /* the version is buf[off, off + len) of its kz_range */
    uint16_t len;
} kz_range_constraint;

typedef enum {
    KZ_RANGE_UNKNOWN = 0, /* not understood: every version is POSSIBLY affected; see reason */
    KZ_RANGE_ALL,         /* every version: "*" under vers scheme "all", "All versions" */
    KZ_RANGE_NONE,        /* no version: "*" under vers scheme "none" */
    KZ_RANGE_CONSTRAINTS, /* the vers constraint list in c[0..n), sorted by version */
} kz_range_kind;

/* A parsed range. Fixed size, no pointers into the input: it can be copied and kept. */
typedef struct {
    kz_range_kind kind;
    kz_version_scheme scheme;
    size_t n;
    kz_range_constraint c[KZ_RANGE_MAX_CONSTRAINTS];
    char buf[KZ_RANGE_MAX_BYTES + 1]; /* the constraint versions, normalised */
    char reason[256];                 /* why kind is KZ_RANGE_UNKNOWN, NUL-terminated */
} kz_range;

typedef enum {
    KZ_MATCH_NOT_AFFECTED = 0,
    KZ_MATCH_AFFECTED,
    KZ_MATCH_POSSIBLY, /* the range or the version is not understood: a person must look */
} kz_match;

/* "affected", "not affected" or "possibly affected". */
const char *kz_match_str(kz_match m);

/*
 * Parses an affected-version range:
 *  - a purl version range specifier "vers:<scheme>/<constraint>|<constraint>..." (comparators
 *    =, !=, <, <=, >, >=, a bare version for "=", "*" alone for every version; spaces are not
 *    significant; %XX is unquoted). Schemes semver, npm and cargo compare as KZ_VERSION_SEMVER,
 *    "none" matches nothing, every other scheme (notably CSAF's "all") as KZ_VERSION_GENERIC. As
 *    CSAF producers do, constraints may also follow each other without '|' (">=V7.80<V9.40").
 *  - the ranges advisories write by hand, compared as KZ_VERSION_GENERIC: "All versions",
 *    "All versions < V2.00", "< V4.1.3", "<= 5.008", ">= 2.0 < 3.1", ">= V2.3 and < V6.30",
 *    ">= 2.3x | <= 6.00.327", "V1.0 - V1.4", "1.0 to 1.4", "1.2 through 1.5", "prior to 1.14",
 *    "before 2.0", "1.4 and earlier", "2.0 and later", "11.3.1 | 11.3.2 | <= R6", "V15, V15.1
 *    and V16", with '_' read as a space ("<V18_Update_2").
 * Text that carries a condition or prose ("All versions with Ethernet interface", "(only
 * affected by CVE-...)", "<=the_first_5_digits_of_serial_number_22081"), a bare version glued
 * to a comparison ("NMC2 <= 6.9.6"), or a version that does not parse is not guessed at.
 *
 * Always fills *out. On success (KZ_OK) out->kind is ALL, NONE or CONSTRAINTS. Otherwise returns
 * KZ_EINVAL, or KZ_ELIMIT past KZ_RANGE_MAX_BYTES or KZ_RANGE_MAX_CONSTRAINTS, with the reason in
 * err and in out->reason, and out->kind is KZ_RANGE_UNKNOWN: kz_range_contains then answers
 * POSSIBLY for every version, so a range that is not understood is never silently dropped.
 * Constraints are sorted by version; a version named twice is an error, as the vers spec says.
 */
KZ_NODISCARD kz_rc kz_range_parse(kz_sv text, kz_range *out, kz_err *err);

/*
 * Decides whether version lies in r, with the vers containment procedure (equality first, then
 * the intervals between contiguous sorted constraints). Ranges whose comparators do not
 * alternate (">=1|>=2", "<=4.2.21|<=5.0.27") are evaluated both as written and simplified as the
 * vers spec describes; where the two disagree the answer is POSSIBLY.
 * *out is AFFECTED, NOT_AFFECTED or POSSIBLY; POSSIBLY always comes with the reason in err (the
 * range was not understood, or the version cannot be compared under the range's scheme).
 * Returns KZ_OK whenever *out was set, KZ_EUSAGE for a NULL argument.
 */
KZ_NODISCARD kz_rc kz_range_contains(const kz_range *r, kz_sv version, kz_match *out,
                                     kz_err *err);

#endif
