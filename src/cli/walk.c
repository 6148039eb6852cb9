/*
 * walk.c - the loop every input command shares: read objects, validate each, print one line per
 * problem ("file: objects[12] (indicator--...): created: ..."), and hand valid objects to the
 * command, in input order. A rejected object never stops the others; only an input whose framing
 * is broken stops early, and that is reported too.
 *
 * Parsing JSON costs more than anything else, so the work is spread over the machine's cores:
 *
 *   framer (calling thread)   cuts elements out of the input (kz_reader_next_raw) into jobs
 *   workers (one per core)    parse, validate and extract each job's objects; messages are
 *                             written into the job, not printed, so that order is kept
 *   consumer (one thread)     takes jobs strictly in sequence, prints their messages and calls
 *                             the command's sink for each valid object
 *
 * Jobs in flight are capped, so memory stays bounded whatever the input's size.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define JOB_OBJECTS 256
#define JOB_BYTES (1u << 20) /* raw bytes per job, unless one object is larger */
#define MAX_WORKERS 8

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("kizuna: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

double cli_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int cli_exit_for(kz_rc rc)
{
    switch (rc) {
        case KZ_OK: return EXIT_OK;
        case KZ_EUSAGE: return EXIT_USAGE;
        case KZ_EIO:
        case KZ_EDB:
        case KZ_ENOMEM: return EXIT_ENV;
        default: return EXIT_INPUT;
    }
}

kz_store *cli_open_store(cli_ctx *c)
{
    kz_store *s = NULL;
    kz_err err;

    if (kz_store_open(c->db, &s, &err) != KZ_OK) {
        cli_error("%s", err.msg);
        return NULL;
    }
    return s;
}

/* ---- jobs ------------------------------------------------------------------------------- */

typedef struct {
    size_t off, len; /* in raw: the element's bytes, or the framer's message if rejected */
    size_t line;
    bool rejected;   /* the framer already rejected it (over a limit, not an object) */
    char label[40];
} element;

typedef struct {
    size_t text, id, type, spec; /* offsets in the job's arena */
    size_t text_len, id_len, type_len, spec_len;
    char version[KZ_STIX_VERSION_MAX];
    size_t el;
} result;

typedef struct job {
    uint64_t seq;
    const char *file;
    element el[JOB_OBJECTS];
    size_t n;
    kz_buf raw;
    result res[JOB_OBJECTS];
    size_t nres;
    kz_buf arena; /* the results' strings */
    kz_buf out;   /* lines for standard output, in element order */
    kz_buf min;   /* worker scratch: one minified object */
    uint64_t invalid, warnings;
    bool end_of_file;
    bool input_error, env_error; /* the framer stopped in this job */
    struct job *next;
} job;

typedef struct {
    cli_ctx *c;
    const cli_sink *sink;
    void *sink_ctx;
    cli_tally *t;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *todo, *todo_tail; /* framed, waiting for a worker */
    job *done;             /* processed, waiting for the consumer (any order) */
    job *free;
    int allocated, max_jobs;
    uint64_t next_seq;     /* the framer's next job */
    uint64_t want_seq;     /* the consumer's next job */
    bool framing_done;
    int stop;              /* an exit code from the sink: stop reading */
} walk;

static job *job_new(void)
{
    job *j = calloc(1, sizeof *j);

    if (j != NULL) {
        kz_buf_init(&j->raw, 0);
        kz_buf_init(&j->arena, 0);
        kz_buf_init(&j->out, 0);
        kz_buf_init(&j->min, 0);
    }
    return j;
}

static void job_reset(job *j)
{
    j->n = j->nres = 0;
    kz_buf_reset(&j->raw);
    kz_buf_reset(&j->arena);
    kz_buf_reset(&j->out);
    j->invalid = j->warnings = 0;
    j->end_of_file = j->input_error = j->env_error = false;
    j->next = NULL;
}

static void job_free(job *j)
{
    if (j == NULL)
        return;
    kz_buf_free(&j->raw);
    kz_buf_free(&j->arena);
    kz_buf_free(&j->out);
    kz_buf_free(&j->min);
    free(j);
}

/* An empty job for the framer, waiting while too many are in flight. NULL when told to stop. */
static job *job_get(walk *wk)
{
    job *j = NULL;

    pthread_mutex_lock(&wk->mu);
    while (!wk->stop && wk->free == NULL && wk->allocated >= wk->max_jobs)
        pthread_cond_wait(&wk->cv, &wk->mu);
    if (!wk->stop) {
        if ((j = wk->free) != NULL) {
            wk->free = j->next;
            j->next = NULL;
        } else if ((j = job_new()) != NULL) {
            wk->allocated++;
        } else {
            wk->stop = EXIT_ENV;
        }
    }
    if (j != NULL)
        j->seq = wk->next_seq++;
    pthread_mutex_unlock(&wk->mu);
    return j;
}

static void job_submit(walk *wk, job *j)
{
    pthread_mutex_lock(&wk->mu);
    if (wk->todo_tail)
        wk->todo_tail->next = j;
    else
        wk->todo = j;
    wk->todo_tail = j;
    pthread_cond_broadcast(&wk->cv);
    pthread_mutex_unlock(&wk->mu);
}

/* ---- workers ---------------------------------------------------------------------------- */

/* Appends one message line to j's output; a message that cannot be kept marks the job failed. */
static void say(job *j, const char *fmt, ...) KZ_PRINTF(2, 3);
static void say(job *j, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) { /* cut, but keep the line a line */
        n = sizeof line - 1;
        line[n - 1] = '\n';
    }
    if (kz_buf_append(&j->out, line, (size_t)n) != KZ_OK)
        j->env_error = true;
}

