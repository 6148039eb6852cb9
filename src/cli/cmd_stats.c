/*
 * cmd_stats.c - `kizuna stats`: what the store holds, in total and per type.
 */
#include <getopt.h>

#include "cli.h"

static kz_rc per_type(void *ctx, const char *type, int64_t objects, int64_t versions)
{
    (void)ctx;
    printf("  %-32s %10lld objects %10lld versions\n", type, (long long)objects,
           (long long)versions);
    return KZ_OK;
}

static kz_rc per_coll(void *ctx, const kz_collection *c)
{
    (void)ctx;
    printf("  %s  %s\n", c->id, c->title ? c->title : "");
    return KZ_OK;
}

int cmd_stats(cli_ctx *c, int argc, char **argv)
{
    kz_store *s;
    kz_stats st;
    kz_err err;
    kz_rc rc;

    if (argc > 1) {
        if (argv[1][0] == '-' && (argv[1][1] == 'h' || argv[1][1] == '-')) {
            cli_help(stdout, "stats");
            return EXIT_OK;
        }
        cli_error("stats: unexpected argument \"%s\"", argv[1]);
        return EXIT_USAGE;
    }
    if ((s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    printf("store %s\n", c->db);
    printf("collections:\n");
    if ((rc = kz_store_collections(s, per_coll, NULL, &err)) != KZ_OK)
        goto fail;
    printf("types:\n");
    if ((rc = kz_store_stats(s, &st, per_type, NULL, &err)) != KZ_OK)
        goto fail;
    printf("total: %lld collections, %lld objects, %lld versions, %lld bytes of JSON\n",
           (long long)st.collections, (long long)st.objects, (long long)st.versions,
           (long long)st.bytes);
    kz_store_free(s);
    return EXIT_OK;
fail:
    cli_error("stats: %s", err.msg);
    kz_store_free(s);
    return cli_exit_for(rc);
}
