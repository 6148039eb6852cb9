/*
 * scan.c - a log matched against the indicator index (kz_scan_log, detect.h), on the calling
 * thread alone or on several.
 *
 * On several threads (a text or EVE log, whose lines are read apart): the calling thread reads
 * the input (decompressing it) and frames it into batches of whole lines, copied into one of a
 * ring of batch slots; worker threads take the batches in order, make each line's record with
 * their own parser and look up its atoms with their own scratch (kz_index_lookup: the costly
 * part, read-only on the index); a record with candidates is kept in the batch, its field
 * values copied. The calling thread takes the finished batches back in input order and confirms
 * each kept record's candidates with the caller's scratch (kz_index_confirm: whole patterns,
 * windows of multi-observation patterns), so matches and their order are exactly those of one
 * thread. Records without a candidate never come back: with a million indicators nearly all.
 *
 *   read + frame ─> [batch slots: FILLED] ─> workers: parse, look up ─> [DONE] ─> confirm, fn
 *   (caller)                                                                       (caller)
 *
 * A worker keeps two lines in flight (two parsers, the index's two stages): line i is parsed and
 * prepared, its prefilter bits asked for, before line i-1 is looked up, so that the memory one
 * waits for arrives while the other is worked on. On one thread the calling thread frames,
 * works and confirms each batch in turn, and does not copy it: a batch is every whole line in
 * the reader's window, views valid until the next is framed. Logs whose lines are not read apart
 * (Zeek TSV, whose header lines rule the lines after them; STIX) go record by record.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

#define BATCH_BYTES (1u << 20) /* line bytes in a batch (a longer line makes a batch alone) */
#define BATCH_LINES 8192u
#define THREADS_MAX 64

/* work_batch alternates between two stages (stage ^ 1). */
_Static_assert(KZ_INDEX_STAGES == 2, "work_batch keeps exactly two lines in flight");

/* One framed line of a batch (off: in the batch's bytes). */
typedef kz__line scan_line;

/* A record with candidates, as a worker keeps it. */
typedef struct {
    uint64_t line, offset;
    bool has_time;
    kz_time time;
    size_t log;           /* its "log" at vals.p + log, NUL-terminated (EVE's is in its JSON) */
    size_t raw;           /* its line's index in the batch */
    size_t field, nfield; /* its fields in the batch's fields */
    size_t cand, ncand;   /* its candidates in the batch's cands */
} scan_rec;

/* A field of a kept record: its value at vals.p + off (type and path are static strings). */
typedef struct {
    const char *type, *path;
    size_t off, len;
} scan_field;

/* One batch slot: lines in, records with candidates out. */
typedef struct {
    kz_buf bytes;     /* the lines, copied (threads) */
    const char *base; /* where line offsets count from: bytes.p, or the reader's window */
    scan_line *lines;
    size_t nlines, caplines;
    scan_rec *recs;
    size_t nrecs, caprecs;
    scan_field *fields;
    size_t nfields, capfields;
    kz_index_cand *cands;
    size_t ncands, capcands;
    kz_buf vals;
    bool done; /* the worker finished it */
    kz_rc rc;  /* a lookup failed at line err_line (the records before it are kept) */
    uint64_t err_line;
    kz_err err;
} scan_batch;

typedef struct scan_par scan_par;

/* A worker thread's own state. */
typedef struct {
    scan_par *sp;
    kz_log_reader *parser[KZ_INDEX_STAGES]; /* one per index stage: two records alive at once */
    kz_index_scratch *scratch;
    bool own_scratch; /* made for it (threads), not the caller's (one thread) */
    pthread_t tid;
    bool started;
} scan_worker;

struct scan_par {
    const kz_index *ix;
    pthread_mutex_t mu;
    pthread_cond_t work; /* a batch was filled, or stop */
    pthread_cond_t done; /* a batch was finished */
    scan_batch *slot;
    size_t nslots;
    uint64_t filled, taken, consumed; /* batches so far: filled by the reader, taken, given back */
    bool stop;
    scan_worker *w;
    int nw;
};

