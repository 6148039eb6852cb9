/*
 * detect.h - detection: log readers that turn Zeek, Suricata EVE, plain text and STIX
 * observed-data into records of observable fields, and an index of every active STIX indicator
 * that matches those records at line rate. What matches becomes a STIX sighting (src/cli/cmd_scan.c).
 *
 * Layout of src/detect/:
 *   log.c        opening (files, "-", gzip by its magic bytes through zlib), line framing, counts
 *   log_zeek.c   Zeek TSV (#separator, #fields, #types headers) and Zeek JSON lines
 *   log_eve.c    Suricata EVE JSON (dns, http, tls, flow, fileinfo, alert)
 *   log_text.c   plain text: whole tokens that are IPv4/IPv6 addresses, domain names, URLs,
 *                e-mail addresses, MD5/SHA-1/SHA-256 hashes
 *   log_stix.c   STIX observed-data (2.1 with object_refs, 2.0 with embedded objects)
 *   observe.c    a record's fields as SCOs in an observed-data, for full pattern evaluation
 *   scan.c       a log matched against the index, on one thread or several (kz_scan_log)
 *   index.c      the indicator index: atoms of each pattern by SCO type and path in hash tables,
 *                CIDR prefixes in a trie, LIKE and MATCHES in one Vectorscan database; whole
 *                patterns evaluated (pattern_eval.h) only when one of their atoms hits
 *   index_atoms.c  which atoms of a pattern; the tables, the trie and their prefilters
 *
 * ---- Fields ---------------------------------------------------------------------------------
 * A record is a list of fields, each one observable value named as a STIX object path names it:
 *   {"ipv4-addr", "value", "198.51.100.7"}     {"domain-name", "value", "evil.example"}
 *   {"url", "value", "http://evil.example/x"}  {"email-addr", "value", "a@evil.example"}
 *   {"file", "hashes.MD5" | "hashes.'SHA-1'" | "hashes.'SHA-256'", "<lower-case hex>"}
 *   {"file", "name", "invoice.exe"}            {"network-traffic", "dst_port", "443"}
 *   {"x509-certificate", "hashes.'SHA-1'", ...}
 *   {"network-traffic", "extensions.'http-request-ext'.request_header.'User-Agent'", "..."}
 * Each reader documents the fields it gives per log type at the top of its file. Values are
 * views into the reader's buffers, valid until the next kz_log_next.
 */
#ifndef KIZUNA_DETECT_H
#define KIZUNA_DETECT_H

#include <jansson.h>

#include "kizuna/core.h"
#include "kizuna/stix.h"

/* ---- log records ---------------------------------------------------------------------------- */

typedef enum {
    KZ_LOG_AUTO = 0, /* from the content: Zeek header, EVE "event_type", STIX, else text */
    KZ_LOG_ZEEK,     /* TSV with #fields, or JSON lines with Zeek's field names ("id.orig_h") */
    KZ_LOG_EVE,
    KZ_LOG_TEXT,
    KZ_LOG_STIX,
} kz_log_format;

const char *kz_log_format_name(kz_log_format f); /* "zeek", "eve", "text", "stix", "auto" */

typedef struct {
    const char *type; /* SCO type (static string) */
    const char *path; /* object path after "type:" as a pattern writes it (static string) */
    kz_sv value;
    uint32_t ipv4; /* with has_ipv4: the ipv4-addr value as the reader parsed it (a.b.c.d is
                    * a << 24 | b << 16 | c << 8 | d), so that the index need not parse it again */
    bool has_ipv4;
} kz_field;

#define KZ_LOG_FIELDS_MAX 256 /* fields of one record; more are dropped and counted */

typedef struct {
    const char *file;    /* as given ("-" for standard input) */
    uint64_t line;       /* 1-based line of the record in the (decompressed) input */
    uint64_t offset;     /* byte offset of the record in the (decompressed) input */
    bool has_time;
    kz_time time;        /* when it was observed (Zeek ts, EVE timestamp, observed-data) */
    const char *log;     /* what kind of log line: "conn", "dns", "http", "alert", "text", ... */
    const kz_field *fields;
    size_t nfields;
    kz_sv raw;           /* the record's bytes */
} kz_log_record;

