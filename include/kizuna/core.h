/*
 * core.h - the base every Kizuna module stands on: result codes, error messages a user can act
 * on, length-carrying string views, bounded growable buffers, named input limits, RFC 3339 UTC
 * time and UUIDs.
 *
 * Nothing here knows about STIX, TAXII or storage; every other module includes this header.
 */
#ifndef KIZUNA_CORE_H
#define KIZUNA_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define KZ_VERSION "0.1.0"

/* Result of every fallible function. Callers must look at it. */
typedef enum {
    KZ_OK = 0,
    KZ_EINVAL,    /* the input is not what was expected (message says where and what) */
    KZ_ENOMEM,    /* an allocation failed */
    KZ_ELIMIT,    /* the input passed one of the named limits */
    KZ_EIO,       /* reading or writing a file failed */
    KZ_EDB,       /* the store failed */
    KZ_ENOTFOUND, /* the thing asked for does not exist */
    KZ_ECONFLICT, /* a different content exists under the same identity */
    KZ_EUSAGE,    /* the caller asked for something that cannot be done */
} kz_rc_value;

#if defined(__GNUC__)
#define KZ_NODISCARD __attribute__((warn_unused_result))
#define KZ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KZ_NODISCARD
#define KZ_PRINTF(a, b)
#endif

typedef kz_rc_value kz_rc;

/* Returns a short constant name for rc ("invalid input", "out of memory", ...). */
const char *kz_rc_str(kz_rc rc);

/*
 * An error message for a person: where (file, line, JSON path, byte offset) and what was expected.
 * Fixed size so that reporting an error never needs an allocation.
 */
#define KZ_ERR_MAX 512
typedef struct {
    char msg[KZ_ERR_MAX];
} kz_err;

/* Formats the message into err (may be NULL) and returns rc, so that `return kz_fail(...)` reads.
 */
kz_rc kz_fail(kz_err *err, kz_rc rc, const char *fmt, ...) KZ_PRINTF(3, 4);
/* Puts prefix and ": " before the message already in err ("file.json: " + "objects[3]: ..."). */
void kz_err_prefix(kz_err *err, const char *fmt, ...) KZ_PRINTF(2, 3);
void kz_err_clear(kz_err *err);

/* A string view. Never assumed to end in NUL. */
typedef struct {
    const char *p;
    size_t n;
} kz_sv;

#define KZ_SV(lit) ((kz_sv){(lit), sizeof(lit) - 1})
kz_sv kz_sv_c(const char *s); /* view of a NUL-terminated string; NULL gives the empty view */
bool kz_sv_eq(kz_sv a, kz_sv b);
bool kz_sv_eq_c(kz_sv a, const char *s);
bool kz_sv_starts(kz_sv a, const char *prefix);

/*
 * A growable byte buffer with a ceiling. Appends past `max` fail with KZ_ELIMIT and leave the
 * buffer as it was. The content is always NUL-terminated (the NUL is not counted in n).
 */
typedef struct {
    char *p;
    size_t n;
    size_t cap;
    size_t max; /* 0 means SIZE_MAX / 2 */
} kz_buf;

void kz_buf_init(kz_buf *b, size_t max);
KZ_NODISCARD kz_rc kz_buf_append(kz_buf *b, const void *p, size_t n);
KZ_NODISCARD kz_rc kz_buf_puts(kz_buf *b, const char *s);
KZ_NODISCARD kz_rc kz_buf_printf(kz_buf *b, const char *fmt, ...) KZ_PRINTF(2, 3);
KZ_NODISCARD kz_rc kz_buf_reserve(kz_buf *b, size_t extra);
/* Appends s (n bytes of UTF-8) as a JSON string: quoted, with '"', '\\' and control bytes
 * escaped (the short escapes where JSON has them, else \u00XX); other bytes as they are. */
KZ_NODISCARD kz_rc kz_buf_json_str(kz_buf *b, const char *s, size_t n);
void kz_buf_reset(kz_buf *b); /* n = 0, keeps the memory */
void kz_buf_free(kz_buf *b);  /* frees the memory; the buffer can be used again */

/* Whether s is valid UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
bool kz_utf8_valid(const char *s, size_t n);
/* The length of the valid UTF-8 character at p (avail >= 1 bytes there; 1 for ASCII), or 0 when
 * the bytes there are not one by the rule above. */
