/*
 * index_int.h - private to the indicator index (index.c, index_atoms.c): how a parsed pattern is
 * reduced to atoms (the comparisons whose hits are necessary for it to match), and how field
 * values and constants are normalised so that both sides of a lookup meet in one form.
 */
#ifndef KZ_DETECT_INDEX_INT_H
#define KZ_DETECT_INDEX_INT_H

#include "kizuna/detect.h"
#include "kizuna/pattern.h"

/* How a value is normalised before an exact lookup (the same for constants and fields). */
enum {
    KZ_IX_NORM_NONE,  /* bytes as they are */
    KZ_IX_NORM_LOWER, /* ASCII lower case: domain-name:value, hashes.* */
    KZ_IX_NORM_IP,    /* ipv4-addr:value, ipv6-addr:value: a bare address as 1 + 4 or 16 bytes */
    KZ_IX_NORM_REF,   /* x_ref.value: an address as for IP, anything else in lower case */
};

/* The kinds of atom. */
enum { KZ_IX_EXACT, KZ_IX_CIDR, KZ_IX_LIKE, KZ_IX_MATCHES };

/* One atom chosen from a pattern, before it goes into a table. */
typedef struct {
    int kind;
    const kz_pattern_cmp *cmp; /* the comparison it comes from */
    kz_sv value;               /* the constant (for IN, one member of the set) */
    bool ref;                  /* the path is `x_ref.value`: the value of any referenced type */
} kz_ix_atom;

typedef struct {
    kz_ix_atom *v;
    size_t n, cap;
} kz_ix_atoms;

/* Longest canonical object path the index keeps; longer paths are not indexable. */
#define KZ_IX_PATH_MAX 256
/* Bytes a normalised value may need beyond the value's own length. */
#define KZ_IX_NORM_EXTRA 17

/*
 * Appends to out the atoms covering every simple observation expression of p (see index.c for
 * the rule). *indexable is false when some observation expression has no cover; out then holds
 * nothing useful. KZ_ENOMEM only.
 */
KZ_NODISCARD kz_rc kz_ix_pattern_atoms(const kz_pattern *p, kz_ix_atoms *out, bool *indexable);
/* Whether p is one comparison whose atom hit is its match (no evaluation needed). */
bool kz_ix_pattern_sure(const kz_pattern *p);
/* Whether p needs several observations (a window); *within gets the outermost WITHIN or -1. */
bool kz_ix_pattern_window(const kz_pattern *p, double *within);

/* The canonical text of a pattern path's keys joined by '.', NUL-terminated in buf
 * (KZ_IX_PATH_MAX bytes). False when a step is not a key or the text is too long. */
bool kz_ix_path_canon(const kz_pattern_path *path, char *buf);
/* The canonical text of a record field's path (single quotes removed) in buf; false if too long.
 */
bool kz_ix_field_path_canon(const char *path, char *buf);
/* The normalisation of values of type:path (path canonical). */
int kz_ix_norm_of(const char *type, const char *path);
/* Normalises v into out (v.n + KZ_IX_NORM_EXTRA bytes) and returns its length. */
size_t kz_ix_normalise(int norm, kz_sv v, char *out);
/* Parses "addr" or "addr/len"; family 4 or 6; a bare address has the full length. */
bool kz_ix_cidr_parse(kz_sv s, int *family, unsigned char a[16], int *len);
/* Shortest required literal worth looking for (index_lit.c). */
#define KZ_IX_LIT_MIN 3
/* A literal every value matching the LIKE pattern contains (a view into like); false if none of
 * KZ_IX_LIT_MIN bytes or more. */
bool kz_ix_like_literal(kz_sv like, kz_sv *lit);
/* A literal every value the MATCHES expression (PCRE2, UTF) finds a match in contains, written
 * into buf (expr.n bytes) with its length in *n; false when none is sure (see index_lit.c). */
bool kz_ix_regex_literal(kz_sv expr, char *buf, size_t *n);
/* Appends the Vectorscan expression equivalent to a LIKE constant (anchored, bytewise). */
KZ_NODISCARD kz_rc kz_ix_like_regex(kz_sv like, kz_buf *out);

