/*
 * pattern_eval.h - evaluates a parsed STIX pattern (kizuna/pattern.h) over a set of observations:
 * STIX 2.1 observed-data with object_refs resolved against SCOs, or STIX 2.0 observed-data with
 * embedded `objects` dictionaries.
 *
 * Each simple observation expression ([ ... ]) is evaluated once per observation into a match
 * list; the observation operators and qualifiers are then combined by a complete backtracking
 * search (time windows narrowed by WITHIN, START/STOP and FOLLOWEDBY, REPEATS copies bound in a
 * canonical order, forward checking of the simple goals). It is bounded by a work budget
 * (KZ_ELIMIT past it), which only contrived patterns reach.
 *
 * Semantics chosen (STIX 2.1 Part 9):
 *   - Comparisons in one [ ] are evaluated against the objects of ONE observation. Comparisons on
 *     one object type joined by AND/OR are evaluated against the same object; comparisons on
 *     different types may be satisfied by different objects of that observation.
 *   - `*_ref` / `*_refs` properties followed by more path steps are resolved to the objects of the
 *     same observation (SCO id in 2.1, dictionary key in 2.0).
 *   - A missing property makes a comparison false (negated or not); comparing a value with a
 *     constant of an incompatible type is an evaluation error (KZ_EINVAL).
 *   - An observed-data stands for number_observed observations (the OASIS reference matcher
 *     reads it so): it may be bound up to that many times, e.g. by REPEATS; results list it once.
 *   - AND, FOLLOWEDBY and REPEATS bind distinct observations. FOLLOWEDBY needs every observation
 *     of the left side to have last_observed <= first_observed of every observation of the right.
 *     WITHIN n SECONDS: max(last_observed) - min(first_observed) <= n over the binding.
 *     START s STOP e: every observation has first_observed >= s and last_observed < e.
 *   - =, !=, IN and the order operators compare strings by their UTF-8 bytes: case-sensitive,
 *     no Unicode normalisation (a precomposed and a decomposed character differ); except domain
 *     names (a domain-name's value) and hash values (a key of a "hashes" dictionary), which
 *     compare ignoring ASCII case, beyond the specification (RFC 4343; a digest is a number).
 *     LIKE and MATCHES put both sides in Unicode NFC first (as the reference matcher does), so
 *     there they are the same; LIKE's _ and MATCHES' . are one code point of the normal form.
 */
#ifndef KIZUNA_PATTERN_EVAL_H
#define KIZUNA_PATTERN_EVAL_H

#include <jansson.h>

#include "kizuna/core.h"
#include "kizuna/pattern.h"

typedef struct kz_obs_set kz_obs_set;

/* Looks up an SCO by id for kz_obs_set_add_observed_data; returns a borrowed object or NULL. */
typedef const json_t *(*kz_obs_lookup_fn)(const char *id, void *arg);

/* An empty set, or NULL when out of memory. Free with kz_obs_set_free. */
kz_obs_set *kz_obs_set_new(void);
void kz_obs_set_free(kz_obs_set *set);

/*
 * Adds every observed-data object of a bundle's `objects` array, resolving 2.1 object_refs against
 * the other objects of that array (2.0 observed-data carry their own `objects`). The set keeps
 * references to the JSON (json_incref); the caller keeps its own. Observations stay ordered by
 * first_observed (ties in the order added). Returns KZ_OK, KZ_EINVAL (err names the object and
 * property), KZ_ELIMIT or KZ_ENOMEM; on failure the set is unchanged.
 */
KZ_NODISCARD kz_rc kz_obs_set_add_bundle(kz_obs_set *set, const json_t *objects_array, kz_err *err);

/* Adds one observed-data object; 2.1 object_refs are resolved with lookup(id, arg). */
KZ_NODISCARD kz_rc kz_obs_set_add_observed_data(kz_obs_set *set, const json_t *observed_data,
                                                kz_obs_lookup_fn lookup, void *arg, kz_err *err);

/* The number of observations, and the observed-data at index i (in first_observed order). */
size_t kz_obs_set_count(const kz_obs_set *set);
const json_t *kz_obs_set_get(const kz_obs_set *set, size_t i);
/* The observed-data's id, or NULL if it has none. Owned by the set. */
const char *kz_obs_set_id(const kz_obs_set *set, size_t i);

/* The outcome of an evaluation. obs (owned; kz_eval_result_free) holds the set indexes of the
 * observations of the first binding found, ascending; empty when matched is false. */
typedef struct {
    bool matched;
    size_t *obs;
    size_t nobs;
} kz_eval_result;

void kz_eval_result_free(kz_eval_result *r);

/* STIX LIKE on one string, as the evaluator compares (both sides already in NFC): '%' any run of
 * characters, '_' one UTF-8 character, every other byte itself; the whole of s must match. Up to
 * n x pn steps in the worst case: bound the sizes before calling it on untrusted input. */
bool kz_pattern_like(const char *s, size_t n, const char *pat, size_t pn);

/*
 * Evaluates p over set. On KZ_OK *out says whether the pattern matches, and with which
 * observations (the caller frees it with kz_eval_result_free). Returns KZ_EINVAL for an
 * evaluation error (a type mismatch, an invalid CIDR or regular expression; err says where in the
 * pattern), KZ_ELIMIT past the work budget, KZ_ENOMEM. On failure *out is empty.
 */
KZ_NODISCARD kz_rc kz_pattern_eval(const kz_pattern *p, const kz_obs_set *set, kz_eval_result *out,
                                   kz_err *err);

#endif
