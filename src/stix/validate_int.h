/*
 * validate_int.h - the inside of STIX 2.1 validation, shared by validate.c and the v_*.c files.
 *
 * Validation is table driven: every object type has a table of property specifications (name,
 * required or not, kind of value, vocabulary or target types, range), sorted by name so that
 * each key of an object is found by binary search, and a rule function for the requirements
 * that tie several properties together. A validation context carries the report callback, the
 * error count and the JSON path of the value being looked at, kept as a stack of segments and
 * only turned into text when something is reported.
 */
#ifndef KIZUNA_STIX_VALIDATE_INT_H
#define KIZUNA_STIX_VALIDATE_INT_H

#include <stdarg.h>

#include "kizuna/stix.h"

/* Object categories; a common property says in which of them it may and must appear. */
enum {
    KZ_C_SDO = 1,
    KZ_C_SRO = 2,
    KZ_C_SCO = 4,
    KZ_C_LC = 8,      /* language-content */
    KZ_C_MD = 16,     /* marking-definition */
    KZ_C_ED = 32,     /* extension-definition */
    KZ_C_CUSTOM = 64, /* an object type the specification does not define */
};

/* What kind of value a property holds. */
typedef enum {
    KZ_PK_STRING,
    KZ_PK_TIMESTAMP,
    KZ_PK_INT,       /* integer in [min, max] */
    KZ_PK_FLOAT,     /* any JSON number */
    KZ_PK_BOOL,
    KZ_PK_REF,       /* identifier; words = allowed target types (NULL: any) */
    KZ_PK_OV,        /* open vocabulary; words = suggested values */
    KZ_PK_ENUM,      /* closed enumeration; words = allowed values */
    KZ_PK_DICT,      /* dictionary */
    KZ_PK_HASHES,
    KZ_PK_KCP,       /* kill-chain-phase */
    KZ_PK_EXTREF,    /* external-reference */
    KZ_PK_BINARY,    /* base64 */
    KZ_PK_HEX,
    KZ_PK_URL,
    KZ_PK_OBJECT,    /* an embedded object described by sub */
    KZ_PK_ANY,       /* anything; checked, if at all, by the type's rule */
    KZ_PK_LANG,      /* RFC 5646 language tag */
    KZ_PK_GRANULAR,  /* granular-marking */
    KZ_PK_EXTENSIONS,
    KZ_PK_SPECVER,
    KZ_PK_TYPE,
    KZ_PK_ID,
} kz_pkind;

enum {
    KZ_PF_REQ = 1,        /* required */
    KZ_PF_LIST = 2,       /* a non-empty list of the kind */
    KZ_PF_DEPRECATED = 4, /* present: a warning */
};

/* Special entries of a reference's target list. */
#define KZ_REF_SCO "*sco"       /* any cyber-observable type (or a custom type) */
#define KZ_REF_SDO "*sdo"       /* any domain object type (or a custom type) */
#define KZ_REF_NOT_SRO "*nsro"  /* an SDO or SCO (or custom), not an SRO or meta object */

struct kz_ptable;

typedef struct {
    const char *name;
    uint8_t kind;
    uint8_t flags;
    uint8_t cats;    /* common properties: categories where the property applies */
    uint8_t reqcats; /* common properties: categories where it is required */
    int64_t min, max;
    const char *const *words;
    const struct kz_ptable *sub;
} kz_pspec;

typedef struct kz_vctx kz_vctx;
typedef void (*kz_rule_fn)(kz_vctx *vc, const json_t *obj);

typedef struct kz_ptable {
    const kz_pspec *p; /* sorted by name (strcmp); at most 64 entries */
    size_t n;
    const char *what; /* used in messages: "is required for <what>" */
    kz_rule_fn rule;  /* cross-property rules, or NULL */
} kz_ptable;

/* Table entries: a property of a kind, an integer with a range, an embedded object. */
#define KZ_P(name, kind, flags, words) {(name), (kind), (flags), 0, 0, 0, 0, (words), NULL}
#define KZ_PI(name, flags, lo, hi) {(name), KZ_PK_INT, (flags), 0, 0, (lo), (hi), NULL, NULL}
#define KZ_PO(name, flags, sub) {(name), KZ_PK_OBJECT, (flags), 0, 0, 0, 0, NULL, (sub)}
#define KZ_REQ KZ_PF_REQ
#define KZ_LIST KZ_PF_LIST