/*
 * The gram filter of a group's literals, asked before the literal database. All literals have
 * at least L bytes; grams are q = min(L, 8) bytes and a value is looked at every step = L - q + 1
 * bytes (at most 16): an occurrence of a literal covers step gram positions in a row, so one of
 * the positions looked at falls on one of the literal's last step grams, and the filter holds
 * those (two bits per gram, some 64 bits per gram in all). The last grams, because a literal's
 * head (".badsite", "http://www.") is far more common in values than its tail. The filter never
 * says no to a value holding a literal; it says yes to well under 1 % of the others (the
 * benchmark's thousand literals and URLs: 0.4 %), at about 20 ns a URL, where the literal
 * database costs some 200 ns a value and evicts the caches the other lookups need.
 */
typedef struct {
    size_t q, step;
    unsigned shift; /* 64 - log2(bits) */
    uint64_t mask;  /* bits - 1 */
    uint64_t bit[];
} kz_ix_qf;
/* An empty filter for nlit literals of at least shortest >= KZ_IX_LIT_MIN bytes; NULL when out
 * of memory. free() it. */
kz_ix_qf *kz_ix_qf_new(size_t shortest, size_t nlit);
/* Adds a literal of n >= shortest bytes. */
void kz_ix_qf_add(kz_ix_qf *f, const char *lit, size_t n);
/* False when v[0, n) surely holds none of the literals added. */
bool kz_ix_qf_may(const kz_ix_qf *f, const char *v, size_t n);

/* ---- the index's storage (index_atoms.c) ---- */

#include <hs/hs.h>
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#define ARENA_CHUNK (1u << 20)
#define IND_SURE 1u
#define IND_FULL 2u
#define IND_WINDOW 4u
#define IND_UUID 8u /* id is "indicator--" and a lower-case UUID, kept as its 16 bytes */

typedef struct kz_ix_chunk {
    struct kz_ix_chunk *next;
    size_t used, cap;
    char mem[];
} kz_ix_chunk;

typedef struct {
    uint32_t hash, group;
    const char *val;
    uint32_t len;
    uint32_t post; /* first posting + 1; 0: the slot is empty */
} kz_ix_slot;

typedef struct {
    uint32_t ind, next; /* next posting + 1, or 0 */
} kz_ix_post;

typedef struct {
    uint32_t kid[2]; /* child node, 0 for none (node 0 and 1 are roots) */
    uint32_t post;
} kz_ix_node;

/* A LIKE or MATCHES atom. With a required literal it is looked for through the group's literal
 * database and then decided: a LIKE by the group's LIKE database (scanned only for values that
 * hold the literal of one), a MATCHES with PCRE2. Without a literal its Vectorscan expression
 * goes into the group's full database of its kind, scanned for every value. */
typedef struct {
    uint32_t group, ind;
    const char *expr;   /* Vectorscan expression (LIKE, MATCHES without a literal), in the arena */
    const char *con;    /* the constant in NFC: the LIKE pattern or the expression, in the arena */
    size_t ncon;
    const char *lit;    /* the required literal, in the arena, or NULL */
    size_t nlit;
    pcre2_code *re;     /* MATCHES with a literal: compiled as the evaluator compiles it */
    int kind;           /* KZ_IX_LIKE or KZ_IX_MATCHES */
    bool dropped;       /* refused by Vectorscan: its indicator became full only */
} kz_ix_rx;

typedef struct {
    const char *type, *path; /* canonical path */
    int norm;
    hs_database_t *db[2]; /* [0] every LIKE, bytewise; [1] MATCHES without a literal, UTF-8 */
    hs_database_t *lit;   /* the required literals of LIKE and MATCHES atoms that have one */
    kz_ix_qf *qf;         /* and their gram filter (with lit) */
    bool like_always;     /* a LIKE without a literal: db[0] is scanned for every value */
} kz_ix_group;

/* An indicator: 16 bytes, as there may be millions. What only an indicator that is evaluated
 * needs is kept apart (kz_ix_eval). */
