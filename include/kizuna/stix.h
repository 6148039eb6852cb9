/*
 * stix.h - the STIX 2.1 object model: validation of every object type, version identity, and a
 * streaming reader that yields the objects of a bundle, a JSON array or JSON lines one at a time,
 * so that memory does not grow with the size of the input.
 *
 * Objects are jansson values (json_t). The exact JSON text of each object is kept beside it,
 * minified, because the store keeps and serves that text rather than re-encoding it.
 */
#ifndef KIZUNA_STIX_H
#define KIZUNA_STIX_H

#include <stdio.h>
#include <jansson.h>

#include "kizuna/core.h"

/* ---- validation ------------------------------------------------------------------------- */

typedef enum {
    KZ_STIX_ERROR,   /* the object does not conform to STIX 2.1; it is rejected */
    KZ_STIX_WARNING, /* conforms, but breaks a SHOULD of the specification */
    KZ_STIX_NOTE,    /* information, e.g. whether an SCO id is the deterministic UUIDv5 */
} kz_stix_severity;

/*
 * Called once per problem. `path` is the JSON path inside the object ("created",
 * "external_references[0].source_name", "" for the object as a whole); `msg` says what is wrong
 * and what was expected, e.g. `"2024-03-01 10:00" is not an RFC 3339 UTC timestamp`.
 * Both strings are valid only during the call.
 */
typedef void (*kz_stix_report_fn)(void *ctx, kz_stix_severity sev, const char *path,
                                  const char *msg);

/*
 * Validates one STIX 2.1 object (SDO, SRO, SCO, language-content, marking-definition,
 * extension-definition, or a custom object) against the specification, reporting every problem
 * found rather than stopping at the first. Returns the number of errors (0: valid).
 * The object is not modified.
 */
int kz_stix_validate(const json_t *obj, const kz_limits *lim, kz_stix_report_fn report,
                     void *ctx);

/* True when `type` is one of the types the STIX 2.1 specification defines. */
bool kz_stix_type_known(const char *type);

/* True when `type` names an STIX Cyber-observable Object type defined by the specification. */
bool kz_stix_type_is_sco(const char *type);

/* ---- identity and versions -------------------------------------------------------------- */

/*
 * The version of an object: its `modified`, else its `created`, else none (SCOs are not
 * versioned). Written as a fixed-width UTC timestamp with nine fraction digits, so that byte
 * order is time order; "" when the object has no version. The object must have passed
 * validation. Returns KZ_EINVAL if a timestamp cannot be read.
 */
#define KZ_STIX_VERSION_MAX KZ_TIME_MAX
KZ_NODISCARD kz_rc kz_stix_version(const json_t *obj, char out[KZ_STIX_VERSION_MAX]);

/* ---- streaming reader ------------------------------------------------------------------- */

typedef enum {
    KZ_INPUT_UNKNOWN = 0,
    KZ_INPUT_BUNDLE, /* {"type":"bundle", "objects":[...]} */
    KZ_INPUT_ARRAY,  /* [ {...}, {...} ] */
    KZ_INPUT_LINES,  /* one object per line (or whitespace-separated objects) */
} kz_input_form;

typedef struct kz_reader kz_reader;

/* Where the current object came from, for messages. */
typedef struct {
    size_t index;   /* 0-based position among the input's objects */
    size_t line;    /* 1-based line of the object's opening brace */
    uint64_t offset;/* byte offset of the opening brace */
} kz_where;

/*
 * Opens a reader over `f` (not closed by the reader). `name` is used in messages ("-" for
 * standard input). The reader does not take ownership of lim, which must outlive it.
 */
KZ_NODISCARD kz_rc kz_reader_new(FILE *f, const char *name, const kz_limits *lim,
                                 kz_reader **out, kz_err *err);

/*
 * Yields the next object. On KZ_OK, *text and *len are the object's minified JSON text (valid until
 * the next call) and *obj the parsed value (owned by the caller: json_decref). On KZ_ENOTFOUND the
 * input is exhausted and well-formed. On KZ_EINVAL the current object is malformed JSON: err says
 * where; if kz_reader_can_continue() is true the caller may call again to get the next one. Any
 * other code is fatal for this input (I/O error, broken framing, limit passed).
 */
KZ_NODISCARD kz_rc kz_reader_next(kz_reader *r, const char **text, size_t *len, json_t **obj,
                                  kz_where *where, kz_err *err);

/*
 * The framing half of kz_reader_next: yields the next element's bytes exactly as they are in the
 * input (valid until the next call), unparsed, so that parsing can run on other threads with
 * kz_element_parse. Elements that are over a limit or not objects give KZ_EINVAL with
 * kz_reader_can_continue() true, as kz_reader_next does.
 */
KZ_NODISCARD kz_rc kz_reader_next_raw(kz_reader *r, const char **text, size_t *len,
                                      kz_where *w, kz_err *err);

/* Where an element came from, for kz_element_parse's messages. */
typedef struct {
    const char *name;  /* the input's name */
    const char *label; /* from kz_reader_label */
    size_t line;       /* kz_where.line */
} kz_element_ctx;

/*
 * The parsing half: parses one element's bytes (from kz_reader_next_raw) with jansson, rejecting
 * duplicate keys, and writes its minified text into min. Touches no reader state, so any thread
 * may call it. On success *obj belongs to the caller (json_decref). On KZ_EINVAL err gives the
 * absolute line and column.
 */
KZ_NODISCARD kz_rc kz_element_parse(const char *raw, size_t n, const kz_element_ctx *ctx,
                                    kz_buf *min, json_t **obj, kz_err *err);

bool kz_reader_can_continue(const kz_reader *r);
kz_input_form kz_reader_form(const kz_reader *r);
/* Bytes consumed so far, for progress display. */
uint64_t kz_reader_offset(const kz_reader *r);
/* Writes the label of an object for messages: "objects[12]", "[12]" or "line 12". */
void kz_reader_label(const kz_reader *r, const kz_where *w, char *buf, size_t cap);
void kz_reader_free(kz_reader *r);

#endif