size_t kz_utf8_seq(const unsigned char *p, size_t avail);
/* The length of the UTF-8 character whose lead byte is c (1 for anything that is no lead byte). */
static inline size_t kz_utf8_char_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}
/* s in Unicode Normalization Form C, as STIX patterning compares LIKE and MATCHES: *res is s
 * itself when it is already in that form (ASCII always is), else the form written into out
 * (reset first; NUL-terminated). KZ_EINVAL when s is not valid UTF-8 (*res is then s),
 * KZ_ELIMIT past out's max, KZ_ENOMEM. */
KZ_NODISCARD kz_rc kz_utf8_nfc(kz_sv s, kz_buf *out, kz_sv *res);

/* Every limit on untrusted input, with a safe default from kz_limits_default(). */
typedef struct {
    size_t object_bytes;    /* one STIX object's JSON text */
    size_t json_depth;      /* nesting of arrays and objects within one object */
    size_t objects;         /* objects in one input (bundle, array or JSON lines) */
    size_t pattern_bytes;   /* one STIX pattern */
    size_t pattern_depth;   /* nesting of parentheses and brackets in a pattern */
    size_t pattern_terms;   /* comparisons and observations in one pattern */
} kz_limits;

kz_limits kz_limits_default(void);

/*
 * Time: an instant in UTC with nanosecond precision. STIX and TAXII timestamps are RFC 3339 in
 * UTC, written with a trailing 'Z', with any number of fraction digits.
 */
typedef struct {
    int64_t sec; /* seconds since 1970-01-01T00:00:00Z */
    int32_t nsec;
    int8_t frac_digits; /* digits the text had after the point, 0 if none */
} kz_time;

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z". Rejects other offsets, lower-case t/z, out-of-range
 * fields (Feb 30, hour 24), and more than 9 fraction digits. On failure writes what was expected.
 */
KZ_NODISCARD kz_rc kz_time_parse(kz_sv s, kz_time *out, kz_err *err);
int kz_time_cmp(const kz_time *a, const kz_time *b);
kz_time kz_time_now(void);

/*
 * Days since 1970-01-01 (negative before) of year y, month m (1-12), day d (1-31) in the
 * proleptic Gregorian calendar. The date is not checked: the caller validates the fields.
 */
int64_t kz_time_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Formats t with exactly `digits` fraction digits (0, 3, 6 or 9); buf needs KZ_TIME_MAX bytes. */
#define KZ_TIME_MAX 32
void kz_time_format(const kz_time *t, int digits, char buf[KZ_TIME_MAX]);

/* UUIDs as text: 36 characters and a NUL. */
#define KZ_UUID_STR 37

/* Checks the 8-4-4-4-12 hex form; returns the version nibble (1..8) or -1 if not a UUID. */
int kz_uuid_check(kz_sv s);
/* A random (version 4) UUID from the system's CSPRNG. */
KZ_NODISCARD kz_rc kz_uuid4(char out[KZ_UUID_STR]);
/* A name-based (version 5, SHA-1) UUID of `name` in namespace `ns` (a UUID in text form). */
KZ_NODISCARD kz_rc kz_uuid5(const char *ns, const void *name, size_t len, char out[KZ_UUID_STR]);

/* The value of a hex digit (either case), or -1. */
int kz_hexval(int c);

/* The value of a base64 digit (standard alphabet: A-Z a-z 0-9 + /), or -1 ('=' included). */
int kz_b64val(int c);

/*
 * Decodes standard base64 (RFC 4648 section 4), padded with '=' to groups of 4, from in into out
 * (cap bytes; in.n / 4 * 3 always suffice). With canonical, the bits after the last byte must be
 * zero (RFC 4648 section 3.5). Returns true with the byte count in *len (0 for an empty in);
 * false when in is not such base64 or would decode to more than cap bytes (out then holds
 * nothing the caller may use).
 */
bool kz_b64_decode(kz_sv in, bool canonical, unsigned char *out, size_t cap, size_t *len);

/* Checked decimal parsing: the whole view must be digits and the value within [min, max]. */
KZ_NODISCARD kz_rc kz_parse_i64(kz_sv s, int64_t min, int64_t max, int64_t *out);
/* A dotted-decimal IPv4 address exactly as inet_pton(AF_INET) takes it: four decimal octets of
 * 0-255 without leading zeros, nothing else; *addr gets a.b.c.d as a << 24 | b << 16 | c << 8 |
 * d. Without inet_pton's copy and NUL: log fields are parsed by the million. */
