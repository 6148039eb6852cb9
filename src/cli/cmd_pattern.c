/*
 * cmd_pattern.c - `kizuna pattern match [--stix-version 2.0|2.1] PATTERN FILE`: evaluates a STIX
 * pattern over the observed-data in FILE and prints the ids of the observed-data objects of the
 * first binding that satisfies it. Follows grep: exit 0 when it matches, 1 when it does not, 2
 * when the pattern is invalid, cannot be evaluated, or the input cannot be read.
 *
 * FILE is a bundle, a JSON array (of objects or of bundles) or JSON lines; all of it is held in
 * memory, since a pattern may relate any observation to any other.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "kizuna/pattern_eval.h"

enum { MATCH = 0, NO_MATCH = 1, TROUBLE = 2 };

/* Appends obj, or the objects of obj if it is a bundle, to all. */
static int collect(json_t *all, json_t *obj, const char *file, const char *label, int want)
{
    const char *type = json_string_value(json_object_get(obj, "type"));
    size_t i;
    json_t *o;

    if (type != NULL && strcmp(type, "bundle") == 0) {
        json_t *objs = json_object_get(obj, "objects");
        if (!json_is_array(objs)) {
            cli_error("%s: %s: a bundle without an \"objects\" array", file, label);
            return TROUBLE;
        }
        json_array_foreach(objs, i, o) {
            char sub[64];
            int rc;
            snprintf(sub, sizeof sub, "%s.objects[%zu]", label, i);
            if ((rc = collect(all, o, file, sub, want)) != MATCH)
                return rc;
        }
        return MATCH;
    }
    if (type != NULL && strcmp(type, "observed-data") == 0 && want != 0) {
        bool v20 = json_object_get(obj, "objects") != NULL;
        if ((want == 20) != v20) {
            cli_error("%s: %s: observed-data in STIX %s form, but --stix-version %s was given",
                      file, label, v20 ? "2.0 (embedded objects)" : "2.1 (object_refs)",
                      want == 20 ? "2.0" : "2.1");
            return TROUBLE;
        }
    }
    return json_array_append(all, obj) == 0 ? MATCH : TROUBLE;
}

/* Reads every object of path into all. */
static int read_all(cli_ctx *c, const char *path, json_t *all, int want)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    kz_reader *r = NULL;
    int code = MATCH;
    kz_err err;

    if (f == NULL) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return TROUBLE;
    }
    if (kz_reader_new(f, path, &c->lim, &r, &err) != KZ_OK) {
        cli_error("%s", err.msg);
        code = TROUBLE;
        goto out;
    }
    for (;;) {
        const char *text;
        size_t len;
        json_t *obj;
        kz_where w;
        char label[48];
        kz_rc rc = kz_reader_next(r, &text, &len, &obj, &w, &err);

        if (rc == KZ_ENOTFOUND)
            break;
        if (rc != KZ_OK) {
            cli_error("%s", err.msg);
            code = TROUBLE;
            break;
        }
        kz_reader_label(r, &w, label, sizeof label);
        code = collect(all, obj, path, label, want);
        json_decref(obj);
        if (code != MATCH)
            break;
    }
out:
    kz_reader_free(r);
    if (!is_stdin)
        fclose(f);
    return code;
}

static int pattern_match(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"stix-version", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    kz_eval_result res = {0};
    kz_pattern *p = NULL;
    kz_obs_set *set = NULL;
    json_t *all = NULL;
    int o, want = 0, code = TROUBLE;
    kz_err err;

    optind = 0;
    while ((o = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        switch (o) {
            case 's':
                if (strcmp(optarg, "2.0") == 0)
                    want = 20;
                else if (strcmp(optarg, "2.1") == 0)
                    want = 21;
                else {
                    cli_error("pattern match: --stix-version must be 2.0 or 2.1, not \"%s\"",
                              optarg);
                    return TROUBLE;
                }
                break;
            case 'h': cli_help(stdout, "pattern"); return EXIT_OK;
            default: cli_help(stderr, "pattern"); return TROUBLE;
        }
    }
    if (argc - optind != 2) {
        cli_error("pattern match: expected PATTERN FILE (FILE may be - for standard input)");
        return TROUBLE;
    }
    if (kz_pattern_parse(kz_sv_c(argv[optind]), &c->lim, &p, &err) != KZ_OK) {
        cli_error("pattern: %s", err.msg);
        goto out;
    }
    if ((all = json_array()) == NULL || (set = kz_obs_set_new()) == NULL) {
        cli_error("out of memory");
        goto out;
    }
    if (read_all(c, argv[optind + 1], all, want) != MATCH)
        goto out;
    if (kz_obs_set_add_bundle(set, all, &err) != KZ_OK) {
        cli_error("%s: %s", argv[optind + 1], err.msg);
        goto out;
    }
    if (kz_pattern_eval(p, set, &res, &err) != KZ_OK) {
        cli_error("cannot evaluate the pattern: %s", err.msg);
        goto out;
    }
    for (size_t i = 0; res.matched && i < res.nobs; i++)
        printf("%s\n", kz_obs_set_id(set, res.obs[i]));
    code = res.matched ? MATCH : NO_MATCH;
out:
    kz_eval_result_free(&res);
    kz_obs_set_free(set);
    json_decref(all);
    kz_pattern_free(p);
    return code;
}

int cmd_pattern(cli_ctx *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "match") == 0)
        return pattern_match(c, argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cli_help(stdout, "pattern");
        return EXIT_OK;
    }
    cli_error("pattern: expected `pattern match PATTERN FILE`; `kizuna help pattern` says more");
    return TROUBLE;
}