typedef struct kz_log_reader kz_log_reader;

/* Opens a log file ("-": standard input), gzip-compressed or not (told by its magic bytes).
 * *out belongs to the caller (kz_log_free). */
KZ_NODISCARD kz_rc kz_log_open(const char *path, kz_log_format f, const kz_limits *lim,
                               kz_log_reader **out, kz_err *err);
/* The same over bytes in memory (not copied: they must outlive the reader); for tests and fuzz
 * targets. Compressed bytes are decompressed as a file's are. */
KZ_NODISCARD kz_rc kz_log_open_mem(const char *bytes, size_t n, const char *name, kz_log_format f,
                                   const kz_limits *lim, kz_log_reader **out, kz_err *err);

/*
 * The next record: KZ_OK with *rec set, or KZ_OK with *rec NULL at the end. A malformed record
 * (bad JSON, a TSV line with the wrong number of fields, an unreadable timestamp) is counted and
 * skipped, never a stop. KZ_EIO for a read error or a truncated or corrupt gzip stream, with the
 * compressed byte offset in the message.
 */
KZ_NODISCARD kz_rc kz_log_next(kz_log_reader *r, const kz_log_record **rec, kz_err *err);

/* Records read, malformed records skipped (with the first one's line and reason, "" if none). */
void kz_log_counts(const kz_log_reader *r, uint64_t *records, uint64_t *malformed,
                   const char **first_problem);
kz_log_format kz_log_format_of(const kz_log_reader *r); /* what AUTO resolved to */
void kz_log_free(kz_log_reader *r);

/*
 * The record as a STIX 2.1 observed-data with its SCOs (object_refs to SCOs with deterministic
 * ids), returned as a JSON array [observed-data, sco, sco, ...] for kz_obs_set_add_bundle.
 * first_observed = last_observed = the record's time (or `fallback` when it has none). A new
 * reference.
 */
KZ_NODISCARD kz_rc kz_log_record_observed(const kz_log_record *rec, const kz_time *fallback,
                                          json_t **out, kz_err *err);

/* ---- the indicator index -------------------------------------------------------------------- */

typedef struct kz_index kz_index;

KZ_NODISCARD kz_rc kz_index_new(const kz_limits *lim, kz_index **out, kz_err *err);

/*
 * Adds one STIX indicator (pattern_type "stix"). It is skipped (*added false, KZ_OK) when not
 * active at `now`: revoked, valid_from after now, or valid_until at or before now, or when its
 * pattern_type is not "stix". A pattern that does not parse is KZ_EINVAL naming the indicator.
 * The index keeps what it needs (id, name, the parsed pattern); the JSON may go after the call.
 */
KZ_NODISCARD kz_rc kz_index_add(kz_index *ix, const json_t *indicator, const kz_time *now,
                                bool *added, kz_err *err);

/* What kz_index_add_text found in its text. */
typedef enum {
    KZ_IX_NOT_JSON,      /* not one JSON object (or a member name twice): KZ_EINVAL */
    KZ_IX_NOT_INDICATOR, /* JSON, but not an object of type "indicator": KZ_OK, nothing added */
    KZ_IX_INDICATOR,     /* an indicator: as kz_index_add */
} kz_index_text_kind;

/*
 * kz_index_add for an object's JSON text, read with the JSON tape (core.h) instead of a jansson
 * value: the way to load indicators by the million (the text need not outlive the call). The
 * text must be one JSON object without a member name twice (as kz_element_parse requires);
 * *kind says what it was. For KZ_IX_NOT_JSON err says the column (or line and column) and what
 * was expected.
 */
KZ_NODISCARD kz_rc kz_index_add_text(kz_index *ix, const char *text, size_t n,
                                     const kz_time *now, kz_index_text_kind *kind, bool *added,
                                     kz_err *err);