bool kz_parse_ipv4(const char *p, size_t n, uint32_t *addr);

/* ---- strings kept by value: a map to indexes (or a set) and a list (src/core/strmap.c) ---- */

/*
 * A map from NUL-terminated strings (copied in) to size_t, open addressing with FNV-1a. Zero
 * it to start ({0}); kz_strmap_free frees the keys and empties it. Only lookups and additions:
 * nothing is ever removed, and the map is never walked, so its order does not matter.
 */
typedef struct {
    char **key;
    size_t *val;
    uint64_t *hash;
    size_t n, cap; /* cap is a power of two or 0 */
} kz_strmap;

/* Frees every key and the tables, and leaves m empty (reusable). */
void kz_strmap_free(kz_strmap *m);

/* True, with *val, when key is in the map; false otherwise (val untouched). */
bool kz_strmap_get(const kz_strmap *m, const char *key, size_t *val);

/* Adds a copy of key -> val; key must not be there yet. KZ_ENOMEM leaves the map as it was. */
KZ_NODISCARD kz_rc kz_strmap_put(kz_strmap *m, const char *key, size_t val);

/*
 * The map as a set: adds a copy of key (with value 0) unless it is there; *added says whether it
 * was new. KZ_ENOMEM leaves the map as it was, with *added false.
 */
KZ_NODISCARD kz_rc kz_strmap_add(kz_strmap *m, const char *key, bool *added);

/*
 * As kz_strmap_add, without the copy: key (malloc'd) is taken over when it is added. When it was
 * there already (*added false) or on KZ_ENOMEM, the caller still owns key.
 */
KZ_NODISCARD kz_rc kz_strmap_add_owned(kz_strmap *m, char *key, bool *added);

/* A growing list of strings (copies), in the order added. Zero it to start ({0}). */
typedef struct {
    char **v;
    size_t n, cap;
} kz_strlist;

/*
 * Appends a copy of s to the kz_strlist list; shaped as a callback for kz_store_vids and
 * kz_vuln_record_keys. KZ_ENOMEM leaves the list as it was.
 */
KZ_NODISCARD kz_rc kz_strlist_add(void *list, const char *s);

/* Frees the strings but keeps the room: l is empty and ready for reuse. */
void kz_strlist_clear(kz_strlist *l);

/* Frees the strings and the room; l is empty. */
void kz_strlist_free(kz_strlist *l);

/* ---- JSON read into a tape (src/core/jtape.c) ----------------------------------------------- */

/*
 * A JSON document read into a flat array of values (a "tape") for the hot paths that read
 * millions of small documents (log lines, indicators) and want a few members of each: no
 * allocation per value (the tape, its stack and the buffer of unescaped strings are kept and
 * reused from one document to the next), strings without escapes left where they are in the
 * input. jansson stays the library for everything else.
 *
 * It accepts exactly what json_loadb accepts (RFC 8259, and jansson's limits: integers in the
 * range of a long long, reals that do not overflow a double, strings of valid UTF-8 without
 * U+0000), nested at most max_depth deep; fuzz/fuzz_jtape.c holds it to that, value by value.
 * With duplicate member names in an object the last one wins, as in jansson, unless
 * KZ_JT_REJECT_DUPLICATES makes them an error (JSON_REJECT_DUPLICATES). Errors say the line,
 * the column (in bytes, from 1; the column alone in a document of one line) and what was
 * expected.
 *
 * Values are named by their index on the tape (uint32_t): the document is 0, KZ_JT_NIL is "no
 * value" and every accessor takes it (an absent member reads as an empty string, no number).
 * Views returned point into the input or into the tape: valid until the next parse or free,
 * and only while the input is.
 */
typedef struct kz_jtape kz_jtape;

#define KZ_JT_NIL UINT32_MAX

typedef enum {
    KZ_JT_NONE = 0, /* KZ_JT_NIL */
    KZ_JT_OBJECT,
    KZ_JT_ARRAY,
    KZ_JT_STRING,
    KZ_JT_INT,
    KZ_JT_REAL,
    KZ_JT_TRUE,
    KZ_JT_FALSE,
    KZ_JT_NULL,
} kz_jt_kind;

