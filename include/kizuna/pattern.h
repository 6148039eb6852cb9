/*
 * pattern.h - STIX 2.1 patterning (STIX 2.1 Part 9 and its grammar STIXPattern.g4): a parser from
 * pattern text to a syntax tree, with the 1-based byte position of every error, and a printer of
 * the tree in a canonical, fully parenthesised text form. The detection engine evaluates the tree.
 *
 * The tree is read-only and lives in one arena owned by the kz_pattern: every node, every decoded
 * string and byte string, and a private copy of the pattern text that the views point into. It
 * stays valid, independent of the caller's text, until kz_pattern_free().
 *
 * Shape of the tree (precedence as in the grammar, loosest first):
 *   observations   FOLLOWEDBY < OR < AND < qualifiers (WITHIN, REPEATS, START/STOP)
 *   comparisons    OR < AND
 * Chains of one operator at one level of parentheses become one n-ary node whose operands are in
 * written order, so the height of the tree grows with the nesting of parentheses (bounded by
 * kz_limits.pattern_depth), never with the length of a chain: evaluators may recurse.
 */
#ifndef KIZUNA_PATTERN_H
#define KIZUNA_PATTERN_H

#include "kizuna/core.h"

typedef struct kz_pattern kz_pattern;

/* The kinds of constant. Numbers keep their kind: 5 is an integer, 5.0 a float. */
typedef enum {
    KZ_PAT_LIT_INT,       /* i */
    KZ_PAT_LIT_FLOAT,     /* f, and text: the digits as written (without a leading '+') */
    KZ_PAT_LIT_STRING,    /* bytes: the string with \' and \\ decoded; any bytes, NUL included */
    KZ_PAT_LIT_BOOL,      /* b */
    KZ_PAT_LIT_TIMESTAMP, /* t (UTC, with the number of fraction digits written) */
    KZ_PAT_LIT_HEX,       /* bytes: decoded from h'..' */
    KZ_PAT_LIT_BINARY,    /* bytes: decoded from b'..' (base64) */
} kz_pattern_lit_kind;

/* A constant. Only the fields named for its kind are meaningful; the others are zero. */
typedef struct kz_pattern_lit {
    kz_pattern_lit_kind kind;
    size_t pos; /* 1-based byte position in the pattern text */
    int64_t i;
    double f;
    bool b;
    kz_time t;
    kz_sv bytes; /* STRING, HEX, BINARY: decoded content, in the pattern's arena */
    kz_sv text;  /* FLOAT: the literal as written, for exact printing */
} kz_pattern_lit;

/* One step of an object path after the object type: .name, .'quoted name', [n] or [*]. */
typedef enum {
    KZ_PAT_STEP_KEY,   /* key: property or dictionary key (quotes and escapes removed) */
    KZ_PAT_STEP_INDEX, /* index: list element, 0 or more */
    KZ_PAT_STEP_ANY,   /* [*]: any element of the list */
} kz_pattern_step_kind;

typedef struct {
    kz_pattern_step_kind kind;
    size_t pos;
    kz_sv key;
    int64_t index;
} kz_pattern_step;

/*
 * An object path: `type:first.step[0].step`. steps[0] is always a KZ_PAT_STEP_KEY (the first
 * property); nsteps >= 1.
 */
typedef struct {
    kz_sv type; /* object type, e.g. "file", "x-acme-widget" */
    size_t pos;
    const kz_pattern_step *steps;
    size_t nsteps;
} kz_pattern_path;

/* Comparison operators. NOT is a flag on the comparison, not an operator. */
typedef enum {
    KZ_PAT_OP_EQ,         /* =  (also written ==)  any constant */
    KZ_PAT_OP_NE,         /* != (also written <>)  any constant */
    KZ_PAT_OP_LT,         /* <   ordering operators: any constant but a boolean */
    KZ_PAT_OP_LE,         /* <= */
    KZ_PAT_OP_GT,         /* >  */
    KZ_PAT_OP_GE,         /* >= */
    KZ_PAT_OP_IN,         /* IN (a, b, ...): set of constants of one kind (int and float mix) */
    KZ_PAT_OP_LIKE,       /* LIKE 'string' (SQL LIKE: % and _) */
    KZ_PAT_OP_MATCHES,    /* MATCHES 'regex' (PCRE; compiled by the evaluator, not here) */
    KZ_PAT_OP_ISSUBSET,   /* ISSUBSET 'cidr' */
    KZ_PAT_OP_ISSUPERSET, /* ISSUPERSET 'cidr' */
    KZ_PAT_OP_EXISTS,     /* EXISTS path (no constant, never negated) */
} kz_pattern_op;

