/*
 * load.c - indicators read into the index on several threads (kz_index_load, detect.h).
 *
 * Adding an indicator is two halves (index.c): reading it (its JSON on the tape, its properties
 * checked, its pattern parsed, its atoms chosen), which changes no index, and putting it into the
 * index's tables. With a million indicators the first half is most of the time. The calling
 * thread frames the input (kz_reader_next_raw) into batches of texts, copied; worker threads
 * read the batches' texts, each with its own tape; the calling thread takes the finished batches
 * back in input order and puts their entries into the index, telling the caller of each object.
 * The index and the messages are those of kz_index_add_text called on each object in turn,
 * whatever the number of threads.
 *
 *   frame (caller) ─> [slots: FILLED] ─> workers: read, parse ─> [DONE] ─> put, tell (caller)
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "index_int.h"

#define LOAD_BATCH 1024            /* objects in a batch */
#define LOAD_BATCH_BYTES (1u << 20) /* their text (a larger object makes a batch alone) */
#define LOAD_THREADS_MAX 64

/* One object of a batch and what its reading found. */
typedef struct {
    size_t off, len; /* its text in the batch's bytes */
    kz_where where;
    kz_index_text_kind kind;
    kz_rc rc;
    size_t err;       /* its message in the batch's errs, when rc != KZ_OK */
    kz_ix_entry e;    /* its entry (id and name: offsets into strs until put) */
    size_t id, name;  /* offsets of the id and name copies in strs */
} load_item;

typedef struct {
    kz_buf bytes; /* the texts */
    load_item *items;
    size_t n;
    kz_buf strs;       /* ids and names, copied out of each worker's tape */
    kz_ix_atoms atoms; /* every entry's atoms */
    kz_err *errs;
    size_t nerrs, caperrs;
    kz_pattern **drop; /* patterns the index did not keep, to free (read_batch) */
    size_t ndrop, capdrop;
    bool done;
    kz_rc rc; /* KZ_ENOMEM while reading (the items before it are whole) */
} load_batch;

typedef struct load_par load_par;

typedef struct {
    load_par *lp;
    kz_jtape *tape;
    pthread_t tid;
    bool started;
} load_worker;

struct load_par {
    const kz_limits *lim;
    const kz_time *now;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    load_batch *slot;
    size_t nslots;
    uint64_t filled, taken, consumed;
    bool stop;
    load_worker *w;
    int nw;
};

/* Reads every object of batch b with tape t (the first half of adding each). */
static void read_batch(load_par *lp, kz_jtape *t, load_batch *b)
{
    /* The patterns the index did not keep from this slot's last batch: freed here, on a reading
     * thread like the one that made them, not on the thread that puts (freeing memory of
     * another thread's malloc arena takes that arena's lock, and the two threads queued on it). */
    for (size_t i = 0; i < b->ndrop; i++)
        kz_pattern_free(b->drop[i]);
    b->ndrop = 0;
    b->atoms.n = 0;
    kz_buf_reset(&b->strs);
    b->rc = KZ_OK;
    for (size_t i = 0; i < b->n; i++) {
        load_item *it = &b->items[i];
        kz_ix_props p;
        kz_err err;

        if (it->off == SIZE_MAX) /* a reader error, with its message already */
            continue;
        it->rc = kz_ix_read_text(t, b->bytes.p + it->off, it->len, &p, &it->kind, &err);
        memset(&it->e, 0, sizeof it->e);
        if (it->rc == KZ_OK && it->kind == KZ_IX_INDICATOR)
            it->rc = kz_ix_entry_make(lp->lim, &p, lp->now, &b->atoms, &it->e, &err);
        if (it->rc == KZ_OK && it->e.pat != NULL) {
            /* id and name may be in the tape's own buffer: copied, as the tape moves on. */
            it->id = b->strs.n;
            it->name = it->id + it->e.id.n;
            if (kz_buf_append(&b->strs, it->e.id.p, it->e.id.n) != KZ_OK ||
                kz_buf_append(&b->strs, it->e.name.p, it->e.name.n) != KZ_OK) {
                kz_pattern_free(it->e.pat);
                it->e.pat = NULL;
                it->rc = kz_fail(&err, KZ_ENOMEM, "out of memory");
            }
        }
        if (it->rc != KZ_OK) {
            if (kz_grow(&b->errs, &b->caperrs, b->nerrs, sizeof *b->errs, 16) != KZ_OK) {
                b->rc = KZ_ENOMEM;
                b->n = i; /* the rest is never looked at */
                return;
            }
            it->err = b->nerrs;
            b->errs[b->nerrs++] = err;
        }
    }
}

/* Frees the patterns a batch still holds (entries never put). */
static void batch_drop(load_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        kz_pattern_free(b->items[i].e.pat);
        b->items[i].e.pat = NULL;
    }
    b->n = 0;
}