enum {
    KZ_JT_ANY = 1,               /* any value at the top, not only an object or an array */
    KZ_JT_REJECT_DUPLICATES = 2, /* a member name twice in one object is an error */
};

/* A tape for documents nested at most max_depth deep (jansson's own limit is 2048); NULL when
 * out of memory. kz_jtape_free accepts NULL. */
kz_jtape *kz_jtape_new(size_t max_depth);
void kz_jtape_free(kz_jtape *t);

/* Reads p[0, n) (which must stay where it is while the tape is read). KZ_EINVAL with "line L,
 * column C: ..." (or "column C: ...") in err, KZ_ELIMIT past max_depth or 4 GiB, KZ_ENOMEM; after an error the tape
 * holds no document. */
KZ_NODISCARD kz_rc kz_jtape_parse(kz_jtape *t, const char *p, size_t n, unsigned flags,
                                  kz_err *err);

kz_jt_kind kz_jt_kind_of(const kz_jtape *t, uint32_t v);
/* Members of an object (each name once) or elements of an array; 0 for anything else. */
size_t kz_jt_len(const kz_jtape *t, uint32_t v);
/* A string's bytes (unescaped), or the empty view when v is no string. */
kz_sv kz_jt_str(const kz_jtape *t, uint32_t v);
/* A number's text as written (an integer or a real), or the empty view. */
kz_sv kz_jt_num_text(const kz_jtape *t, uint32_t v);
/* True with *out when v is an integer. */
bool kz_jt_int(const kz_jtape *t, uint32_t v, int64_t *out);
/* True with *out (strtod's value, as jansson gives it) when v is a number, real or integer; false
 * for anything else, or when out of memory (a number of 64 digits or more is copied). */
bool kz_jt_real(const kz_jtape *t, uint32_t v, double *out);
/* The value of member `key` of object obj (the last, should the name be there twice). */
uint32_t kz_jt_get(const kz_jtape *t, uint32_t obj, const char *key);
/* Array elements in order: the first, then each one's next; KZ_JT_NIL after the last. */
uint32_t kz_jt_elem_first(const kz_jtape *t, uint32_t arr);
uint32_t kz_jt_elem_next(const kz_jtape *t, uint32_t arr, uint32_t elem);
/* A member name to look for, with its length: KZ_JT_NAME("src_ip"). */
typedef struct {
    const char *name;
    size_t len;
} kz_jt_name;
#define KZ_JT_NAME(lit) {(lit), sizeof(lit) - 1}
/* The members names[0, n) of object obj, found in one pass over its members: out[i] is the
 * value of names[i] (the last, should it be there twice), KZ_JT_NIL when absent. The way to read
 * several members of an object: kz_jt_get looks through the object each time. */
void kz_jt_pick(const kz_jtape *t, uint32_t obj, const kz_jt_name *names, size_t n,
                uint32_t *out);
/* Object members in order, as their names (strings): the member's value is name + 1. A name
 * given twice is seen once, at its last place. KZ_JT_NIL after the last. */
uint32_t kz_jt_member_first(const kz_jtape *t, uint32_t obj);
uint32_t kz_jt_member_next(const kz_jtape *t, uint32_t obj, uint32_t name);

/* ---- memory (src/core/heap.c) -------------------------------------------------------------- */

/*
 * Room for one more element in a growing array: when n has reached *cap, the array that pp
 * points to (a T **, passed as void *) is reallocated to twice *cap elements of elem bytes (first
 * when it is empty). KZ_ENOMEM leaves the array and *cap as they were.
 */
KZ_NODISCARD kz_rc kz_grow(void *pp, size_t *cap, size_t n, size_t elem, size_t first);

/*
 * Readies the calling thread's allocator for a burst of small allocations (parsing thousands of
 * JSON documents): it asks the kernel for `bytes` at once and advises transparent huge pages on
 * them, so that the burst faults in 2 MiB pages rather than one 4 KiB page at a time (page faults
 * are the dearest part of such bursts on VMs). It only holds where malloc keeps what is freed
 * (M_TRIM_THRESHOLD and M_MMAP_THRESHOLD above bytes, as `kizuna vuln match` sets them);
 * elsewhere it is one allocation and free, and nothing changes.
 */
void kz_heap_prepare(size_t bytes);

#endif