typedef struct {
    /* The id's text, or its UUID's 16 bytes (IND_UUID), then the name, each NUL-terminated in
     * one arena copy: see kz_ix_ind_id and kz_ix_ind_name. */
    const char *id;
    uint32_t eval; /* its kz_ix_eval + 1, or 0 when the hit is the match (IND_SURE) */
    uint32_t flags;
} kz_ix_ind;

/* What an indicator whose hit is not its match keeps for its evaluation. */
typedef struct {
    kz_pattern *pat;
    double within; /* outermost WITHIN in seconds, or -1 */
    uint32_t win;  /* window slot (IND_WINDOW) */
} kz_ix_eval;

struct kz_index {
    kz_limits lim;
    kz_jtape *tape; /* kz_index_add_text's reading of one indicator */
    kz_ix_chunk *arena;
    kz_ix_ind *ind;
    size_t nind, capind;
    kz_ix_eval *eval;
    size_t neval, capeval;
    kz_ix_group *grp;
    size_t ngrp, capgrp;
    kz_ix_slot *slots;
    size_t nslots, nused;
    kz_ix_post *post;
    size_t npost, cappost;
    kz_ix_node *node;
    size_t nnode, capnode;
    kz_ix_rx *rx;
    size_t nrx, caprx;
    uint32_t *full;
    size_t nfull;
    /* Prefilters, small enough to stay in cache, asked before the big tables (see below). */
    uint64_t *bloom;   /* blocked Bloom filter of the exact table: 512-bit blocks */
    size_t bloom_mask; /* blocks - 1 */
    uint64_t *v4_16;   /* 2^16 bits: an IPv4 prefix covers part of this /16 */
    uint64_t *v4_24;   /* 2^24 bits: an IPv4 prefix covers part of this /24 */
    uint64_t x4_16[1024]; /* 2^16 bits: an exact IPv4 value (=, IN) lies in this /16 */
    size_t nwin;
    int32_t ref_group;
    kz_ix_atoms atoms;
    kz_index_stats st;
    bool built;
};

/* A property of an indicator as the index reads it: absent, a string, or something else. */
typedef struct {
    enum { P_ABSENT, P_STRING, P_OTHER, P_TRUE, P_FALSE } state;
    kz_sv s;
} kz_ix_prop;

/* The properties the index reads, from jansson or the tape. */
typedef struct {
    bool object;
    kz_ix_prop type, id, name, pattern, pattern_type, valid_from, valid_until, revoked;
} kz_ix_props;

/* An indicator read, checked and parsed, not yet in an index (kz_ix_entry_make). */
typedef struct {
    kz_pattern *pat; /* NULL: nothing to add (not active) */
    kz_sv id, name;
    size_t atom0, natoms; /* its atoms, in the atoms vector given to kz_ix_entry_make */
    bool indexable;
    bool sure;     /* indexable, and its atom's hit is its match: no evaluation */
    bool window;   /* it needs several observations */
    double within; /* its outermost WITHIN, or -1 */
} kz_ix_entry;

/* An object's JSON text read with tape t into p (index.c): *kind as kz_index_add_text's. */
KZ_NODISCARD kz_rc kz_ix_read_text(kz_jtape *t, const char *text, size_t n, kz_ix_props *p,
                                   kz_index_text_kind *kind, kz_err *err);
/* The first half of adding an indicator, which changes no index: any thread may call it. */
KZ_NODISCARD kz_rc kz_ix_entry_make(const kz_limits *lim, const kz_ix_props *p,
                                    const kz_time *now, kz_ix_atoms *atoms, kz_ix_entry *e,
                                    kz_err *err);
/* The second half: e into the index, which takes e->pat when it keeps it (then NULL); else
 * e->pat stays the caller's. */
KZ_NODISCARD kz_rc kz_ix_entry_put(kz_index *ix, kz_ix_entry *e, const kz_ix_atom *atoms,
                                   bool *added, kz_err *err);

/* Room for an indicator id's text made from its UUID. */
#define KZ_IX_ID_MAX 48
/* Indicator ind's id as text: ind->id, or made in buf from the UUID kept (IND_UUID). */
const char *kz_ix_ind_id(const kz_ix_ind *ind, char buf[KZ_IX_ID_MAX]);
/* Indicator ind's name (kept after its id). */
const char *kz_ix_ind_name(const kz_ix_ind *ind);

