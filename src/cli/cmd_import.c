/*
 * cmd_import.c - `kizuna import [--collection NAME|ID] FILE...`: validates and stores every
 * object version.
 *
 * cli_walk parses and validates on every core and hands valid objects over in input order on one
 * thread, where they are stored. Each COMMIT_EVERY objects, and each file's end, is a commit: an
 * interrupted import keeps every commit it made and never leaves part of an object. Rejected
 * objects never stop the others.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

#define COMMIT_EVERY 50000 /* objects per transaction */

typedef struct {
    kz_store *s;
    int64_t coll;
    bool in_batch;
    size_t since_commit;
    uint64_t new_objects, new_versions, unchanged, conflicts;
} import_ctx;

static int begin(import_ctx *ic)
{
    kz_err err;
    kz_rc rc;

    if ((rc = kz_store_begin(ic->s, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        return cli_exit_for(rc);
    }
    ic->in_batch = true;
    return EXIT_OK;
}

static int commit(import_ctx *ic)
{
    kz_err err;
    kz_rc rc;

    ic->since_commit = 0;
    if (!ic->in_batch)
        return EXIT_OK;
    ic->in_batch = false;
    if ((rc = kz_store_commit(ic->s, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        return cli_exit_for(rc);
    }
    return EXIT_OK;
}

static int store_object(void *ctx, const cli_obj *o)
{
    import_ctx *ic = ctx;
    kz_put_result res;
    kz_put p = {o->id, o->type, o->version, o->spec_version, o->text, NULL};
    kz_err err;
    kz_rc rc;
    int code;

    if (!ic->in_batch && (code = begin(ic)) != EXIT_OK)
        return code;
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
            printf("%s: %s (%.*s): conflict: version %.*s is already stored with a different "
                   "content; the stored one is kept\n",
                   o->file, o->label, (int)o->id.n, o->id.p, o->version.n ? (int)o->version.n : 13,
                   o->version.n ? o->version.p : "(unversioned)");
            break;
    }
    if (++ic->since_commit >= COMMIT_EVERY)
        return commit(ic);
    return EXIT_OK;
}

static int end_of_file(void *ctx, const char *file)
{
    (void)file;
    return commit(ctx);
}

int cmd_import(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"collection", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const cli_sink sink = {store_object, end_of_file};
    import_ctx ic = {0};
    const char *coll_name = NULL;
    kz_collection coll = {0};
    cli_tally t = {0};
    int o, code = EXIT_OK;
    kz_err err;
    kz_rc rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "c:qh", opts, NULL)) != -1) {
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
    code = cli_walk(c, argv + optind, argc - optind, &sink, &ic, &t);
    /* Objects read before a broken part of an input are complete and valid: keep them. */
    if (code == EXIT_OK || code == EXIT_INPUT)
        code = commit(&ic);
    else
        kz_store_rollback(ic.s);
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
    kz_collection_clear(&coll);
    kz_store_free(ic.s);
    return code;
}