/* What kz_index_load says of one object of its input. */
typedef struct {
    const char *text;      /* the object's JSON text (n bytes); NULL for an element the reader
                            * refused (err says why: over a limit, not an object) */
    size_t n;
    const kz_where *where; /* where the reader found it (kz_reader_label names it) */
    kz_index_text_kind kind;
    kz_rc rc;              /* as kz_index_add_text would return */
    const kz_err *err;     /* the message, when rc != KZ_OK */
    bool added;
} kz_index_loaded;

typedef void (*kz_index_load_fn)(void *ctx, const kz_index_loaded *obj);

/*
 * Adds every indicator of reader r's input as kz_index_add_text would, one object after another,
 * but reads their JSON and parses their patterns on `threads` threads (1: on the calling thread
 * alone). The calling thread frames the input and puts the indicators into the index in input
 * order, so that the index is the same whatever the number of threads, and tells fn of every
 * object, in input order, on the calling thread. KZ_OK at the input's end; an error of the
 * reader that the input cannot go on after (I/O, broken framing) after every object before it
 * was told; KZ_ENOMEM.
 */
KZ_NODISCARD kz_rc kz_index_load(kz_index *ix, kz_reader *r, int threads, const kz_time *now,
                                 kz_index_load_fn fn, void *ctx, kz_err *err);

/* Compiles the index (the Vectorscan database) after the last kz_index_add. */
KZ_NODISCARD kz_rc kz_index_build(kz_index *ix, kz_err *err);

typedef struct {
    size_t indicators;    /* active indicators indexed */
    size_t exact;         /* exact-value atoms in hash tables */
    size_t cidr;          /* CIDR prefixes */
    size_t regex;         /* LIKE and MATCHES atoms in Vectorscan */
    size_t regex_literal; /* of those, found through a required literal (the rest: full
                           * expression databases) */
    size_t full_only;     /* indicators with no indexable atom: evaluated on every record */
} kz_index_stats;
void kz_index_get_stats(const kz_index *ix, kz_index_stats *out);

/* One match of an indicator against a record. Views valid during the callback. */
typedef struct {
    const char *indicator_id;
    const char *indicator_name; /* "" when the indicator has none */
    const kz_field *field;      /* the field whose value hit (NULL for a full-only match) */
} kz_hit;

/* Per-thread scratch space for matching (Vectorscan scratch, evaluation buffers). */
typedef struct kz_index_scratch kz_index_scratch;
KZ_NODISCARD kz_rc kz_index_scratch_new(const kz_index *ix, kz_index_scratch **out, kz_err *err);
void kz_index_scratch_free(kz_index_scratch *s);

/*
 * Calls fn once per indicator that the record satisfies: an atom hits and, unless the pattern is
 * that one comparison, the whole pattern holds over the record's observed-data. Patterns of
 * several observation expressions (AND, OR, FOLLOWEDBY between them, WITHIN, REPEATS) are
 * evaluated over the recent records that hit one of their atoms (kept per indicator, at most
 * KZ_INDEX_WINDOW of them, and within the pattern's WITHIN when it has one; that window lives in
 * the scratch). The index itself is read-only during matching: several threads may match at
 * once, each with its own scratch (each then sees only the records it was given).
 */
#define KZ_INDEX_WINDOW 1024
KZ_NODISCARD kz_rc kz_index_match(const kz_index *ix, kz_index_scratch *s,
                                  const kz_log_record *rec,
                                  kz_rc (*fn)(void *ctx, const kz_hit *h), void *ctx, kz_err *err);

/*
 * The two halves of kz_index_match, for a scan on several threads (kz_scan_log):
 * kz_index_lookup finds the record's candidates, the indicators one of whose atoms a field hits
 * (and those checked on every record), in the order kz_index_match would report them; it only
 * reads the index, so threads may look up at once, each with its own scratch. *cands is in the
 * scratch, valid until its next lookup. kz_index_confirm then evaluates the candidates (copied
 * anywhere) as kz_index_match does, windows included, and calls fn per match: it must be given the
 * records in input order, all with one scratch, to give kz_index_match's results.
 */
