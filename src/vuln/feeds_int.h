/*
 * feeds_int.h - what the three JSON feed importers (cve5.c, kev.c, osv.c) share: a builder
 * context with a sticky out-of-memory flag (so that a record is checked for allocation failure
 * once, when it is handed on), type-checked reads of JSON members that report a problem with
 * the JSON path when a value has the wrong type, timestamp normalisation to RFC 3339 UTC with
 * milliseconds, CVSS scoring into a record's "scores", and vers range text building.
 *
 * The helpers are defined in cve5.c. Nothing here is part of the library's public face.
 */
#ifndef KZ_VULN_FEEDS_INT_H
#define KZ_VULN_FEEDS_INT_H

#include <jansson.h>

#include "kizuna/core.h"
#include "kizuna/vuln.h"

/* Longest JSON path the importers write into a problem (longer ones are cut). */
#define KZ_FEED_PATH_MAX 256

/* One import in progress. */
typedef struct {
    const kz_vuln_sink *sink;
    const char *file; /* the input's name, for "source.file" and messages; may be NULL */
    bool oom;         /* sticky: an allocation failed while building the current record */
    size_t problems;  /* problems reported so far */
} kz_feed;

/* Reports one problem (where: a JSON path) to the sink, if it takes problems. */
void kz_feed_problem(kz_feed *f, const char *where, const char *fmt, ...) KZ_PRINTF(3, 4);

/* Writes "<path>/<key>" (or "<path>/<index>") into out, cut to KZ_FEED_PATH_MAX; out may be
 * path itself. */
void kz_feed_path(char out[KZ_FEED_PATH_MAX], const char *path, const char *key);
void kz_feed_path_i(char out[KZ_FEED_PATH_MAX], const char *path, size_t i);

/*
 * Type-checked member reads. Each returns the member of obj (an object; anything else gives
 * NULL) when it has the expected type, NULL when it is absent or null, and NULL with a problem
 * at "<path>/<key>" when it has another type. kz_feed_str returns the string's bytes (borrowed
 * from obj).
 */
const char *kz_feed_str(kz_feed *f, const json_t *obj, const char *key, const char *path);
const json_t *kz_feed_arr(kz_feed *f, const json_t *obj, const char *key, const char *path);
const json_t *kz_feed_obj(kz_feed *f, const json_t *obj, const char *key, const char *path);

/* True if s, with leading and trailing white space removed, is empty (or s is NULL). */
bool kz_feed_blank(const char *s);

/*
 * Normalises a timestamp as the feeds write them ("2023-09-05T21:35:13.232467",
 * "2018-03-21T09:57:01", "2024-02-08T00:00:00+00:00", "2025-08-25T17:04:19.9796Z",
 * "2021-12-10") to RFC 3339 UTC with exactly three fraction digits. A timestamp without an
 * offset is read as UTC; a date alone is midnight UTC; further fraction digits are cut. Returns
 * false (out is then "") when s is not a date and time.
 */
bool kz_feed_time(const char *s, char out[KZ_TIME_MAX]);

/* Record building; each does nothing once f->oom is set, and sets it on a failed allocation. */
/* Sets o[key] to s trimmed of white space; nothing when s is NULL or blank. */
void kz_feed_set_str(kz_feed *f, json_t *o, const char *key, const char *s);
/* Sets o[key] = v, taking the reference (NULL counts as a failed allocation). */
void kz_feed_set_new(kz_feed *f, json_t *o, const char *key, json_t *v);
/* Appends v to the array a, taking the reference (NULL counts as a failed allocation). */
void kz_feed_append_new(kz_feed *f, json_t *a, json_t *v);
/* Appends s (trimmed) to the array of strings a unless blank or already there. */
void kz_feed_add_unique(kz_feed *f, json_t *a, const char *s);
/* A new object / array, or NULL with f->oom set. */
json_t *kz_feed_new_obj(kz_feed *f);
json_t *kz_feed_new_arr(kz_feed *f);

/*
 * Appends one entry to scores (a record's "scores" array) for vector as the source gave it:
 * the version from the parsed vector (else hint: "2.0", "3.0", "3.1" or "4.0"), base_score
 * computed with cvss.h, severity from it (upper case), published_score when published is a
 * number, source when given, and "problem" when the vector is unreadable or the computed score
 * differs from the published one by more than 0.05 (naming the temporal or environmental score
 * when that is what the source published as its base score). Such problems also go to the sink
 * at path. A missing vector or unknown version is a sink problem and adds nothing.
 */
void kz_feed_score(kz_feed *f, json_t *scores, const char *hint, const char *vector,
                   const json_t *published, const char *source, const char *path);

/* Appends version to b percent-encoded as a vers constraint needs it ('%', '|', white space,
 * ',' and bytes outside printable ASCII as %XX). Returns false on a failed append. */
bool kz_feed_vers_append(kz_buf *b, const char *version);

/* Validates rec with kz_vuln_record_check (a failure is a programming error in an importer, so
 * the record is dropped with a problem at where, not handed on), then hands rec to the sink,
 * which takes it. Returns the sink's result, or KZ_ENOMEM when f->oom was set. */
KZ_NODISCARD kz_rc kz_feed_emit(kz_feed *f, json_t *rec, const char *where, kz_err *err);

#endif