/* Keeps a record with its candidates in batch b. */
static kz_rc keep(scan_batch *b, size_t li, const kz_log_record *rec, const kz_index_cand *c,
                  size_t nc)
{
    scan_rec *k;

    if (kz_grow(&b->recs, &b->caprecs, b->nrecs, sizeof *b->recs, 256) != KZ_OK)
        return KZ_ENOMEM;
    k = &b->recs[b->nrecs];
    *k = (scan_rec){rec->line, rec->offset, rec->has_time, rec->time, b->vals.n,
                    li,        b->nfields,  rec->nfields,  b->ncands, nc};
    if (kz_buf_append(&b->vals, rec->log, strlen(rec->log) + 1) != KZ_OK)
        return KZ_ENOMEM;
    for (size_t i = 0; i < rec->nfields; i++) {
        const kz_field *f = &rec->fields[i];
        if (kz_grow(&b->fields, &b->capfields, b->nfields, sizeof *b->fields, 256) != KZ_OK)
            return KZ_ENOMEM;
        b->fields[b->nfields++] = (scan_field){f->type, f->path, b->vals.n, f->value.n};
        if (kz_buf_append(&b->vals, f->value.p, f->value.n) != KZ_OK)
            return KZ_ENOMEM;
    }
    for (size_t i = 0; i < nc; i++) {
        if (kz_grow(&b->cands, &b->capcands, b->ncands, sizeof *b->cands, 256) != KZ_OK)
            return KZ_ENOMEM;
        b->cands[b->ncands++] = c[i];
    }
    b->nrecs++;
    return KZ_OK;
}

/* Looks up a prepared record and keeps it in b when it has candidates. */
static void finish(scan_worker *w, scan_batch *b, size_t li, const kz_log_record *rec, int stage)
{
    const kz_index_cand *c;
    size_t nc;

    if ((b->rc = kz_index_lookup_prepared(w->sp->ix, w->scratch, rec, stage, &c, &nc, &b->err)) ==
            KZ_OK &&
        nc > 0 && (b->rc = keep(b, li, rec, c, nc)) == KZ_ENOMEM)
        kz_fail(&b->err, b->rc, "out of memory");
    if (b->rc != KZ_OK)
        b->err_line = b->lines[li].lineno;
}

/* A worker's part of one batch: each line parsed, looked up, kept when it has candidates. Two
 * lines are in flight: line i is parsed and prepared (its prefilter bits asked for) before line
 * i-1 is looked up, so that the cache misses of the one overlap with the work on the other. */
static void work_batch(scan_worker *w, scan_batch *b)
{
    const kz_log_record *prev = NULL;
    size_t prev_i = 0;
    int stage = 0; /* of the next line; prev is in the other */

    b->nrecs = b->nfields = b->ncands = 0;
    kz_buf_reset(&b->vals);
    b->rc = KZ_OK;
    for (size_t i = 0; i < b->nlines && b->rc == KZ_OK; i++) {
        const scan_line *l = &b->lines[i];
        const kz_log_record *rec = kz_log_parse_line(
            w->parser[stage], (kz_sv){b->base + l->off, l->len}, l->lineno, l->offset);

        if (rec != NULL) {
            kz_err perr;
            kz_rc prc = kz_index_prepare(w->sp->ix, w->scratch, rec, stage, &perr);
            if (prc != KZ_OK) { /* the lines before it are still looked up and kept */
                if (prev != NULL)
                    finish(w, b, prev_i, prev, stage ^ 1);
                if (b->rc == KZ_OK) {
                    b->rc = prc;
                    b->err = perr;
                    b->err_line = l->lineno;
                }
                return;
            }
        }
        if (prev != NULL)
            finish(w, b, prev_i, prev, stage ^ 1);
        prev = rec;
        prev_i = i;
        if (rec != NULL)
            stage ^= 1;
    }
    if (prev != NULL && b->rc == KZ_OK)
        finish(w, b, prev_i, prev, stage ^ 1);
}

/* A worker thread: takes the next filled batch, works on it, gives it back; until stop. */
static void *worker_main(void *arg)
{
    scan_worker *w = arg;
    scan_par *sp = w->sp;

    pthread_mutex_lock(&sp->mu);
    for (;;) {
        scan_batch *b;
        while (!sp->stop && sp->taken == sp->filled)
            pthread_cond_wait(&sp->work, &sp->mu);
        if (sp->stop)
            break;
        b = &sp->slot[sp->taken++ % sp->nslots];
        pthread_mutex_unlock(&sp->mu);
        work_batch(w, b);
        pthread_mutex_lock(&sp->mu);
        b->done = true;
        pthread_cond_signal(&sp->done);
    }
    pthread_mutex_unlock(&sp->mu);
    return NULL;
}

/* Room for a whole batch of lines in b (kz__log_lines_in writes up to that many at once). */
static kz_rc lines_room(scan_batch *b)
{
    scan_line *nl;

    if (b->caplines >= BATCH_LINES)
        return KZ_OK;
    if ((nl = realloc(b->lines, BATCH_LINES * sizeof *nl)) == NULL)
        return KZ_ENOMEM;
    b->lines = nl;
    b->caplines = BATCH_LINES;
    return KZ_OK;
}