/* Copies n bytes into the index's arena, NUL-terminated; NULL when out of memory. */
const char *kz_ix_arena_dup(kz_index *ix, const char *p, size_t n);
/* Copies a[0, an) and b[0, bn) into the arena, each NUL-terminated, one after the other;
 * NULL when out of memory. */
const char *kz_ix_arena_dup2(kz_index *ix, const char *a, size_t an, const char *b, size_t bn);
/* A 32-bit hash of (group, bytes). */
uint32_t kz_ix_hash(uint32_t group, const char *p, size_t n);
/* The exact-table slot holding (group, v, n), or the empty slot where it belongs. */
size_t kz_ix_slot_find(const kz_index *ix, uint32_t h, uint32_t group, const char *v, size_t n);
/* Puts one atom of indicator ind into its table (exact, trie or the regex list). */
KZ_NODISCARD kz_rc kz_ix_atom_add(kz_index *ix, const kz_ix_atom *a, uint32_t ind);
/* Builds the Bloom filter of the exact table (at kz_index_build). KZ_ENOMEM only. */
KZ_NODISCARD kz_rc kz_ix_bloom_build(kz_index *ix);

/*
 * The prefilters. With a million atoms the exact table and the trie are tens of megabytes, and
 * a lookup that finds nothing (nearly every one) would cost a cache miss or several. A field
 * first asks a filter of a few megabytes that never says no to a value in the table:
 *   - the exact table: a blocked Bloom filter keyed by the slot hash, one 64-byte block per key
 *     and 4 bits in it (at least 16 bits per key: well under 1 % false positives);
 *   - the IPv4 trie: a bit per /24 that some prefix covers in part or whole (a /8 sets 65,536
 *     bits, a /28 one), and before it a bit per /16 (8 KiB, in the first-level cache);
 *   - exact IPv4 values: a bit per /16 holding one (8 KiB), asked before the Bloom filter: the
 *     private and internal addresses that fill most logs are in /16s no feed lists.
 * A "maybe" goes on to the table or trie, which decides; a "no" is sure.
 */

/* Spreads a 32-bit slot hash over 64 bits (the splitmix64 finaliser). */
static inline uint64_t kz_ix_bloom_mix(uint32_t h)
{
    uint64_t z = h + 0x9E3779B97F4A7C15ull;

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Whether the exact table may hold a key of slot hash h (false: it surely does not). */
static inline bool kz_ix_bloom_may(const kz_index *ix, uint32_t h)
{
    uint64_t z = kz_ix_bloom_mix(h);
    const uint64_t *b;

    if (ix->bloom == NULL)
        return true;
    b = ix->bloom + ((z & ix->bloom_mask) << 3);
    for (int k = 0; k < 4; k++) {
        unsigned bit = (unsigned)(z >> (28 + 9 * k)) & 511;
        if (!((b[bit >> 6] >> (bit & 63)) & 1))
            return false;
    }
    return true;
}

/* Bit i of a bitmap. */
static inline bool kz_ix_bit(const uint64_t *map, uint32_t i)
{
    return (map[i >> 6] >> (i & 63)) & 1;
}

/* Whether some IPv4 prefix in the trie may hold address a (false: surely none does). */
static inline bool kz_ix_v4_may(const kz_index *ix, const unsigned char a[4])
{
    uint32_t s16 = (uint32_t)a[0] << 8 | a[1], s24 = s16 << 8 | a[2];

    if (ix->v4_16 == NULL)
        return false; /* no IPv4 prefix at all */
    return kz_ix_bit(ix->v4_16, s16) && kz_ix_bit(ix->v4_24, s24);
}

/* The normalised form of an IPv4 address (kz_ix_normalise's for ipv4-addr values): 4, then
 * its four octets. */
static inline void kz_ix_ipv4_key(uint32_t a, char out[5])
{
    out[0] = 4;
    out[1] = (char)(a >> 24);
    out[2] = (char)(a >> 16);
    out[3] = (char)(a >> 8);
    out[4] = (char)a;
}

#endif
