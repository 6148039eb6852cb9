/*
 * cmd_import.c - `kizuna import [--collection NAME|ID] FILE...`: validates and stores every
 * object version.
 *
 * Two stages on two threads, because parsing and validating cost about as much as storing: the
 * calling thread reads, parses and validates (cli_walk) and fills batches; a writer thread takes
 * whole batches and stores them, committing every COMMIT_EVERY objects and at the end of each
 * file. So an interrupted import keeps every commit it made and never leaves part of an object.
 * Rejected objects never stop the others.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define COMMIT_EVERY 5000 /* objects per transaction */
#define BATCH_OBJECTS 512 /* objects handed from reader to writer at once */
#define IN_FLIGHT 4       /* batches queued between the two: bounds memory */

typedef struct {
    size_t off, len; /* text in the batch's arena */
    json_t *obj;     /* owned by the batch until stored */
    char version[KZ_STIX_VERSION_MAX];
    char label[40];
} item;

typedef struct batch {
    item items[BATCH_OBJECTS];
    size_t n;
    kz_buf arena;      /* the objects' texts, back to back */
    const char *file;  /* argv string: lives as long as the command */
    bool commit;       /* commit after this batch (end of a file) */
    struct batch *next;
} batch;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *head, *tail; /* full batches, oldest first */
    batch *free;        /* empty batches to reuse */
    int queued, allocated;
    int failed;         /* exit code of a writer failure, 0 while fine */
    bool done;          /* the reader has pushed its last batch */

    batch *cur;         /* being filled by the reader */
    kz_store *s;
    int64_t coll;
    size_t since_commit;
    uint64_t new_objects, new_versions, unchanged, conflicts;
} import_ctx;

static void batch_clear(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        json_decref(b->items[i].obj);
    b->n = 0;
    kz_buf_reset(&b->arena);
    b->commit = false;
    b->next = NULL;
}

/* Takes an empty batch, waiting while IN_FLIGHT are queued. NULL if the writer failed. */
static batch *batch_get(import_ctx *ic)
{
    batch *b = NULL;

    pthread_mutex_lock(&ic->mu);
    while (!ic->failed && ic->free == NULL && ic->allocated >= IN_FLIGHT + 1)
        pthread_cond_wait(&ic->cv, &ic->mu);
    if (!ic->failed) {
        if (ic->free != NULL) {
            b = ic->free;
            ic->free = b->next;
            b->next = NULL;
        } else if ((b = calloc(1, sizeof *b)) != NULL) {
            kz_buf_init(&b->arena, 0);
            ic->allocated++;
        } else {
            ic->failed = EXIT_ENV;
        }
    }
    pthread_mutex_unlock(&ic->mu);
    return b;
}

static void batch_push(import_ctx *ic, batch *b)
{
    pthread_mutex_lock(&ic->mu);
    if (ic->tail)
        ic->tail->next = b;
    else
        ic->head = b;
    ic->tail = b;
    ic->queued++;
    pthread_cond_broadcast(&ic->cv);
    pthread_mutex_unlock(&ic->mu);
}

static int writer_fail(import_ctx *ic, int code)
{
    pthread_mutex_lock(&ic->mu);
    if (!ic->failed)
        ic->failed = code;
    pthread_cond_broadcast(&ic->cv);
    pthread_mutex_unlock(&ic->mu);
    return code;
}

