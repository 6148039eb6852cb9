/*
 * purl.h - Package URLs ("pkg:type/namespace/name@version?qualifiers#subpath", the
 * package-url/purl-spec and ECMA-427), the identifier software bills of materials and CSAF
 * product trees use for packages. The vulnerability matcher compares them with purl ranges.
 *
 * A parsed purl holds its components percent-decoded and normalised in a fixed buffer: the type
 * lower-cased, qualifier keys lower-cased and sorted, empty qualifier values dropped, empty, "."
 * and ".." subpath segments dropped, and the type-specific rules of PURL-TYPES applied (see
 * kz_purl_parse). Nothing here allocates; a kz_purl can be copied with assignment.
 */
#ifndef KIZUNA_PURL_H
#define KIZUNA_PURL_H

#include "kizuna/core.h"

/* The longest purl accepted, in bytes. Decoding never grows text, so the buffer is as large. */
#define KZ_PURL_MAX_BYTES 2048
/* The most qualifiers one purl may carry. */
#define KZ_PURL_MAX_QUALIFIERS 32

typedef struct {
    uint16_t off, len; /* bytes in text[] */
} kz_purl_span;

typedef struct {
    kz_purl_span key, value;
} kz_purl_qual;

typedef struct {
    kz_purl_span type, ns, name, version, subpath;
    bool has_version;
    uint16_t nqual;
    kz_purl_qual qual[KZ_PURL_MAX_QUALIFIERS]; /* sorted by key */
    uint16_t used;
    char text[KZ_PURL_MAX_BYTES];
} kz_purl;

/*
 * Parses a purl into *out, as the specification's "How to parse" says, strictly:
 *   - the scheme is "pkg" (any case), and slashes after "pkg:" are ignored;
 *   - the type is ASCII letters, digits, '.', '+' and '-', not starting with a digit, and is
 *     lower-cased; it must be followed by '/';
 *   - namespace segments, the name, the version, qualifier values and subpath segments are
 *     percent-decoded; a '%' not followed by two hex digits, an encoded NUL and decoded bytes
 *     that are not UTF-8 are errors, and so is any byte outside printable ASCII in the input;
 *   - the name is required; an '@' with nothing after it is an error; an '@' before the last
 *     '/' belongs to the namespace (an unencoded npm scope), not to the version;
 *   - qualifier keys are ASCII letters, digits, '.', '-' and '_', not starting with a digit,
 *     lower-cased, and unique; a pair without '=' is an error, one with an empty value is
 *     dropped; at most KZ_PURL_MAX_QUALIFIERS;
 *   - type-specific normalisation: the name is lower-cased for npm, pypi, pub and bitnami, and
 *     namespace and name for alpm, apk, bitbucket, composer, deb, github and hex; pypi names
 *     also get '_' replaced by '-'.
 * Input longer than KZ_PURL_MAX_BYTES gives KZ_ELIMIT. On failure err names the component, the
 * byte offset and what was expected; *out is then unspecified.
 */
KZ_NODISCARD kz_rc kz_purl_parse(kz_sv s, kz_purl *out, kz_err *err);

/*
 * Appends the canonical form to b: "pkg:", the type, namespace segments and name, '@' and the
 * version, '?' and the qualifiers sorted by key joined with '&', '#' and the subpath. Every byte
 * but ASCII letters, digits, ".-_~" and ':' is percent-encoded (ECMA-427), except that qualifier
 * values also keep '/' as it is, as the specification's own examples write repository_url.
 */
KZ_NODISCARD kz_rc kz_purl_format(const kz_purl *p, kz_buf *b);

/* Views of the decoded components; an absent component is the empty view. */
kz_sv kz_purl_type(const kz_purl *p);
kz_sv kz_purl_namespace(const kz_purl *p); /* segments joined by '/' */
kz_sv kz_purl_name(const kz_purl *p);
kz_sv kz_purl_version(const kz_purl *p);
kz_sv kz_purl_subpath(const kz_purl *p);

/* Number of qualifiers, and the i-th (in key order) into *key and *value. */
size_t kz_purl_qualifier_count(const kz_purl *p);
void kz_purl_qualifier(const kz_purl *p, size_t i, kz_sv *key, kz_sv *value);
/* Looks up a qualifier by its (lower-case) key; false if absent. */
bool kz_purl_qualifier_get(const kz_purl *p, const char *key, kz_sv *value);

/* True if every component, version and qualifiers included, is the same. */
bool kz_purl_equal(const kz_purl *a, const kz_purl *b);

/* True if a and b name the same package: type, namespace and name equal after normalisation,
 * whatever their version, qualifiers and subpath. */
bool kz_purl_same_package(const kz_purl *a, const kz_purl *b);

#endif