#define KZ_NELEM(arr) (sizeof(arr) / sizeof((arr)[0]))
#define KZ_PTABLE(arr, what, rule) {(arr), KZ_NELEM(arr), (what), (rule)}

/* A predefined extension of an SCO type (archive-ext, ...). */
typedef struct {
    const char *name;
    const kz_ptable *props;
} kz_extinfo;

typedef struct {
    const char *name;
    uint8_t cat;
    const kz_ptable *props; /* its rule is the type's rule */
    const kz_extinfo *exts; /* sorted by name */
    size_t nexts;
    const char *const *idc; /* SCO ID contributing properties (NULL-terminated), or NULL */
} kz_tinfo;

#define KZ_PATH_MAX 32

struct kz_vctx {
    kz_stix_report_fn report;
    void *ctx;
    const kz_limits *lim;
    const json_t *root;
    const kz_tinfo *ti; /* NULL for a custom or unknown type */
    uint8_t cat;
    int idver; /* UUID version of the object's own id, -1 if it has none */
    int errors;
    size_t depth; /* path segments pushed (may exceed KZ_PATH_MAX; the excess is not shown) */
    struct {
        const char *key; /* NULL: an index */
        size_t idx;
    } seg[KZ_PATH_MAX];
};

/* Tables of the v_*.c files, each sorted by type name. */
extern const kz_tinfo kz_stix__sdo_types[];
extern const size_t kz_stix__sdo_ntypes;
extern const kz_tinfo kz_stix__sco_types[];
extern const size_t kz_stix__sco_ntypes;
extern const kz_tinfo kz_stix__meta_types[];
extern const size_t kz_stix__meta_ntypes;

/* validate.c */
const kz_tinfo *kz_stix__type_info(const char *name, size_t n);

/* v_common.c: paths and reports */
void kz_stix__push(kz_vctx *vc, const char *key);
void kz_stix__push_idx(kz_vctx *vc, size_t idx);
void kz_stix__pop(kz_vctx *vc);
void kz_stix__report(kz_vctx *vc, kz_stix_severity sev, const char *fmt, ...) KZ_PRINTF(3, 4);
/* Reports at the current path extended by key. */
void kz_stix__report_at(kz_vctx *vc, const char *key, kz_stix_severity sev, const char *fmt, ...)
    KZ_PRINTF(4, 5);
void kz_stix__path_format(const kz_vctx *vc, char *buf, size_t cap);
const char *kz_stix__kind_name(const json_t *v);
/* Length to print of a quoted value and the ellipsis that goes after it. */
#define KZ_QLEN 80
#define KZ_Q(s, n) (int)((n) > KZ_QLEN ? KZ_QLEN : (n)), (s), ((n) > KZ_QLEN ? "..." : "")

/* v_common.c: checks */
void kz_stix__check_props(kz_vctx *vc, const json_t *obj, const kz_ptable *t, bool top);
void kz_stix__check_value(kz_vctx *vc, const kz_pspec *spec, const json_t *v);
bool kz_stix__id_split(const char *s, size_t n, size_t *type_len);
bool kz_stix__type_name_ok(const char *s, size_t n);
bool kz_stix__get_time(const json_t *obj, const char *key, kz_time *out);
/* Reports an error unless later >= earlier (strict: later > earlier). */
void kz_stix__time_order(kz_vctx *vc, const json_t *obj, const char *earlier, const char *later,
                         bool strict);
bool kz_stix__has(const json_t *obj, const char *key);
bool kz_stix__word_in(const char *const *words, const char *s, size_t n);

/* jcs.c: RFC 8785 canonical JSON. Returns KZ_ELIMIT past max_depth. */
KZ_NODISCARD kz_rc kz_stix__jcs(const json_t *v, kz_buf *out, size_t max_depth);

/* v_sco.c: the deterministic id of an SCO; KZ_ENOTFOUND when it has no ID contributing value. */
KZ_NODISCARD kz_rc kz_stix__sco_det_id(const json_t *obj, const kz_tinfo *ti, size_t max_depth,
                                       char out[KZ_UUID_STR]);

/* v_common.c: the first entry out of order in its tables, or NULL. */
const char *kz_stix__common_unsorted(void);

/* For the unit tests: returns the name of the first table found out of order, or NULL. */
const char *kz_stix__tables_unsorted(void);

#endif