static void batch_free(load_batch *b)
{
    batch_drop(b);
    for (size_t i = 0; i < b->ndrop; i++)
        kz_pattern_free(b->drop[i]);
    free(b->drop);
    kz_buf_free(&b->bytes);
    kz_buf_free(&b->strs);
    free(b->items);
    free(b->atoms.v);
    free(b->errs);
}

static void *worker_main(void *arg)
{
    load_worker *w = arg;
    load_par *lp = w->lp;

    (void)pthread_setname_np(pthread_self(), "kz-read-ind"); /* for top and perf */
    pthread_mutex_lock(&lp->mu);
    for (;;) {
        load_batch *b;
        while (!lp->stop && lp->taken == lp->filled)
            pthread_cond_wait(&lp->work, &lp->mu);
        if (lp->stop)
            break;
        b = &lp->slot[lp->taken++ % lp->nslots];
        pthread_mutex_unlock(&lp->mu);
        read_batch(lp, w->tape, b);
        pthread_mutex_lock(&lp->mu);
        b->done = true;
        pthread_cond_signal(&lp->done);
    }
    pthread_mutex_unlock(&lp->mu);
    return NULL;
}

/*
 * Frames the next objects of r into b. *end at the input's end; a reader error that the input
 * can go on after is kept as an item of its own (no text); one it cannot go on after stops the
 * batch with *fatal and its message in *ferr.
 */
static kz_rc fill_batch(kz_reader *r, load_batch *b, bool *end, kz_rc *fatal, kz_err *ferr)
{
    kz_buf_reset(&b->bytes);
    b->n = 0;
    b->nerrs = 0;
    b->done = false;
    while (b->n < LOAD_BATCH && b->bytes.n < LOAD_BATCH_BYTES) {
        load_item *it = &b->items[b->n];
        const char *text;
        size_t len;
        kz_err err;
        kz_rc rc = kz_reader_next_raw(r, &text, &len, &it->where, &err);

        if (rc == KZ_ENOTFOUND) {
            *end = true;
            break;
        }
        if (rc != KZ_OK && !(rc == KZ_EINVAL && kz_reader_can_continue(r))) {
            *end = true;
            *fatal = rc;
            *ferr = err;
            break;
        }
        memset(&it->e, 0, sizeof it->e);
        it->off = b->bytes.n;
        it->len = rc == KZ_OK ? len : 0;
        it->kind = KZ_IX_NOT_JSON;
        it->rc = rc; /* a reader error: told as it is, never read */
        if (rc == KZ_OK && kz_buf_append(&b->bytes, text, len) != KZ_OK)
            return KZ_ENOMEM;
        if (rc != KZ_OK) {
            it->off = SIZE_MAX;
            if (kz_grow(&b->errs, &b->caperrs, b->nerrs, sizeof *b->errs, 16) != KZ_OK)
                return KZ_ENOMEM;
            it->err = b->nerrs;
            b->errs[b->nerrs++] = err;
        }
        b->n++;
    }
    return KZ_OK;
}

/* Puts a read batch's entries into the index and tells fn of each object, in order. */
static kz_rc put_batch(kz_index *ix, load_batch *b, kz_index_load_fn fn, void *ctx, kz_err *err)
{
    for (size_t i = 0; i < b->n; i++) {
        load_item *it = &b->items[i];
        kz_index_loaded l = {it->off == SIZE_MAX ? NULL : b->bytes.p + it->off, it->len,
                             &it->where, it->kind, it->rc, NULL, false};
        kz_err perr;

        if (it->rc == KZ_OK && it->e.pat != NULL) {
            it->e.id = (kz_sv){b->strs.p + it->id, it->e.id.n};
            it->e.name = (kz_sv){b->strs.p + it->name, it->e.name.n};
            if ((l.rc = kz_ix_entry_put(ix, &it->e, b->atoms.v, &l.added, &perr)) != KZ_OK)
                l.err = &perr;
            if (it->e.pat != NULL) { /* not kept: freed by a reading thread (read_batch) */
                if (kz_grow(&b->drop, &b->capdrop, b->ndrop, sizeof *b->drop, 1024) != KZ_OK) {
                    kz_pattern_free(it->e.pat);
                } else {
                    b->drop[b->ndrop++] = it->e.pat;
                }
                it->e.pat = NULL;
            }
        } else if (it->rc != KZ_OK) {
            l.err = &b->errs[it->err];
        }
        if (l.rc == KZ_ENOMEM) {
            *err = *l.err;
            return KZ_ENOMEM;
        }
        fn(ctx, &l);
    }
    if (b->rc != KZ_OK)
        return kz_fail(err, b->rc, "out of memory");
    return KZ_OK;
}

static kz_rc batch_init(load_batch *b)
{
    kz_buf_init(&b->bytes, 0);
    kz_buf_init(&b->strs, 0);
    return (b->items = calloc(LOAD_BATCH, sizeof *b->items)) == NULL ? KZ_ENOMEM : KZ_OK;
}