typedef struct {
    job *j;
    cli_ctx *c;
    const char *label;
    const char *id;
} report_ctx;

static void report(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    report_ctx *r = ctx;
    const char *kind = "";

    if (sev == KZ_STIX_WARNING) {
        r->j->warnings++;
        if (r->c->quiet)
            return;
        kind = "warning: ";
    } else if (sev == KZ_STIX_NOTE) {
        if (!r->c->verbose)
            return;
        kind = "note: ";
    }
    say(r->j, "%s: %s%s%.120s%s: %s%s%s%s\n", r->j->file, r->label, r->id ? " (" : "",
        r->id ? r->id : "", r->id ? ")" : "", kind, path && *path ? path : "",
        path && *path ? ": " : "", msg);
}

static kz_rc stash(kz_buf *arena, const char *p, size_t n, size_t *off, size_t *len)
{
    *off = arena->n;
    *len = n;
    return kz_buf_append(arena, p, n);
}

/* Parses and validates element i of j; a valid object becomes a result. */
static void work_one(walk *wk, job *j, size_t i)
{
    const element *e = &j->el[i];
    kz_element_ctx ectx = {j->file, e->label, e->line};
    report_ctx rep = {j, wk->c, e->label, NULL};
    json_t *obj = NULL, *idv, *type, *spec;
    result *r;
    kz_err err;

    if (e->rejected) {
        j->invalid++;
        say(j, "%.*s\n", (int)e->len, j->raw.p + e->off);
        return;
    }
    if (kz_element_parse(j->raw.p + e->off, e->len, &ectx, &j->min, &obj, &err) != KZ_OK) {
        j->invalid++;
        say(j, "%s\n", err.msg);
        return;
    }
    idv = json_object_get(obj, "id");
    rep.id = json_is_string(idv) ? json_string_value(idv) : NULL;
    if (kz_stix_validate(obj, &wk->c->lim, report, &rep) > 0) {
        j->invalid++;
        goto out;
    }
    r = &j->res[j->nres];
    type = json_object_get(obj, "type");
    spec = json_object_get(obj, "spec_version");
    if (kz_stix_version(obj, r->version) != KZ_OK) {
        j->invalid++;
        say(j, "%s: %s (%s): created/modified cannot be read as a version\n",
                            j->file, e->label, rep.id);
        goto out;
    }
    if (stash(&j->arena, j->min.p, j->min.n, &r->text, &r->text_len) != KZ_OK ||
        stash(&j->arena, rep.id, strlen(rep.id), &r->id, &r->id_len) != KZ_OK ||
        stash(&j->arena, json_string_value(type), json_string_length(type), &r->type,
              &r->type_len) != KZ_OK ||
        (json_is_string(spec)
             ? stash(&j->arena, json_string_value(spec), json_string_length(spec), &r->spec,
                     &r->spec_len)
             : stash(&j->arena, "2.1", 3, &r->spec, &r->spec_len)) != KZ_OK) {
        j->invalid++;
        j->env_error = true;
        say(j, "%s: %s: out of memory\n", j->file, e->label);
        goto out;
    }
    r->el = i;
    j->nres++;
out:
    json_decref(obj);
}

