/*
 * cmd_import.c - `kizuna import [--collection NAME|ID] FILE...`: validates and stores every
 * object version. Objects are committed in batches, so an interrupted import keeps every batch
 * that was committed and never leaves part of an object. Rejected objects never stop the others.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

#define BATCH 5000

typedef struct {
    kz_store *s;
    int64_t coll;
    size_t in_batch;
    uint64_t new_objects, new_versions, unchanged, conflicts;
} import_ctx;

static int put_one(void *ctx, const cli_obj *o)
{
    import_ctx *ic = ctx;
    char ver[KZ_STIX_VERSION_MAX];
    json_t *sv = json_object_get(o->obj, "spec_version");
    kz_put_result res;
    kz_put p;
    kz_err err;
    kz_rc rc;

    if ((rc = kz_stix_version(o->obj, ver)) != KZ_OK) {
        printf("%s: %s (%s): cannot read the version timestamps\n", o->file, o->label,
               o->id ? o->id : "?");
        return EXIT_INPUT;
    }
    p.id = kz_sv_c(o->id);
    p.type = kz_sv_c(json_string_value(json_object_get(o->obj, "type")));
    p.version = kz_sv_c(ver);
    p.spec_version = kz_sv_c(json_is_string(sv) ? json_string_value(sv) : "2.1");
    p.text = (kz_sv){o->text, o->len};
    p.obj = o->obj;
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
            printf("%s: %s (%s): conflict: version %s is already stored with a different "
                   "content; the stored one is kept\n",
                   o->file, o->label, o->id, *ver ? ver : "(unversioned)");
            break;
    }
    if (++ic->in_batch >= BATCH) {
        ic->in_batch = 0;
        if ((rc = kz_store_commit(ic->s, &err)) != KZ_OK ||
            (rc = kz_store_begin(ic->s, &err)) != KZ_OK) {
            cli_error("%s", err.msg);
            return cli_exit_for(rc);
        }
    }
    return EXIT_OK;
}

int cmd_import(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"collection", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    import_ctx ic = {0};
    const char *coll_name = NULL;
    kz_collection coll = {0};
    cli_tally t = {0};
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
    for (int i = optind; i < argc && code == EXIT_OK; i++) {
        if ((rc = kz_store_begin(ic.s, &err)) != KZ_OK) {
            cli_error("%s", err.msg);
            code = cli_exit_for(rc);
            break;
        }
        code = cli_walk(c, argv[i], put_one, &ic, &t);
        if (code != EXIT_OK && code != EXIT_INPUT) {
            kz_store_rollback(ic.s);
            break;
        }
        /* Objects read before a broken part of the input are complete and valid: keep them. */
        if ((rc = kz_store_commit(ic.s, &err)) != KZ_OK) {
            cli_error("%s", err.msg);
            code = cli_exit_for(rc);
            break;
        }
        ic.in_batch = 0;
        code = EXIT_OK;
    }
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