typedef enum {
    KZ_PAT_CMP_TEST, /* one comparison: path, op, constant or set */
    KZ_PAT_CMP_AND,  /* all operands hold */
    KZ_PAT_CMP_OR,   /* at least one operand holds */
} kz_pattern_cmp_kind;

/* A comparison expression: the inside of one observation's brackets, or a part of it. */
typedef struct kz_pattern_cmp {
    kz_pattern_cmp_kind kind;
    size_t pos;
    const struct kz_pattern_cmp *next; /* next operand of the parent AND/OR, or NULL */
    /* KZ_PAT_CMP_AND, KZ_PAT_CMP_OR: nkids >= 2 operands from first, linked by next. */
    const struct kz_pattern_cmp *first;
    size_t nkids;
    /* KZ_PAT_CMP_TEST */
    kz_pattern_op op;
    bool negated; /* written `path NOT op value` */
    kz_pattern_path path;
    kz_pattern_lit value;      /* every op but IN and EXISTS */
    const kz_pattern_lit *set; /* IN: nset constants (0 for `()`) */
    size_t nset;
} kz_pattern_cmp;

typedef enum {
    KZ_PAT_QUAL_WITHIN,    /* WITHIN seconds SECONDS: within is a positive INT or FLOAT */
    KZ_PAT_QUAL_REPEATS,   /* REPEATS times TIMES: times >= 1 */
    KZ_PAT_QUAL_STARTSTOP, /* START t'..' STOP t'..': start < stop */
} kz_pattern_qual_kind;

/* A qualifier. A node's qualifiers apply in written order: the first to the bare expression. */
typedef struct kz_pattern_qual {
    kz_pattern_qual_kind kind;
    size_t pos;
    const struct kz_pattern_qual *next;
    kz_pattern_lit within; /* WITHIN: KZ_PAT_LIT_INT or KZ_PAT_LIT_FLOAT, > 0 */
    int64_t times;         /* REPEATS */
    kz_time start, stop;   /* STARTSTOP */
} kz_pattern_qual;

typedef enum {
    KZ_PAT_OBS_SIMPLE,     /* [ comparison ]: one observation */
    KZ_PAT_OBS_AND,        /* all operands are matched (by different observations) */
    KZ_PAT_OBS_OR,         /* at least one operand is matched */
    KZ_PAT_OBS_FOLLOWEDBY, /* operands matched in written order of time */
} kz_pattern_obs_kind;

/* An observation expression: the whole pattern, or a part of it. */
typedef struct kz_pattern_obs {
    kz_pattern_obs_kind kind;
    size_t pos;
    const struct kz_pattern_obs *next; /* next operand of the parent, or NULL */
    const kz_pattern_cmp *cmp;         /* SIMPLE */
    const struct kz_pattern_obs *first; /* AND, OR, FOLLOWEDBY: nkids >= 2 from first */
    size_t nkids;
    const kz_pattern_qual *quals; /* qualifiers on this node, in written order, or NULL */
    size_t nquals;
} kz_pattern_obs;

/*
 * Parses a STIX 2.1 pattern. lim (NULL for kz_limits_default()) bounds the text
 * (pattern_bytes), the nesting of parentheses and brackets (pattern_depth, which also bounds the
 * parser's recursion and the tree's height) and the comparisons, observations and qualifiers
 * (pattern_terms). On success *out belongs to the caller (kz_pattern_free). On failure *out is
 * NULL and err says where ("position 14: ...", 1-based byte offset) and what was expected.
 * Returns KZ_EINVAL (not a valid pattern), KZ_ELIMIT (past a limit) or KZ_ENOMEM.
 */
KZ_NODISCARD kz_rc kz_pattern_parse(kz_sv text, const kz_limits *lim, kz_pattern **out,
                                    kz_err *err);
void kz_pattern_free(kz_pattern *p);

/* The root of the tree; never NULL for a parsed pattern. Owned by p. */
const kz_pattern_obs *kz_pattern_root(const kz_pattern *p);
/* The number of comparisons, observations and qualifiers in the pattern. */
size_t kz_pattern_terms(const kz_pattern *p);

/*
 * Appends the canonical text of p to out: every operator chain and every qualified expression in
 * parentheses, one space around operators, `=` and `!=` for equality, keys quoted only when they
 * must be, strings re-escaped, hex in lower case, base64 re-encoded. Parsing the result gives the
 * same tree (and the same text again). Returns KZ_OK, or KZ_ELIMIT / KZ_ENOMEM from the buffer
 * (out then holds a partial text).
 */
KZ_NODISCARD kz_rc kz_pattern_format(const kz_pattern *p, kz_buf *out);

/* The text of an operator ("=", "IN", "EXISTS", ...) and of a qualifier ("WITHIN", ...). */
const char *kz_pattern_op_str(kz_pattern_op op);
const char *kz_pattern_qual_str(kz_pattern_qual_kind kind);

#endif
