/*
 * walk.c - the loop every input command shares: read objects with the streaming reader, validate
 * each, print one line per problem ("file: objects[12] (indicator--...): created: ..."), and hand
 * valid objects to the command. A rejected object never stops the others; only an input whose
 * framing is broken stops early, and that is reported too.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("kizuna: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
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
    kz_rc rc;

    if ((rc = kz_store_open(c->db, &s, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        return NULL;
    }
    return s;
}

typedef struct {
    cli_ctx *c;
    const char *file;
    const char *label;
    const char *id;
    cli_tally *t;
} report_ctx;

static void report(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    report_ctx *r = ctx;
    const char *kind = "";

    if (sev == KZ_STIX_WARNING) {
        r->t->warnings++;
        if (r->c->quiet)
            return;
        kind = "warning: ";
    } else if (sev == KZ_STIX_NOTE) {
        if (!r->c->verbose)
            return;
        kind = "note: ";
    }
    /* One printf per line: the import's writer thread prints conflicts at the same time. */
    printf("%s: %s%s%.120s%s: %s%s%s%s\n", r->file, r->label, r->id ? " (" : "", r->id ? r->id : "",
           r->id ? ")" : "", kind, path && *path ? path : "", path && *path ? ": " : "", msg);
}

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

static void progress_show(progress *p, const kz_reader *r, uint64_t objects, bool done)
{
    struct timespec now;
    double el;
    uint64_t off;
    int width = 30, fill;

    if (!p->on)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!done && since(&p->last, &now) < 0.2)
        return;
    p->last = now;
    el = since(&p->start, &now);
    off = kz_reader_offset(r);
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

int cli_walk(cli_ctx *c, const char *path, int (*fn)(void *ctx, const cli_obj *o), void *ctx,
             cli_tally *t)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "-" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    kz_reader *r = NULL;
    progress pg = {0};
    int code = EXIT_OK;
    struct stat st;
    kz_err err;
    kz_rc rc;

    if (f == NULL) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        t->env_error = true;
        return EXIT_ENV;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("%s: is a folder, expected a file", path);
        t->env_error = true;
        code = EXIT_ENV;
        goto out;
    }
    if (!c->quiet && isatty(STDERR_FILENO) && S_ISREG(st.st_mode) && st.st_size > (8 << 20)) {
        pg.on = true;
        pg.total = (uint64_t)st.st_size;
        clock_gettime(CLOCK_MONOTONIC, &pg.start);
        pg.last = pg.start;
    }
    if ((rc = kz_reader_new(f, name, &c->lim, &r, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        t->env_error = true;
        code = EXIT_ENV;
        goto out;
    }
    for (;;) {
        const char *text;
        size_t len;
        json_t *obj = NULL;
        kz_where w;
        char label[48];
        report_ctx rep;
        json_t *idv;

        rc = kz_reader_next(r, &text, &len, &obj, &w, &err);
        if (rc == KZ_ENOTFOUND)
            break;
        if (rc != KZ_OK) {
            printf("%s\n", err.msg);
            if (kz_reader_can_continue(r)) {
                t->read++;
                t->invalid++;
                continue;
            }
            if (rc == KZ_EIO || rc == KZ_ENOMEM)
                t->env_error = true;
            else
                t->input_error = true;
            break;
        }
        t->read++;
        kz_reader_label(r, &w, label, sizeof label);
        idv = json_object_get(obj, "id");
        rep = (report_ctx){c, name, label, json_is_string(idv) ? json_string_value(idv) : NULL, t};
        if (kz_stix_validate(obj, &c->lim, report, &rep) > 0) {
            t->invalid++;
        } else if (fn != NULL) {
            cli_obj o = {name, label, rep.id, text, len, obj};
            code = fn(ctx, &o);
        }
        json_decref(obj);
        if (code != EXIT_OK)
            break;
        if ((t->read & 1023) == 0)
            progress_show(&pg, r, t->read, false);
    }
    if (r != NULL)
        progress_show(&pg, r, t->read, true);
out:
    kz_reader_free(r);
    if (!is_stdin)
        fclose(f);
    return code;
}