static int store_item(import_ctx *ic, const batch *b, const item *it)
{
    json_t *sv = json_object_get(it->obj, "spec_version");
    kz_put_result res;
    kz_put p;
    kz_err err;
    kz_rc rc;

    p.id = kz_sv_c(json_string_value(json_object_get(it->obj, "id")));
    p.type = kz_sv_c(json_string_value(json_object_get(it->obj, "type")));
    p.version = kz_sv_c(it->version);
    p.spec_version = kz_sv_c(json_is_string(sv) ? json_string_value(sv) : "2.1");
    p.text = (kz_sv){b->arena.p + it->off, it->len};
    p.obj = it->obj;
    if ((rc = kz_store_put(ic->s, ic->coll, &p, &res, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        return cli_exit_for(rc);
    }
    switch (res) {
        case KZ_PUT_NEW_OBJECT: ic->new_objects++; break;
        case KZ_PUT_NEW_VERSION: ic->new_versions++; break;
        case KZ_PUT_UNCHANGED: ic->unchanged++; break;
        case KZ_PUT_CONFLICT:
            ic->conflicts++;
            printf("%s: %s (%.*s): conflict: version %s is already stored with a different "
                   "content; the stored one is kept\n",
                   b->file, it->label, (int)p.id.n, p.id.p,
                   it->version[0] ? it->version : "(unversioned)");
            break;
    }
    return EXIT_OK;
}

static int commit(import_ctx *ic, bool again)
{
    kz_err err;
    kz_rc rc;

    ic->since_commit = 0;
    if ((rc = kz_store_commit(ic->s, &err)) != KZ_OK ||
        (again && (rc = kz_store_begin(ic->s, &err)) != KZ_OK)) {
        cli_error("%s", err.msg);
        return cli_exit_for(rc);
    }
    return EXIT_OK;
}

static void *writer(void *arg)
{
    import_ctx *ic = arg;
    kz_err err;
    kz_rc rc;
    int code = EXIT_OK;

    if ((rc = kz_store_begin(ic->s, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        writer_fail(ic, cli_exit_for(rc));
    }
    for (;;) {
        batch *b;

        pthread_mutex_lock(&ic->mu);
        while (ic->head == NULL && !ic->done)
            pthread_cond_wait(&ic->cv, &ic->mu);
        if ((b = ic->head) == NULL) {
            pthread_mutex_unlock(&ic->mu);
            break;
        }
        ic->head = b->next;
        if (ic->head == NULL)
            ic->tail = NULL;
        ic->queued--;
        code = ic->failed;
        pthread_mutex_unlock(&ic->mu);

        for (size_t i = 0; i < b->n && code == EXIT_OK; i++) {
            if ((code = store_item(ic, b, &b->items[i])) != EXIT_OK)
                break;
            if (++ic->since_commit >= COMMIT_EVERY)
                code = commit(ic, true);
        }
        if (code == EXIT_OK && b->commit)
            code = commit(ic, true);
        if (code != EXIT_OK)
            writer_fail(ic, code);

        batch_clear(b);
        pthread_mutex_lock(&ic->mu);
        b->next = ic->free;
        ic->free = b;
        pthread_cond_broadcast(&ic->cv);
        pthread_mutex_unlock(&ic->mu);
    }
    if (ic->failed || commit(ic, false) != EXIT_OK)
        kz_store_rollback(ic->s);
    return NULL;
}

/* Reader side: one valid object into the current batch. */
static int enqueue(void *ctx, const cli_obj *o)
{
    import_ctx *ic = ctx;
    item *it;
    batch *b;

    if (ic->cur == NULL && (ic->cur = batch_get(ic)) == NULL)
        return ic->failed ? ic->failed : EXIT_ENV;
    b = ic->cur;
    b->file = o->file;
    it = &b->items[b->n];
    if (kz_stix_version(o->obj, it->version) != KZ_OK) {
        printf("%s: %s (%s): modified/created cannot be read as a version\n", o->file, o->label,
               o->id ? o->id : "?");
        return EXIT_OK; /* the validator accepted it, so this cannot happen; reported anyway */
    }
    it->off = b->arena.n;
    it->len = o->len;
    if (kz_buf_append(&b->arena, o->text, o->len) != KZ_OK) {
        cli_error("out of memory");
        return EXIT_ENV;
    }
    snprintf(it->label, sizeof it->label, "%s", o->label);
    it->obj = json_incref(o->obj);
    if (++b->n == BATCH_OBJECTS) {
        batch_push(ic, b);
        ic->cur = NULL;
    }
    return EXIT_OK;
}

/* End of a file: the writer commits after the current batch. */
static void end_of_file(import_ctx *ic)
{
    if (ic->cur == NULL && (ic->cur = batch_get(ic)) == NULL)
        return; /* the writer failed: nothing more will be stored */
    ic->cur->commit = true;
    batch_push(ic, ic->cur);
    ic->cur = NULL;
}

/* No more input: hands over what is left and lets the writer finish. */
static void end_of_input(import_ctx *ic)
{
    if (ic->cur != NULL) {
        ic->cur->commit = true;
        batch_push(ic, ic->cur);
        ic->cur = NULL;
    }
    pthread_mutex_lock(&ic->mu);
    ic->done = true;
    pthread_cond_broadcast(&ic->cv);
    pthread_mutex_unlock(&ic->mu);
}

int cmd_import(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"collection", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    import_ctx ic = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    const char *coll_name = NULL;
    kz_collection coll = {0};
    cli_tally t = {0};
    pthread_t th;
    int o, code = EXIT_OK;
    kz_err err;
    kz_rc rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "+c:qh", opts, NULL)) != -1) {
        switch (o) {
            case 'c': coll_name = optarg; break;
            case 'q': c->quiet = true; break;
            case 'h': cli_help(stdout, "import"); return EXIT_OK;
            default: cli_help(stderr, "import"); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("import: no input: give one or more files, or - for standard input");
        return EXIT_USAGE;
    }
    if ((ic.s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if ((rc = kz_store_collection(ic.s, coll_name, true, &coll, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        code = cli_exit_for(rc);
        goto out;
    }
    ic.coll = coll.key;
    if (pthread_create(&th, NULL, writer, &ic) != 0) {
        cli_error("import: cannot start the writer thread");
        code = EXIT_ENV;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        code = cli_walk(c, argv[i], enqueue, &ic, &t);
        if (code != EXIT_OK && code != EXIT_INPUT)
            break;
        /* Objects read before a broken part of an input are complete and valid: keep them. */
        code = EXIT_OK;
        end_of_file(&ic);
    }
    end_of_input(&ic);
    pthread_join(th, NULL);
    if (ic.failed)
        code = ic.failed;
    fflush(stdout);
    printf("%llu objects read: %llu new objects, %llu new versions, %llu unchanged, "
           "%llu rejected (%llu invalid, %llu conflicts) into collection %s (%s)\n",
           (unsigned long long)t.read, (unsigned long long)ic.new_objects,
           (unsigned long long)ic.new_versions, (unsigned long long)ic.unchanged,
           (unsigned long long)(t.invalid + ic.conflicts), (unsigned long long)t.invalid,
           (unsigned long long)ic.conflicts, coll.title ? coll.title : "?", coll.id);
    if (code == EXIT_OK && t.env_error)
        code = EXIT_ENV;
    if (code == EXIT_OK && (t.invalid || ic.conflicts || t.input_error))
        code = EXIT_INPUT;
out:
    while (ic.free != NULL) {
        batch *b = ic.free;
        ic.free = b->next;
        batch_clear(b);
        kz_buf_free(&b->arena);
        free(b);
    }
    kz_collection_clear(&coll);
    kz_store_free(ic.s);
    return code;
}
