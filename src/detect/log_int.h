/*
 * log_int.h - what the log readers of src/detect/ share: the reader's state, the line framing
 * of log.c, and the helpers that add one normalised field to the current record.
 *
 * log.c owns the input (file, standard input or memory, gzip or not) and cuts it into lines;
 * log_zeek.c, log_eve.c and log_text.c turn one line into one record; log_stix.c reads objects
 * through the STIX streaming reader instead of lines. Every reader fills r->fields through the
 * kz__rec_* helpers below, which validate and normalise values (lower-case domains, hex hashes
 * without colons, canonical IPv6) and drop duplicates within a record.
 */
#ifndef KIZUNA_DETECT_LOG_INT_H
#define KIZUNA_DETECT_LOG_INT_H

#include <stdio.h>
#include <sys/types.h>
#include <zlib.h>

#include "kizuna/detect.h"
#include "kizuna/stix.h"

/* Bytes read from a file or inflated at a time. */
#define KZ_LOG_CHUNK (1u << 20)
/* Columns of a Zeek TSV header (#fields) at most. */
#define KZ_ZEEK_COLS_MAX 512
/* One problem message. */
#define KZ_LOG_WHY_MAX 256

/* What a line-based parser made of one line. */
typedef enum {
    KZ__LINE_RECORD, /* r->rec is filled (it may still be skipped if it has no field) */
    KZ__LINE_SKIP,   /* a header, comment or empty line: not a record */
    KZ__LINE_BAD,    /* malformed: r->why says why */
} kz__line_result;

/* Which endpoint of a connection an address is. */
typedef enum {
    KZ__IP_ONLY, /* just the address */
    KZ__IP_SRC,  /* also network-traffic src_ref.value */
    KZ__IP_DST,  /* also network-traffic dst_ref.value */
} kz__ip_role;

/* A Zeek TSV header's state (log_zeek.c). */
typedef struct {
    char sep;              /* #separator, '\t' unless told otherwise */
    char set_sep;          /* #set_separator */
    char empty[32];        /* #empty_field */
    char unset[32];        /* #unset_field */
    char path[64];         /* #path */
    bool have_fields;      /* #fields seen */
    size_t ncols;
    uint16_t role[KZ_ZEEK_COLS_MAX]; /* what each column means (log_zeek.c's roles) */
} kz__zeek_hdr;

/* The STIX reader's state (log_stix.c). */
typedef struct kz__stix_state kz__stix_state;

struct kz_log_reader {
    char *name;           /* the file name as given (owned) */
    kz_limits lim;        /* a copy: the readers keep pointers to it */
    kz_log_format fmt;    /* after AUTO resolved */
    size_t line_max;      /* longest line accepted (lim.object_bytes) */

    /* The source of (possibly compressed) bytes. */
    int fd;               /* -1 for memory */
    bool own_fd;
    const unsigned char *mem;
    size_t mem_n;
    bool src_eof;

    /* gzip: compressed bytes in zin, inflated into the window. */
    bool gz;
    bool z_ready;         /* inflateInit2 done */
    bool z_member_done;   /* the last member ended; more may follow */
    z_stream zs;
    unsigned char *zin;
    size_t zin_cap;
    uint64_t z_off;       /* compressed bytes consumed by inflate */

    /* The window of decompressed bytes: [pos, end) not yet framed. */
    char *buf;            /* owned storage (NULL when win points into mem) */
    size_t cap;
    const char *win;
    size_t pos, end;
    size_t scanned;       /* bytes after pos known to hold no newline */
    bool eof;             /* no more bytes will come into the window */
    bool skipping;        /* inside an over-long line: drop bytes up to the next newline */
    uint64_t base;        /* input offset of win[0] */
    uint64_t lineno;      /* lines framed so far */

    /* A sticky I/O error (a read error, a broken gzip stream). */
    bool failed;
    kz_rc fail_rc;
    kz_err fail_err;

