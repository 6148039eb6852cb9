/*
 * cmd_export.c - `kizuna export`: writes a STIX bundle of the stored objects (latest versions, or
 * all) to standard output, streaming each object's stored text without re-encoding it.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

typedef struct {
    FILE *out;
    uint64_t n;
} export_ctx;

static kz_rc emit(void *ctx, const kz_row *row)
{
    export_ctx *e = ctx;

    if (e->n++ > 0)
        fputc(',', e->out);
    fputc('\n', e->out);
    if (fwrite(row->text.p, 1, row->text.n, e->out) != row->text.n)
        return KZ_EIO;
    return KZ_OK;
}

int cmd_export(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"collection", required_argument, NULL, 'c'},
        {"type", required_argument, NULL, 't'},
        {"added-after", required_argument, NULL, 'a'},
        {"all-versions", no_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *coll_name = NULL;
    kz_collection coll = {0};
    kz_query q = {0};
    export_ctx e = {stdout, 0};
    char bundle_id[KZ_UUID_STR];
    kz_store *s = NULL;
    int o, code = EXIT_OK;
    kz_err err;
    kz_rc rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "c:t:a:Ah", opts, NULL)) != -1) {
        switch (o) {
            case 'c': coll_name = optarg; break;
            case 't': q.type = optarg; break;
            case 'a': q.added_after = optarg; break;
            case 'A': q.all_versions = true; break;
            case 'h': cli_help(stdout, "export"); return EXIT_OK;
            default: cli_help(stderr, "export"); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("export: unexpected argument \"%s\"", argv[optind]);
        return EXIT_USAGE;
    }
    if (q.added_after != NULL) {
        kz_time t;
        if (kz_time_parse(kz_sv_c(q.added_after), &t, &err) != KZ_OK) {
            cli_error("export: --added-after: %s", err.msg);
            return EXIT_USAGE;
        }
    }
    if ((s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if (coll_name != NULL) {
        if ((rc = kz_store_collection(s, coll_name, false, &coll, &err)) != KZ_OK) {
            cli_error("export: --collection %s: %s", coll_name,
                      rc == KZ_ENOTFOUND ? "no such collection" : err.msg);
            code = rc == KZ_ENOTFOUND ? EXIT_USAGE : cli_exit_for(rc);
            goto out;
        }
        q.coll = coll.key;
    }
    if (kz_uuid4(bundle_id) != KZ_OK) {
        cli_error("export: no randomness for the bundle id");
        code = EXIT_ENV;
        goto out;
    }
    printf("{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", bundle_id);
    if ((rc = kz_store_query(s, &q, emit, &e, &err)) != KZ_OK) {
        cli_error("export: %s", rc == KZ_EIO ? "cannot write to standard output" : err.msg);
        code = cli_exit_for(rc);
        goto out;
    }
    printf("\n]}\n");
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("export: cannot write to standard output");
        code = EXIT_ENV;
    }
out:
    kz_collection_clear(&coll);
    kz_store_free(s);
    return code;
}
