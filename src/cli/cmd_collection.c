/*
 * cmd_collection.c - `kizuna collection add|list` and `kizuna root add|list`: the TAXII API
 * roots and the collections in them, as the server will offer them.
 *
 * A thin caller of store.h. `collection add` prints the new collection's id alone on standard
 * output, so that scripts can take it: id=$(kizuna collection add "Intel feed").
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

/* Options shared by the four subcommands; each takes only some of them. */
typedef struct {
    const char *title;
    const char *description;
    const char *root;
    int nargs;
    char **args;
} opts_t;

/* Parses options after argv[1] (the subcommand). EXIT_OK, or an exit code (help printed). */
static int parse(const char *cmd, int argc, char **argv, opts_t *o)
{
    static const struct option opts[] = {
        {"title", required_argument, NULL, 't'},
        {"description", required_argument, NULL, 'd'},
        {"root", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    memset(o, 0, sizeof *o);
    optind = 0;
    while ((ch = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        switch (ch) {
            case 't': o->title = optarg; break;
            case 'd': o->description = optarg; break;
            case 'r': o->root = optarg; break;
            case 'h': cli_help(stdout, cmd); return -1;
            default: cli_help(stderr, cmd); return EXIT_USAGE;
        }
    }
    o->nargs = argc - 1 - optind;
    o->args = argv + 1 + optind;
    return EXIT_OK;
}

typedef struct {
    const char *name;
    bool found;
} root_find;

static kz_rc find_root(void *ctx, const kz_api_root *r)
{
    root_find *f = ctx;

    if (strcmp(r->name, f->name) == 0)
        f->found = true;
    return KZ_OK;
}

static kz_rc print_collection(void *ctx, const kz_collection *c)
{
    (void)ctx;
    printf("%s\t%s\t%s\n", c->id, c->root[0] ? c->root : KZ_ROOT_DEFAULT, c->title ? c->title : "");
    return KZ_OK;
}

static kz_rc print_root(void *ctx, const kz_api_root *r)
{
    (void)ctx;
    printf("%s\t%s\t%s\n", r->name, r->title ? r->title : "", r->description ? r->description : "");
    return KZ_OK;
}

/* True when argv[1] asks for help; prints it. */
static bool wants_help(const char *cmd, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        cli_help(stdout, cmd);
        return true;
    }
    return false;
}

int cmd_collection(cli_ctx *c, int argc, char **argv)
{
    kz_collection coll = {0};
    root_find rf = {0};
    kz_store *s = NULL;
    opts_t o;
    int code;
    kz_err err;
    kz_rc rc;

    if (wants_help("collection", argc, argv))
        return EXIT_OK;
    if (argc < 2) {
        cli_help(stderr, "collection");
        return EXIT_USAGE;
    }
    if ((code = parse("collection", argc, argv, &o)) != EXIT_OK)
        return code < 0 ? EXIT_OK : code;
    if (strcmp(argv[1], "add") == 0) {
        if (o.nargs != 1 || o.title != NULL) {
            cli_error("collection add: give one TITLE (quoted if it has spaces)");
            cli_help(stderr, "collection");
            return EXIT_USAGE;
        }
    } else if (strcmp(argv[1], "list") == 0) {
        if (o.nargs != 0 || o.title || o.description || o.root) {
            cli_error("collection list: takes no arguments");
            cli_help(stderr, "collection");
            return EXIT_USAGE;
        }
    } else {
        cli_error("collection: no subcommand \"%s\" (add, list)", argv[1]);
        cli_help(stderr, "collection");
        return EXIT_USAGE;
    }
    if ((s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if (strcmp(argv[1], "list") == 0) {
        if ((rc = kz_store_collections(s, print_collection, NULL, &err)) != KZ_OK)
            goto fail;
        code = EXIT_OK;
        goto out;
    }
    rf.name = o.root ? o.root : KZ_ROOT_DEFAULT;
    if ((rc = kz_store_roots(s, find_root, &rf, &err)) != KZ_OK)
        goto fail;
    if (!rf.found) {
        cli_error("API root \"%s\" does not exist; add it with `kizuna root add %s`", rf.name,
                  rf.name);
        code = EXIT_INPUT;
        goto out;
    }
    if ((rc = kz_store_collection_add(s, rf.name, o.args[0], o.description, &coll, &err)) != KZ_OK)
        goto fail;
    printf("%s\n", coll.id);
    code = EXIT_OK;
    goto out;
fail:
    cli_error("collection %s: %s", argv[1], err.msg);
    code = cli_exit_for(rc);
out:
    kz_collection_clear(&coll);
    kz_store_free(s);
    return code;
}

int cmd_root(cli_ctx *c, int argc, char **argv)
{
    kz_store *s = NULL;
    opts_t o;
    int code;
    kz_err err;
    kz_rc rc;

    if (wants_help("root", argc, argv))
        return EXIT_OK;
    if (argc < 2) {
        cli_help(stderr, "root");
        return EXIT_USAGE;
    }
    if ((code = parse("root", argc, argv, &o)) != EXIT_OK)
        return code < 0 ? EXIT_OK : code;
    if (strcmp(argv[1], "add") == 0) {
        if (o.nargs != 1 || o.root != NULL) {
            cli_error("root add: give one NAME (the URL path segment, e.g. \"intel\")");
            cli_help(stderr, "root");
            return EXIT_USAGE;
        }
    } else if (strcmp(argv[1], "list") == 0) {
        if (o.nargs != 0 || o.title || o.description || o.root) {
            cli_error("root list: takes no arguments");
            cli_help(stderr, "root");
            return EXIT_USAGE;
        }
    } else {
        cli_error("root: no subcommand \"%s\" (add, list)", argv[1]);
        cli_help(stderr, "root");
        return EXIT_USAGE;
    }
    if ((s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if (strcmp(argv[1], "list") == 0)
        rc = kz_store_roots(s, print_root, NULL, &err);
    else
        rc = kz_store_root_add(s, o.args[0], o.title, o.description, &err);
    if (rc == KZ_ECONFLICT) {
        cli_error("API root \"%s\" exists; `kizuna root list` shows the roots", o.args[0]);
        code = EXIT_INPUT;
    } else if (rc != KZ_OK) {
        cli_error("root %s: %s", argv[1], err.msg);
        code = cli_exit_for(rc);
    } else {
        if (strcmp(argv[1], "add") == 0)
            printf("%s\n", o.args[0]);
        code = EXIT_OK;
    }
    kz_store_free(s);
    return code;
}