    /* The record being built. */
    kz_log_record rec;
    kz_field fields[KZ_LOG_FIELDS_MAX];
    size_t nfields;
    bool in_arena[KZ_LOG_FIELDS_MAX]; /* the value is at arena.p + aoff[i] */
    size_t aoff[KZ_LOG_FIELDS_MAX];
    uint64_t lens; /* bit n % 64 set for every value length n among the fields (has_field) */
    kz_buf arena;         /* normalised values of the current record */
    kz_buf unesc;         /* Zeek TSV values with \xHH escapes decoded (reserved per line) */
    uint64_t dropped;     /* fields past KZ_LOG_FIELDS_MAX */
    kz_jtape *tape;       /* the current JSON line (EVE, Zeek JSON), read until the next */
    kz_buf logname;       /* rec.log when the line names it (EVE event_type, Zeek _path) */

    /* Counts. */
    uint64_t records, malformed;
    char why[KZ_LOG_WHY_MAX];     /* the current line's problem */
    char problem[KZ_ERR_MAX];     /* the first malformed record's line and reason */
    uint64_t problem_line;        /* and its line alone */

    kz__zeek_hdr zeek;
    kz__stix_state *stix;
};

/* ---- log.c ---------------------------------------------------------------------------------- */

/*
 * The next line of the input without its "\n" (and "\r"): KZ_OK with line->p NULL at the end.
 * Sets r->rec.line and r->rec.offset. Over-long lines are counted as malformed and skipped here.
 * The view is valid until the next call. KZ_EIO (sticky) for a read or gzip error.
 */
KZ_NODISCARD kz_rc kz__log_line(kz_log_reader *r, kz_sv *line, kz_err *err);
/*
 * The same, but when !may_read only from the bytes already read: line->p NULL also when the
 * window holds no whole line more (r->eof says whether the input is at its end). Lines taken
 * with may_read false after one taken with it true are views into the same window: all stay
 * valid until the next call with may_read true (one thread frames a batch without copying it).
 */
KZ_NODISCARD kz_rc kz__log_line_in(kz_log_reader *r, kz_sv *line, bool may_read, kz_err *err);

/* A framed line: its place in a buffer (the reader's window, or a batch's copy), its number and
 * its offset in the input. */
typedef struct {
    size_t off, len;
    uint64_t lineno, offset;
} kz__line;

/*
 * Frames, at most max, the whole lines already in the window from r->pos on, as kz__log_line_in
 * would one by one with may_read false, into v (off counted from r->win): newlines are found 64
 * bytes at a time, not by a search per line. Stops early at a line it leaves to kz__log_line_in
 * (one longer than the limit, one not yet whole in the window, a reader skipping an over-long
 * line); returns how many it framed.
 */
size_t kz__log_lines_in(kz_log_reader *r, kz__line *v, size_t max);

/* Bytes for the STIX reader's FILE: at most n bytes of the input into out; 0 at the end, -1 on
 * error (r->failed then says which). */
ssize_t kz__log_read(kz_log_reader *r, char *out, size_t n);

/* Counts one malformed record at `line` with a reason, keeping the first one's message. */
void kz__log_bad(kz_log_reader *r, uint64_t line, const char *why);

/* Reads a JSON line into r->tape: false, with the reason in r->why, when it is not a JSON
 * object. */
bool kz__log_json(kz_log_reader *r, kz_sv line);

/* rec.log from the line (event_type, _path): a copy of name, NUL-terminated, or `otherwise` when
 * name is empty. */
void kz__rec_log_name(kz_log_reader *r, kz_sv name, const char *otherwise);

/* Starts a record: no fields, no time, the arena emptied. */
void kz__rec_reset(kz_log_reader *r);
/* Turns arena offsets into pointers once the record is complete. */
void kz__rec_finish(kz_log_reader *r);

/* Adds a field whose value is a view that stays valid until the next record. */
void kz__rec_add(kz_log_reader *r, const char *type, const char *path, const char *p, size_t n);
/* kz__rec_add of an ipv4-addr value already parsed into addr (see kz_field). */
void kz__rec_add_ipv4(kz_log_reader *r, const char *p, size_t n, uint32_t addr);
/* Adds a field whose value is copied (lower-cased when `lower`) into the record's arena. */
void kz__rec_add_copy(kz_log_reader *r, const char *type, const char *path, const char *p,
                      size_t n, bool lower);