static void *worker(void *arg)
{
    walk *wk = arg;

    for (;;) {
        job *j;

        pthread_mutex_lock(&wk->mu);
        while (wk->todo == NULL && !wk->framing_done)
            pthread_cond_wait(&wk->cv, &wk->mu);
        if ((j = wk->todo) == NULL) {
            pthread_mutex_unlock(&wk->mu);
            return NULL;
        }
        wk->todo = j->next;
        if (wk->todo == NULL)
            wk->todo_tail = NULL;
        pthread_mutex_unlock(&wk->mu);

        for (size_t i = 0; i < j->n; i++)
            work_one(wk, j, i);

        pthread_mutex_lock(&wk->mu);
        j->next = wk->done;
        wk->done = j;
        pthread_cond_broadcast(&wk->cv);
        pthread_mutex_unlock(&wk->mu);
    }
}

/* ---- consumer --------------------------------------------------------------------------- */

static int consume(walk *wk, job *j)
{
    int code = EXIT_OK;

    if (j->out.n > 0)
        fwrite(j->out.p, 1, j->out.n, stdout);
    wk->t->read += j->n;
    wk->t->invalid += j->invalid;
    wk->t->warnings += j->warnings;
    wk->t->input_error |= j->input_error;
    wk->t->env_error |= j->env_error;
    if (wk->sink == NULL || wk->stop)
        return EXIT_OK;
    for (size_t i = 0; i < j->nres && code == EXIT_OK; i++) {
        const result *r = &j->res[i];
        const char *a = j->arena.p;
        cli_obj o = {
            .file = j->file,
            .label = j->el[r->el].label,
            .id = {a + r->id, r->id_len},
            .type = {a + r->type, r->type_len},
            .spec_version = {a + r->spec, r->spec_len},
            .version = kz_sv_c(r->version),
            .text = {a + r->text, r->text_len},
        };
        code = wk->sink->object(wk->sink_ctx, &o);
    }
    if (code == EXIT_OK && j->end_of_file && wk->sink->end_of_file != NULL)
        code = wk->sink->end_of_file(wk->sink_ctx, j->file);
    return code;
}

static void *consumer(void *arg)
{
    walk *wk = arg;

    for (;;) {
        job *j = NULL, **pp;
        int code;

        pthread_mutex_lock(&wk->mu);
        for (;;) {
            for (pp = &wk->done; *pp != NULL; pp = &(*pp)->next) {
                if ((*pp)->seq == wk->want_seq) {
                    j = *pp;
                    *pp = j->next;
                    break;
                }
            }
            if (j != NULL || (wk->framing_done && wk->want_seq == wk->next_seq))
                break;
            pthread_cond_wait(&wk->cv, &wk->mu);
        }
        pthread_mutex_unlock(&wk->mu);
        if (j == NULL)
            return NULL;

        code = consume(wk, j);
        job_reset(j);
        pthread_mutex_lock(&wk->mu);
        if (code != EXIT_OK && !wk->stop)
            wk->stop = code;
        wk->want_seq++;
        j->next = wk->free;
        wk->free = j;
        pthread_cond_broadcast(&wk->cv);
        pthread_mutex_unlock(&wk->mu);
    }
}

/* ---- framer ----------------------------------------------------------------------------- */

/* A progress line on a terminal, for inputs large enough to wait for. */
typedef struct {
    bool on;
    uint64_t total;
    struct timespec start, last;
} progress;

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_show(progress *p, uint64_t off, uint64_t objects, bool done)
{
    struct timespec now;
    double el;
    int width = 30, fill;

    if (!p->on)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!done && since(&p->last, &now) < 0.2)
        return;
    p->last = now;
    el = since(&p->start, &now);
    fill = p->total ? (int)((double)off / (double)p->total * width) : 0;
    if (fill > width)
        fill = width;
    fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %llu objects  %.0f objects/s ", fill,
            "##############################", width - fill, "",
            p->total ? 100.0 * (double)off / (double)p->total : 0.0, (unsigned long long)objects,
            el > 0 ? (double)objects / el : 0.0);
    if (done)
        fputc('\n', stderr);
}

/* Adds one element (or a rejection message) to j. */
static kz_rc add_element(job *j, const kz_reader *r, const kz_where *w, const char *p, size_t n,
                         bool rejected)
{
    element *e = &j->el[j->n];
    kz_rc rc;

    e->off = j->raw.n;
    e->len = n;
    e->line = w->line;
    e->rejected = rejected;
    kz_reader_label(r, w, e->label, sizeof e->label);
    if ((rc = kz_buf_append(&j->raw, p, n)) != KZ_OK)
        return rc;
    j->n++;
    return KZ_OK;
}