/* Stops the workers and frees everything (accepts a partly made state). */
static void par_free(load_par *lp)
{
    pthread_mutex_lock(&lp->mu);
    lp->stop = true;
    pthread_cond_broadcast(&lp->work);
    pthread_mutex_unlock(&lp->mu);
    for (int i = 0; i < lp->nw; i++) {
        if (lp->w[i].started)
            pthread_join(lp->w[i].tid, NULL);
        kz_jtape_free(lp->w[i].tape);
    }
    for (size_t i = 0; i < lp->nslots; i++)
        batch_free(&lp->slot[i]);
    free(lp->slot);
    free(lp->w);
    pthread_cond_destroy(&lp->work);
    pthread_cond_destroy(&lp->done);
    pthread_mutex_destroy(&lp->mu);
}

kz_rc kz_index_load(kz_index *ix, kz_reader *r, int threads, const kz_time *now,
                    kz_index_load_fn fn, void *ctx, kz_err *err)
{
    load_par lp;
    bool end = false;
    kz_rc rc = KZ_ENOMEM, fatal = KZ_OK;
    kz_err ferr;
    int nw = threads < 2 ? 0 : threads > LOAD_THREADS_MAX ? LOAD_THREADS_MAX : threads;

    if (ix->built)
        return kz_fail(err, KZ_EUSAGE, "kz_index_load after kz_index_build");
    memset(&lp, 0, sizeof lp);
    lp.lim = &ix->lim;
    lp.now = now;
    pthread_mutex_init(&lp.mu, NULL);
    pthread_cond_init(&lp.work, NULL);
    pthread_cond_init(&lp.done, NULL);
    if ((lp.slot = calloc(nw > 0 ? (size_t)nw * 2 + 2 : 1, sizeof *lp.slot)) == NULL ||
        (lp.w = calloc(nw > 0 ? (size_t)nw : 1, sizeof *lp.w)) == NULL)
        goto oom;
    lp.nslots = nw > 0 ? (size_t)nw * 2 + 2 : 1; /* (par_free frees that many) */
    for (size_t i = 0; i < lp.nslots; i++)
        if (batch_init(&lp.slot[i]) != KZ_OK)
            goto oom;
    if (nw == 0) { /* one thread: each batch read and put in turn */
        if ((lp.w[0].tape = kz_jtape_new(ix->lim.json_depth)) == NULL)
            goto oom;
        lp.nw = 1;
        rc = KZ_OK;
        while (rc == KZ_OK && !end) {
            if ((rc = fill_batch(r, &lp.slot[0], &end, &fatal, &ferr)) != KZ_OK)
                break;
            read_batch(&lp, lp.w[0].tape, &lp.slot[0]);
            rc = put_batch(ix, &lp.slot[0], fn, ctx, err);
            batch_drop(&lp.slot[0]);
        }
        goto done;
    }
    for (int i = 0; i < nw; i++) {
        load_worker *w = &lp.w[i];
        lp.nw = i + 1;
        w->lp = &lp;
        if ((w->tape = kz_jtape_new(ix->lim.json_depth)) == NULL)
            goto oom;
        if (pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            rc = kz_fail(err, KZ_ENOMEM, "cannot start an indicator reading thread");
            goto out;
        }
        w->started = true;
    }
    /* The calling thread: fill free slots while the input lasts, put finished ones in order. */
    rc = KZ_OK;
    pthread_mutex_lock(&lp.mu);
    while (rc == KZ_OK && (!end || lp.consumed < lp.filled)) {
        load_batch *b;
        if (!end && lp.filled - lp.consumed < lp.nslots) {
            b = &lp.slot[lp.filled % lp.nslots];
            pthread_mutex_unlock(&lp.mu);
            rc = fill_batch(r, b, &end, &fatal, &ferr);
            pthread_mutex_lock(&lp.mu);
            if (rc == KZ_OK && b->n > 0) {
                lp.filled++;
                pthread_cond_signal(&lp.work);
            }
            continue;
        }
        b = &lp.slot[lp.consumed % lp.nslots];
        if (!b->done) {
            pthread_cond_wait(&lp.done, &lp.mu);
            continue;
        }
        pthread_mutex_unlock(&lp.mu);
        rc = put_batch(ix, b, fn, ctx, err);
        batch_drop(b);
        pthread_mutex_lock(&lp.mu);
        lp.consumed++;
    }
    pthread_mutex_unlock(&lp.mu);
done:
    if (rc == KZ_ENOMEM)
        kz_fail(err, rc, "out of memory");
    else if (rc == KZ_OK && fatal != KZ_OK) {
        rc = fatal;
        *err = ferr;
    }
    goto out;
oom:
    rc = kz_fail(err, KZ_ENOMEM, "out of memory");
out:
    par_free(&lp);
    return rc;
}
