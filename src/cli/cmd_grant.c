/*
 * cmd_grant.c - `kizuna grant USER COLLECTION RIGHTS`, `kizuna revoke USER COLLECTION [RIGHTS]`
 * and `kizuna grant list [USER]`: who may read and write which collection on the TAXII server.
 *
 * A thin caller of store.h. Rights add up: granting write to a reader makes a reader and writer;
 * revoking takes away the rights named (all of them when none is named). COLLECTION is an id or
 * a title, as everywhere else.
 */
#include <string.h>

#include "cli.h"

/* Parses "read", "write", "read,write" or "write,read". False when it is none of them. */
static bool parse_rights(const char *s, bool *r, bool *w)
{
    *r = *w = false;
    if (strcmp(s, "read") == 0)
        *r = true;
    else if (strcmp(s, "write") == 0)
        *w = true;
    else if (strcmp(s, "read,write") == 0 || strcmp(s, "write,read") == 0)
        *r = *w = true;
    else
        return false;
    return true;
}

static const char *rights_str(bool r, bool w)
{
    return r && w ? "read,write" : r ? "read" : w ? "write" : "none";
}

static kz_rc print_grant(void *ctx, const char *user, const kz_collection *c, bool r, bool w)
{
    (void)ctx;
    printf("%s\t%s\t%s\t%s\n", user, c->id, c->title ? c->title : "", rights_str(r, w));
    return KZ_OK;
}

/*
 * Checks that the user exists and finds the collection. EXIT_OK with *coll filled (the caller
 * clears it), else an exit code with the reason printed.
 */
static int resolve(kz_store *s, const char *cmd, const char *user, const char *name,
                   kz_collection *coll)
{
    char hash[KZ_PWHASH_MAX];
    kz_err err;
    kz_rc rc;

    rc = kz_store_user_get(s, user, hash, &err);
    explicit_bzero(hash, sizeof hash);
    if (rc == KZ_ENOTFOUND) {
        cli_error("user \"%s\" does not exist; add it with `kizuna user add %s`", user, user);
        return EXIT_INPUT;
    }
    if (rc != KZ_OK) {
        cli_error("%s: %s", cmd, err.msg);
        return cli_exit_for(rc);
    }
    rc = kz_store_collection(s, name, false, coll, &err);
    if (rc == KZ_ENOTFOUND) {
        cli_error("collection \"%s\" does not exist; `kizuna collection list` shows the "
                  "collections, `kizuna collection add TITLE` makes one",
                  name);
        return EXIT_INPUT;
    }
    if (rc != KZ_OK) {
        cli_error("%s: %s", cmd, err.msg);
        return cli_exit_for(rc);
    }
    return EXIT_OK;
}

/* grant (add == true) or revoke the rights r, w of user on collection name. */
static int change(cli_ctx *c, const char *cmd, const char *user, const char *name, bool r, bool w,
                  bool add)
{
    kz_collection coll = {0};
    kz_store *s = NULL;
    bool cur_r = false, cur_w = false;
    int code;
    kz_err err;
    kz_rc rc;

    if ((s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if ((code = resolve(s, cmd, user, name, &coll)) != EXIT_OK)
        goto out;
    if ((rc = kz_store_rights(s, user, coll.key, &cur_r, &cur_w, &err)) != KZ_OK)
        goto fail;
    if (add) {
        cur_r = cur_r || r;
        cur_w = cur_w || w;
    } else {
        cur_r = cur_r && !r;
        cur_w = cur_w && !w;
    }
    if ((rc = kz_store_grant(s, user, coll.key, cur_r, cur_w, &err)) != KZ_OK)
        goto fail;
    printf("%s\t%s\t%s\t%s\n", user, coll.id, coll.title ? coll.title : "",
           rights_str(cur_r, cur_w));
    code = EXIT_OK;
    goto out;
fail:
    cli_error("%s: %s", cmd, err.msg);
    code = cli_exit_for(rc);
out:
    kz_collection_clear(&coll);
    kz_store_free(s);
    return code;
}

/* grant list [USER]. */
static int list(cli_ctx *c, const char *user)
{
    kz_store *s;
    int code = EXIT_OK;
    char hash[KZ_PWHASH_MAX];
    kz_err err;
    kz_rc rc;

    if ((s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if (user != NULL) {
        rc = kz_store_user_get(s, user, hash, &err);
        explicit_bzero(hash, sizeof hash);
        if (rc == KZ_ENOTFOUND) {
            cli_error("user \"%s\" does not exist; `kizuna user list` shows the users", user);
            code = EXIT_INPUT;
            goto out;
        }
        if (rc != KZ_OK)
            goto fail;
    }
    if ((rc = kz_store_grants(s, user, print_grant, NULL, &err)) == KZ_OK)
        goto out;
fail:
    cli_error("grant list: %s", err.msg);
    code = cli_exit_for(rc);
out:
    kz_store_free(s);
    return code;
}

static bool help_asked(const char *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cli_help(stdout, cmd);
            return true;
        }
    }
    return false;
}

int cmd_grant(cli_ctx *c, int argc, char **argv)
{
    bool r, w;

    if (help_asked("grant", argc, argv))
        return EXIT_OK;
    /* "list" with at most one more word is the listing; a user named list can still be given
     * rights, since that form has three words. */
    if (argc >= 2 && argc <= 3 && strcmp(argv[1], "list") == 0)
        return list(c, argc == 3 ? argv[2] : NULL);
    if (argc != 4) {
        cli_error("grant: expected USER COLLECTION read|write|read,write");
        cli_help(stderr, "grant");
        return EXIT_USAGE;
    }
    if (!parse_rights(argv[3], &r, &w)) {
        cli_error("grant: \"%s\" is not a right (expected read, write or read,write)", argv[3]);
        cli_help(stderr, "grant");
        return EXIT_USAGE;
    }
    return change(c, "grant", argv[1], argv[2], r, w, true);
}

int cmd_revoke(cli_ctx *c, int argc, char **argv)
{
    bool r = true, w = true;

    if (help_asked("revoke", argc, argv))
        return EXIT_OK;
    if (argc != 3 && argc != 4) {
        cli_error("revoke: expected USER COLLECTION [read|write|read,write]");
        cli_help(stderr, "revoke");
        return EXIT_USAGE;
    }
    if (argc == 4 && !parse_rights(argv[3], &r, &w)) {
        cli_error("revoke: \"%s\" is not a right (expected read, write or read,write)", argv[3]);
        cli_help(stderr, "revoke");
        return EXIT_USAGE;
    }
    return change(c, "revoke", argv[1], argv[2], r, w, false);
}