typedef struct {
    uint32_t ind;   /* the indicator (the index's own numbering) */
    uint32_t field; /* the field that hit, UINT32_MAX for an indicator checked on every record */
} kz_index_cand;
KZ_NODISCARD kz_rc kz_index_lookup(const kz_index *ix, kz_index_scratch *s,
                                   const kz_log_record *rec, const kz_index_cand **cands,
                                   size_t *ncands, kz_err *err);

/*
 * kz_index_lookup in two steps, so that the memory the lookups of one record wait for is asked
 * for while another record is parsed or looked up: kz_index_prepare classifies, normalises and
 * hashes rec's fields into one of KZ_INDEX_STAGES stages of the scratch and asks for the
 * prefilter bits ahead; kz_index_lookup_prepared then looks them up (rec must still be the record
 * given, its fields unchanged) with kz_index_lookup's result. Preparing a stage again forgets
 * what it held.
 */
#define KZ_INDEX_STAGES 2
KZ_NODISCARD kz_rc kz_index_prepare(const kz_index *ix, kz_index_scratch *s,
                                    const kz_log_record *rec, int stage, kz_err *err);
KZ_NODISCARD kz_rc kz_index_lookup_prepared(const kz_index *ix, kz_index_scratch *s,
                                            const kz_log_record *rec, int stage,
                                            const kz_index_cand **cands, size_t *ncands,
                                            kz_err *err);
KZ_NODISCARD kz_rc kz_index_confirm(const kz_index *ix, kz_index_scratch *s,
                                    const kz_log_record *rec, const kz_index_cand *cands,
                                    size_t ncands, kz_rc (*fn)(void *ctx, const kz_hit *h),
                                    void *ctx, kz_err *err);

void kz_index_free(kz_index *ix);

/* ---- scanning a log, on one thread or several ---------------------------------------------- */

/*
 * Each line of a text or EVE log is read alone, so its records can be made and looked up on
 * several threads while one thread reads and frames the input (gzip included):
 * kz_log_lines_apart says whether r's format is such (not Zeek TSV, whose header lines rule the
 * lines after them, nor STIX); kz_log_next_line gives r's next line (line->p NULL at the end),
 * with its 1-based line number and byte offset, over-long lines counted and skipped as
 * kz_log_next does; a parser (kz_log_parser_new, one per thread, freed with kz_log_free) turns
 * one line into the record kz_log_next would have made of it, or NULL when it makes none
 * (counted as kz_log_next counts); kz_log_counts_merge adds a parser's counts to its reader's
 * (the first problem is the one of the lowest line).
 */
bool kz_log_lines_apart(const kz_log_reader *r);
KZ_NODISCARD kz_rc kz_log_next_line(kz_log_reader *r, kz_sv *line, uint64_t *lineno,
                                    uint64_t *offset, kz_err *err);
KZ_NODISCARD kz_rc kz_log_parser_new(const kz_log_reader *r, kz_log_reader **out, kz_err *err);
const kz_log_record *kz_log_parse_line(kz_log_reader *p, kz_sv line, uint64_t lineno,
                                       uint64_t offset);
void kz_log_counts_merge(kz_log_reader *r, const kz_log_reader *p);

/*
 * Matches every record of r against the index: fn(ctx, rec, hit) per match, and fn(ctx, rec,
 * NULL) after the last match of a record that had some. Results and their order are those of
 * kz_log_next and kz_index_match record by record, whatever `threads`: with threads > 1 and a
 * format whose lines stand apart, `threads` workers parse and look up batches of lines while the
 * calling thread reads the input and confirms the candidates, in input order, with scratch `s`
 * (so windows of multi-observation patterns carry over from one log to the next as they do on
 * one thread). Otherwise the calling thread does everything. Errors: those of kz_log_next,
 * kz_index_match and fn (the first in input order stops the scan); KZ_ENOMEM; *line is the line
 * of the record being matched when one failed, else 0.
 */
typedef kz_rc (*kz_scan_fn)(void *ctx, const kz_log_record *rec, const kz_hit *h);
KZ_NODISCARD kz_rc kz_scan_log(const kz_index *ix, kz_index_scratch *s, kz_log_reader *r,
                               int threads, kz_scan_fn fn, void *ctx, uint64_t *line,
                               kz_err *err);

#endif