static bool stopped(walk *wk)
{
    bool s;

    pthread_mutex_lock(&wk->mu);
    s = wk->stop != 0;
    pthread_mutex_unlock(&wk->mu);
    return s;
}

/* Frames one input into jobs. Returns EXIT_ENV when it cannot be opened or read. */
static int frame_file(walk *wk, const char *path)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    kz_reader *r = NULL;
    progress pg = {0};
    uint64_t framed = 0;
    job *j = NULL;
    struct stat st;
    int code = EXIT_OK;
    kz_err err;

    if (f == NULL) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        wk->t->env_error = true;
        return EXIT_ENV;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("%s: is a folder, expected a file", path);
        wk->t->env_error = true;
        code = EXIT_ENV;
        goto out;
    }
    if (!wk->c->quiet && isatty(STDERR_FILENO) && S_ISREG(st.st_mode) && st.st_size > (8 << 20)) {
        pg.on = true;
        pg.total = (uint64_t)st.st_size;
        clock_gettime(CLOCK_MONOTONIC, &pg.start);
        pg.last = pg.start;
    }
    if (kz_reader_new(f, path, &wk->c->lim, &r, &err) != KZ_OK) {
        cli_error("%s", err.msg);
        wk->t->env_error = true;
        code = EXIT_ENV;
        goto out;
    }
    for (;;) {
        const char *p;
        size_t n;
        kz_where w;
        kz_rc rc;

        if (j == NULL && (j = job_get(wk)) == NULL)
            break; /* told to stop */
        j->file = is_stdin ? "-" : path;
        rc = kz_reader_next_raw(r, &p, &n, &w, &err);
        if (rc == KZ_ENOTFOUND)
            break;
        if (rc == KZ_OK) {
            rc = add_element(j, r, &w, p, n, false);
        } else if (kz_reader_can_continue(r)) {
            rc = add_element(j, r, &w, err.msg, strlen(err.msg), true);
        } else {
            /* Framing is lost: report it after everything before it, and stop this input. */
            say(j, "%s\n", err.msg);
            if (rc == KZ_EIO || rc == KZ_ENOMEM)
                j->env_error = true;
            else
                j->input_error = true;
            break;
        }
        if (rc != KZ_OK) {
            say(j, "%s: out of memory\n", path);
            j->env_error = true;
            break;
        }
        framed++;
        if (j->n == JOB_OBJECTS || j->raw.n >= JOB_BYTES) {
            job_submit(wk, j);
            j = NULL;
            if (stopped(wk))
                break;
            progress_show(&pg, kz_reader_offset(r), framed, false);
        }
    }
    if (r != NULL)
        progress_show(&pg, kz_reader_offset(r), framed, true);
    if (j != NULL) {
        /* The last job of the file carries the end mark, and the messages after its objects. */
        j->end_of_file = true;
        job_submit(wk, j);
    }
out:
    kz_reader_free(r);
    if (!is_stdin)
        fclose(f);
    return code;
}

int cli_walk(cli_ctx *c, char **paths, int npaths, const cli_sink *sink, void *sink_ctx,
             cli_tally *t)
{
    walk wk = {.c = c, .sink = sink, .sink_ctx = sink_ctx, .t = t,
               .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    pthread_t workers[MAX_WORKERS], cons;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int nworkers = cores < 1 ? 1 : cores > MAX_WORKERS ? MAX_WORKERS : (int)cores, started = 0;
    bool cons_started = false;
    int code = EXIT_OK;

    wk.max_jobs = 2 * nworkers + 4;
    json_object_seed(0); /* seed jansson's hash before threads race to do it */
    for (; started < nworkers; started++) {
        if (pthread_create(&workers[started], NULL, worker, &wk) != 0)
            break;
    }
    if (started == 0 || pthread_create(&cons, NULL, consumer, &wk) != 0) {
        cli_error("cannot start threads");
        code = EXIT_ENV;
    } else {
        cons_started = true;
        for (int i = 0; i < npaths && !stopped(&wk); i++) {
            if ((code = frame_file(&wk, paths[i])) == EXIT_ENV)
                break;
        }
    }
    pthread_mutex_lock(&wk.mu);
    wk.framing_done = true;
    pthread_cond_broadcast(&wk.cv);
    pthread_mutex_unlock(&wk.mu);
    for (int i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    if (cons_started)
        pthread_join(cons, NULL);
    fflush(stdout);
    while (wk.free != NULL) {
        job *j = wk.free;
        wk.free = j->next;
        job_free(j);
    }
    if (wk.stop)
        code = wk.stop;
    return code;
}
