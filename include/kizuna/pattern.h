/*
 * pattern.h - STIX 2.1 patterning: a parser from pattern text to a syntax tree with the position
 * of every syntax error. The detection engine evaluates the tree.
 */
#ifndef KIZUNA_PATTERN_H
#define KIZUNA_PATTERN_H

#include "kizuna/core.h"

typedef struct kz_pattern kz_pattern;

/*
 * Parses a STIX 2.1 pattern. On success *out belongs to the caller (kz_pattern_free). On failure
 * err says where ("position 14: ...", 1-based) and what was expected.
 */
KZ_NODISCARD kz_rc kz_pattern_parse(kz_sv text, const kz_limits *lim, kz_pattern **out,
                                    kz_err *err);
void kz_pattern_free(kz_pattern *p);

#endif