/* An IPv4 or IPv6 address (by syntax, checked with inet_pton; IPv6 canonicalised). Returns
 * false when it is neither. */
bool kz__rec_ip(kz_log_reader *r, const char *p, size_t n, kz__ip_role role);
/* A domain name, leniently checked (labels of letters, digits, '-', '_'), lower-cased, trailing
 * dot removed. An address is added as an address instead. Returns false when it is neither. */
bool kz__rec_domain(kz_log_reader *r, const char *p, size_t n);
/* A hash, hex with or without colons: MD5/SHA-1/SHA-256 told by its length, lower-cased. `type`
 * is "file" or "x509-certificate". Returns false when it is none of them. */
bool kz__rec_hash(kz_log_reader *r, const char *type, const char *p, size_t n);
/* kz__rec_hash of n (32, 40 or 64) bytes the caller knows are hex digits, no ':' among them. */
void kz__rec_hash_hex(kz_log_reader *r, const char *type, const char *p, size_t n);
/* A port (0-65535) of network-traffic, src or dst. */
void kz__rec_port(kz_log_reader *r, bool src, const char *p, size_t n);
/* A count of network-traffic (path: src_byte_count, dst_byte_count, src_packets, dst_packets):
 * a decimal integer from 0 to 2^63 - 1, else nothing. */
void kz__rec_count(kz_log_reader *r, const char *path, const char *p, size_t n);
/* network-traffic start and end of a connection seen from start to end (Zeek conn's ts and
 * duration, an EVE flow's start and end), as STIX timestamps; nothing when end < start or
 * either is outside the years 0000-9999. At most once a record (no duplicate check). */
void kz__rec_span(kz_log_reader *r, const kz_time *start, const kz_time *end);
/* A network-traffic protocol name, lower-cased. */
void kz__rec_proto(kz_log_reader *r, const char *p, size_t n);
/* An e-mail address, bare or in "Name <a@b>" form. Returns false when there is none. */
bool kz__rec_email(kz_log_reader *r, const char *p, size_t n);
/* An HTTP request: host and uri (either may be empty) make the url, user agent and method the
 * http-request-ext fields, the host also a domain-name or address. */
void kz__rec_http(kz_log_reader *r, kz_sv host, kz_sv uri, kz_sv method, kz_sv ua);

/*
 * Reads an ISO 8601 / RFC 3339 date and time at the start of p: "YYYY-MM-DD" 'T' or ' '
 * "HH:MM:SS", an optional fraction ('.' or ','), and an optional zone ("Z", "+HH:MM", "+HHMM",
 * "+HH"; none means UTC). Returns the bytes used, 0 when p does not start with one.
 */
size_t kz__iso_time(const char *p, size_t n, kz_time *out);
/* Epoch seconds with an optional fraction ("1704164645.123456"). */
bool kz__epoch_time(const char *p, size_t n, kz_time *out);

/* ---- the readers ---------------------------------------------------------------------------- */

kz__line_result kz__zeek_line(kz_log_reader *r, kz_sv line);
/* Zeek JSON: also used when AUTO sees Zeek's names in a JSON line. */
kz__line_result kz__zeek_json(kz_log_reader *r, kz_sv line);
kz__line_result kz__eve_line(kz_log_reader *r, kz_sv line);
kz__line_result kz__text_line(kz_log_reader *r, kz_sv line);

/* Opens the STIX state over the reader's input; the next records come from kz__stix_next. */
KZ_NODISCARD kz_rc kz__stix_open(kz_log_reader *r, kz_err *err);
/* The next observed-data as r->rec: *got false at the end. */
KZ_NODISCARD kz_rc kz__stix_next(kz_log_reader *r, bool *got, kz_err *err);
void kz__stix_free(kz_log_reader *r);

#endif