/* Fills batch b with the next lines of r, copied; *end at the end of the input. The window's
 * whole lines are framed in bulk and copied as one span; a line they stop at (or the first
 * after a read) goes the general way. */
static kz_rc fill_batch(kz_log_reader *r, scan_batch *b, bool *end, kz_err *err)
{
    kz_rc rc = KZ_OK;

    kz_buf_reset(&b->bytes);
    b->nlines = 0;
    b->done = false;
    if (lines_room(b) != KZ_OK)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    while (b->nlines < BATCH_LINES && b->bytes.n < BATCH_BYTES) {
        scan_line *v = b->lines + b->nlines;
        size_t k = kz__log_lines_in(r, v, BATCH_LINES - b->nlines);
        kz_sv line;
        uint64_t lineno, offset;

        if (k > 0) { /* lines k are contiguous in the window: one copy */
            size_t from = v[0].off, to = v[k - 1].off + v[k - 1].len, at = b->bytes.n;
            if (kz_buf_append(&b->bytes, r->win + from, to - from) != KZ_OK) {
                rc = kz_fail(err, KZ_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < k; i++)
                v[i].off = v[i].off - from + at;
            b->nlines += k;
            continue;
        }
        if ((rc = kz_log_next_line(r, &line, &lineno, &offset, err)) != KZ_OK)
            break;
        if (line.p == NULL) {
            *end = true;
            break;
        }
        if (kz_buf_append(&b->bytes, line.p, line.n) != KZ_OK) {
            rc = kz_fail(err, KZ_ENOMEM, "out of memory");
            break;
        }
        b->lines[b->nlines++] = (scan_line){b->bytes.n - line.n, line.n, lineno, offset};
    }
    b->base = b->bytes.p;
    return rc;
}

/* Fills batch b with the whole lines in r's window, not copied (reading more only when it has
 * none): they stay where they are until the next batch is framed. *end at the end of the
 * input. The one-thread scan's framing. */
static kz_rc view_batch(kz_log_reader *r, scan_batch *b, bool *end, kz_err *err)
{
    kz_rc rc = KZ_OK;

    b->nlines = 0;
    b->done = false;
    if (lines_room(b) != KZ_OK)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    while (b->nlines < BATCH_LINES) {
        kz_sv line;
        /* The window's whole lines in bulk; a line they stop at goes the general way. */
        if ((b->nlines += kz__log_lines_in(r, b->lines + b->nlines, BATCH_LINES - b->nlines)) ==
            BATCH_LINES)
            break;
        if ((rc = kz__log_line_in(r, &line, b->nlines == 0, err)) != KZ_OK)
            break;
        if (line.p == NULL) { /* the end, or the window's last whole line taken */
            *end = b->nlines == 0;
            break;
        }
        b->lines[b->nlines++] =
            (scan_line){(size_t)(line.p - r->win), line.n, r->rec.line, r->rec.offset};
    }
    b->base = r->win;
    return rc;
}

/* What fn sees of the record being confirmed. */
typedef struct {
    kz_scan_fn fn;
    void *ctx;
    const kz_log_record *rec;
    bool any;
} hit_ctx;

static kz_rc on_hit(void *ctx, const kz_hit *h)
{
    hit_ctx *hc = ctx;

    hc->any = true;
    return hc->fn(hc->ctx, hc->rec, h);
}

/* Confirms one record's candidates (in input order) and tells fn when it had matches. */
static kz_rc confirm(const kz_index *ix, kz_index_scratch *s, const kz_log_record *rec,
                     const kz_index_cand *c, size_t nc, kz_scan_fn fn, void *ctx, kz_err *err)
{
    hit_ctx hc = {fn, ctx, rec, false};
    kz_rc rc = kz_index_confirm(ix, s, rec, c, nc, on_hit, &hc, err);

    if (hc.any && rc == KZ_OK)
        rc = fn(ctx, rec, NULL);
    return rc;
}

/* Confirms the kept records of a finished batch; *line is set when one fails. */
static kz_rc consume(const kz_index *ix, kz_index_scratch *s, const kz_log_reader *r, scan_batch *b,
                     kz_field *fields, kz_scan_fn fn, void *ctx, uint64_t *line, kz_err *err)
{
    kz_rc rc = KZ_OK;

    for (size_t i = 0; i < b->nrecs && rc == KZ_OK; i++) {
        const scan_rec *k = &b->recs[i];
        kz_log_record rec;

        for (size_t f = 0; f < k->nfield; f++) {
            const scan_field *sf = &b->fields[k->field + f];
            fields[f] = (kz_field){sf->type, sf->path, {b->vals.p + sf->off, sf->len}, 0, false};
        }
        rec = (kz_log_record){
            r->rec.file, k->line,   k->offset,
            k->has_time, k->time,   b->vals.p + k->log,
            fields,      k->nfield, {b->base + b->lines[k->raw].off, b->lines[k->raw].len}};
        if ((rc = confirm(ix, s, &rec, b->cands + k->cand, k->ncand, fn, ctx, err)) != KZ_OK)
            *line = k->line;
    }
    if (rc == KZ_OK && b->rc != KZ_OK) {
        rc = b->rc;
        *err = b->err;
        *line = b->err_line;
    }
    return rc;
}

static void batch_free(scan_batch *b)
{
    kz_buf_free(&b->bytes);
    kz_buf_free(&b->vals);
    free(b->lines);
    free(b->recs);
    free(b->fields);
    free(b->cands);
}

/* Makes a worker's parsers of r's lines, one per index stage (its scratch is set apart). */
static kz_rc worker_init(scan_worker *w, scan_par *sp, kz_log_reader *r, kz_err *err)
{
    kz_rc rc = KZ_OK;

    w->sp = sp;
    for (int k = 0; k < KZ_INDEX_STAGES && rc == KZ_OK; k++)
        rc = kz_log_parser_new(r, &w->parser[k], err);
    return rc;
}

/* Frees a worker's parsers, their counts added to r's, and its own scratch. */
static void worker_free(scan_worker *w, kz_log_reader *r)
{
    for (int k = 0; k < KZ_INDEX_STAGES; k++) {
        if (w->parser[k] != NULL)
            kz_log_counts_merge(r, w->parser[k]);
        kz_log_free(w->parser[k]);
    }
    if (w->own_scratch)
        kz_index_scratch_free(w->scratch);
}

/* Stops the workers and frees everything (accepts a partly made state). */
static void par_free(scan_par *sp, kz_log_reader *r)
{
    pthread_mutex_lock(&sp->mu);
    sp->stop = true;
    pthread_cond_broadcast(&sp->work);
    pthread_mutex_unlock(&sp->mu);
    for (int i = 0; i < sp->nw; i++) {
        if (sp->w[i].started)
            pthread_join(sp->w[i].tid, NULL);
        worker_free(&sp->w[i], r);
    }
    for (size_t i = 0; i < sp->nslots; i++)
        batch_free(&sp->slot[i]);
    free(sp->slot);
    free(sp->w);
    pthread_cond_destroy(&sp->work);
    pthread_cond_destroy(&sp->done);
    pthread_mutex_destroy(&sp->mu);
}

/* The scan on `threads` workers (see the top of the file). */
static kz_rc scan_threads(const kz_index *ix, kz_index_scratch *s, kz_log_reader *r, int threads,
                          kz_scan_fn fn, void *ctx, uint64_t *line, kz_err *err)
{
    scan_par sp;
    kz_field *fields = NULL;
    bool end = false;
    kz_rc rc = KZ_ENOMEM, read_rc = KZ_OK;
    kz_err read_err;

    memset(&sp, 0, sizeof sp);
    sp.ix = ix;
    pthread_mutex_init(&sp.mu, NULL);
    pthread_cond_init(&sp.work, NULL);
    pthread_cond_init(&sp.done, NULL);
    if ((sp.slot = calloc((size_t)threads * 2 + 2, sizeof *sp.slot)) == NULL ||
        (sp.w = calloc((size_t)threads, sizeof *sp.w)) == NULL ||
        (fields = malloc(KZ_LOG_FIELDS_MAX * sizeof *fields)) == NULL) {
        kz_fail(err, rc, "out of memory");
        goto out;
    }
    sp.nslots = (size_t)threads * 2 + 2;
    for (size_t i = 0; i < sp.nslots; i++) {
        kz_buf_init(&sp.slot[i].bytes, 0);
        kz_buf_init(&sp.slot[i].vals, 0);
    }
    for (int i = 0; i < threads; i++) {
        scan_worker *w = &sp.w[i];
        sp.nw = i + 1; /* par_free frees what a failing worker made */
        w->own_scratch = true;
        if ((rc = worker_init(w, &sp, r, err)) != KZ_OK ||
            (rc = kz_index_scratch_new(ix, &w->scratch, err)) != KZ_OK)
            goto out;
        if (pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            rc = kz_fail(err, KZ_ENOMEM, "cannot start a scanning thread");
            goto out;
        }
        w->started = true;
    }
    /* The calling thread: fill free slots while the input lasts, consume finished ones in order. */
    rc = KZ_OK;
    pthread_mutex_lock(&sp.mu);
    while (rc == KZ_OK && (!end || sp.consumed < sp.filled)) {
        scan_batch *b;
        if (!end && sp.filled - sp.consumed < sp.nslots) {
            b = &sp.slot[sp.filled % sp.nslots];
            pthread_mutex_unlock(&sp.mu);
            if ((read_rc = fill_batch(r, b, &end, &read_err)) != KZ_OK)
                end = true; /* the lines before the error are still matched */
            pthread_mutex_lock(&sp.mu);
            if (b->nlines > 0) {
                sp.filled++;
                pthread_cond_signal(&sp.work);
            }
            continue;
        }
        b = &sp.slot[sp.consumed % sp.nslots];
        if (!b->done) {
            pthread_cond_wait(&sp.done, &sp.mu);
            continue;
        }
        pthread_mutex_unlock(&sp.mu);
        rc = consume(ix, s, r, b, fields, fn, ctx, line, err);
        pthread_mutex_lock(&sp.mu);
        sp.consumed++;
    }
    pthread_mutex_unlock(&sp.mu);
    if (rc == KZ_OK && read_rc != KZ_OK) {
        rc = read_rc;
        *err = read_err;
    }
out:
    par_free(&sp, r);
    free(fields);
    return rc;
}

/* The scan on the calling thread alone, batch by batch as a worker takes them (two lines in
 * flight), confirming each batch when it is looked up. */
static kz_rc scan_inline(const kz_index *ix, kz_index_scratch *s, kz_log_reader *r, kz_scan_fn fn,
                         void *ctx, uint64_t *line, kz_err *err)
{
    scan_par sp;
    scan_batch b;
    kz_field *fields = NULL;
    bool end = false;
    kz_rc rc = KZ_ENOMEM, read_rc = KZ_OK;
    kz_err read_err;

    memset(&sp, 0, sizeof sp);
    memset(&b, 0, sizeof b);
    kz_buf_init(&b.bytes, 0);
    kz_buf_init(&b.vals, 0);
    sp.ix = ix;
    if ((sp.w = calloc(1, sizeof *sp.w)) == NULL ||
        (fields = malloc(KZ_LOG_FIELDS_MAX * sizeof *fields)) == NULL) {
        kz_fail(err, rc, "out of memory");
        goto out;
    }
    sp.nw = 1;
    sp.w[0].scratch = s;
    if ((rc = worker_init(&sp.w[0], &sp, r, err)) != KZ_OK)
        goto out;
    while (rc == KZ_OK && !end) {
        if ((read_rc = view_batch(r, &b, &end, &read_err)) != KZ_OK)
            end = true; /* the lines before the error are still matched */
        if (b.nlines == 0)
            continue;
        work_batch(&sp.w[0], &b);
        rc = consume(ix, s, r, &b, fields, fn, ctx, line, err);
    }
    if (rc == KZ_OK && read_rc != KZ_OK) {
        rc = read_rc;
        *err = read_err;
    }
out:
    if (sp.w != NULL)
        worker_free(&sp.w[0], r);
    free(sp.w);
    batch_free(&b);
    free(fields);
    return rc;
}

kz_rc kz_scan_log(const kz_index *ix, kz_index_scratch *s, kz_log_reader *r, int threads,
                  kz_scan_fn fn, void *ctx, uint64_t *line, kz_err *err)
{
    const kz_log_record *rec;
    kz_rc rc;

    *line = 0;
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    if (kz_log_lines_apart(r))
        return threads > 1 ? scan_threads(ix, s, r, threads, fn, ctx, line, err)
                           : scan_inline(ix, s, r, fn, ctx, line, err);
    for (;;) {
        const kz_index_cand *c;
        size_t nc;
        if ((rc = kz_log_next(r, &rec, err)) != KZ_OK || rec == NULL)
            break;
        if ((rc = kz_index_lookup(ix, s, rec, &c, &nc, err)) != KZ_OK ||
            (rc = confirm(ix, s, rec, c, nc, fn, ctx, err)) != KZ_OK) {
            *line = rec->line;
            break;
        }
    }
    return rc;
}
