/*
 * cmd_vuln_match.c - `kizuna vuln match [--format text|json|csaf-vex] [--lang en|ja]
 * [--catalogue FILE] INVENTORY`: which devices of an inventory (CycloneDX, SPDX or CSV; "-" for
 * standard input) the knowledge base says are vulnerable, how badly, and what to do.
 *
 * The EN 303 645 catalogue comes from --catalogue, else $KIZUNA_DATA/catalogue/en303645.json,
 * else ./data/catalogue/en303645.json, else the data folder of the source tree the binary was
 * built from (KZ_DATA_DIR); without one the report simply has no provisions, with a warning.
 *
 * Exit codes: 0 nothing is affected or possibly affected, 1 at least one finding, 2 usage (a
 * bad option, or an inventory in no format kizuna reads), 3 a file or the store failed.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/vuln.h"

#define INVENTORY_MAX ((size_t)256 << 20) /* bytes of one inventory */
#define CATALOGUE_REL "/catalogue/en303645.json"

/*
 * The findings of a large inventory are tens of MB of small allocations: freeing them one by one
 * takes longer than the kernel takes to reclaim them when the process ends, which it does right
 * after the command. A plain build leaves them to the exit; sanitizer builds free everything so
 * that the leak check sees a clean end.
 */
#if defined(__SANITIZE_ADDRESS__)
#define FREE_FINDINGS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FREE_FINDINGS 1
#endif
#endif
#ifndef FREE_FINDINGS
#define FREE_FINDINGS 0
#endif

static char out_buf[1 << 20]; /* standard output's buffer (static: stdout outlives the command) */

/* Reads all of f (at most max bytes) into *out (malloc'd, NUL-terminated). */
static kz_rc read_all(FILE *f, const char *name, size_t max, char **out, size_t *n, kz_err *err)
{
    size_t cap = 1 << 16, got = 0;
    char *buf = malloc(cap), *g;
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    if (buf == NULL) {
        kz_fail(err, rc, "%s: out of memory", name);
        goto out;
    }
    for (;;) {
        size_t r;
        if (got + 1 == cap) {
            if (cap > max) {
                rc = kz_fail(err, KZ_ELIMIT, "%s: more than %zu bytes", name, max);
                goto out;
            }
            if ((g = realloc(buf, 2 * cap)) == NULL) {
                kz_fail(err, rc, "%s: out of memory", name);
                goto out;
            }
            buf = g;
            cap *= 2;
        }
        r = fread(buf + got, 1, cap - 1 - got, f);
        got += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        rc = kz_fail(err, KZ_EIO, "%s: cannot read: %s", name, strerror(errno));
        goto out;
    }
    buf[got] = '\0';
    *out = buf;
    *n = got;
    buf = NULL;
    rc = KZ_OK;
out:
    free(buf);
    return rc;
}

/* The inventory's problems, as warnings on standard error. */
static void on_problem(void *ctx, const char *where, const char *msg)
{
    cli_ctx *c = ctx;

    if (!c->quiet)
        fprintf(stderr, "kizuna: warning: %s: %s\n", where, msg);
}

/* Loads the catalogue named, or the first found in the usual places; NULL (after a warning)
 * when there is none. *code is set when a named catalogue cannot be loaded. */
static kz_catalogue *load_catalogue(cli_ctx *c, const char *named, int *code)
{
    const char *data = getenv("KIZUNA_DATA");
    char path[4096];
    const char *tries[3];
    size_t n = 0;
    kz_catalogue *cat = NULL;
    kz_err err;
    kz_rc rc;

    if (named != NULL) {
        if ((rc = kz_catalogue_load(named, &cat, &err)) != KZ_OK) {
            cli_error("%s", err.msg);
            *code = cli_exit_for(rc) == EXIT_INPUT ? EXIT_USAGE : cli_exit_for(rc);
        }
        return cat;
    }
    if (data != NULL && *data != '\0' &&
        snprintf(path, sizeof path, "%s%s", data, CATALOGUE_REL) < (int)sizeof path)
        tries[n++] = path;
    tries[n++] = "data" CATALOGUE_REL;
#ifdef KZ_DATA_DIR
    tries[n++] = KZ_DATA_DIR CATALOGUE_REL;
#endif
    for (size_t i = 0; i < n; i++) {
        if (access(tries[i], R_OK) != 0)
            continue;
        if (kz_catalogue_load(tries[i], &cat, &err) == KZ_OK)
            return cat;
        cli_error("%s", err.msg);
        break;
    }
    if (!c->quiet)
        fprintf(stderr, "kizuna: warning: no EN 303 645 catalogue found (give --catalogue FILE "
                        "or set KIZUNA_DATA); the report names no provisions\n");
    return NULL;
}

int cmd_vuln_match(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"lang", required_argument, NULL, 'l'},
        {"catalogue", required_argument, NULL, 'C'},
        {"quiet", no_argument, NULL, 'q'},
        {"timing", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    kz_report_format fmt = KZ_REPORT_TEXT;
    const char *lang = "en", *cat_path = NULL, *path;
    kz_vuln_sink problems = {NULL, on_problem, c};
    kz_inventory *inv = NULL;
    kz_findings *found = NULL;
    kz_catalogue *cat = NULL;
    kz_store *s = NULL;
    char *bytes = NULL;
    size_t n = 0;
    int o, code = EXIT_OK;
    bool timing = false;
    double t0 = cli_now_ms(), t1 = 0, t2 = 0, t3 = 0;
    kz_err err;
    kz_rc rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "f:l:C:qth", opts, NULL)) != -1) {
        switch (o) {
            case 'f':
                if (strcmp(optarg, "text") == 0) {
                    fmt = KZ_REPORT_TEXT;
                } else if (strcmp(optarg, "json") == 0) {
                    fmt = KZ_REPORT_JSON;
                } else if (strcmp(optarg, "csaf-vex") == 0) {
                    fmt = KZ_REPORT_CSAF_VEX;
                } else {
                    cli_error("vuln match: --format \"%s\": expected text, json or csaf-vex",
                              optarg);
                    return EXIT_USAGE;
                }
                break;
            case 'l':
                if (strcmp(optarg, "en") != 0 && strcmp(optarg, "ja") != 0) {
                    cli_error("vuln match: --lang \"%s\": expected en or ja", optarg);
                    return EXIT_USAGE;
                }
                lang = optarg;
                break;
            case 'C': cat_path = optarg; break;
            case 'q': c->quiet = true; break;
            case 't': timing = true; break;
            case 'h': cli_help(stdout, "vuln"); return EXIT_OK;
            default: cli_help(stderr, "vuln"); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        cli_error("vuln match: give exactly one INVENTORY (a CycloneDX or SPDX JSON file, a CSV "
                  "file with vendor, product and version columns, or - for standard input)");
        return EXIT_USAGE;
    }
    path = argv[optind];
    /* Matching parses thousands of views on every core and frees most of each at once: let
     * malloc grow its heap 16 MiB at a time and keep what is freed, rather than asking the
     * kernel again and again, and fault it in as huge pages (kz_heap_prepare; the match's
     * threads do the same). brk, mprotect and page faults are dear on VMs: together this halves
     * the page faults of a 10,000-component match. The process ends with the command. */
    (void)mallopt(M_TOP_PAD, 16 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
    kz_heap_prepare((size_t)64 << 20);
    /* The report is written in one go, tens of MB for a large inventory: in 1 MiB writes rather
     * than the 4 KiB stdio picks for a file or pipe (system calls are dear on some VMs). */
    if (!isatty(STDOUT_FILENO)) /* (glibc ignores the size unless given the buffer) */
        (void)setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    if (strcmp(path, "-") == 0) {
        rc = read_all(stdin, "(standard input)", INVENTORY_MAX, &bytes, &n, &err);
    } else {
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            cli_error("%s: cannot open: %s", path, strerror(errno));
            return EXIT_ENV;
        }
        rc = read_all(f, path, INVENTORY_MAX, &bytes, &n, &err);
        fclose(f);
    }
    if (rc != KZ_OK) {
        cli_error("%s", err.msg);
        code = rc == KZ_ELIMIT ? EXIT_USAGE : EXIT_ENV;
        goto out;
    }
    rc = kz_inventory_parse(bytes, n, strcmp(path, "-") == 0 ? "(standard input)" : path,
                            KZ_INV_UNKNOWN, &c->lim, &problems, &inv, &err);
    if (rc != KZ_OK) {
        cli_error("%s", err.msg);
        code = rc == KZ_ENOMEM ? EXIT_ENV : EXIT_USAGE;
        goto out;
    }
    if ((cat = load_catalogue(c, cat_path, &code)) == NULL && code != EXIT_OK)
        goto out;
    if ((s = cli_open_store(c)) == NULL) {
        code = EXIT_ENV;
        goto out;
    }
    t1 = cli_now_ms();
    if ((rc = kz_vuln_match(s, inv, &found, &err)) != KZ_OK) {
        cli_error("vuln match: %s", err.msg);
        code = EXIT_ENV;
        goto out;
    }
    t2 = cli_now_ms();
    if ((rc = kz_vuln_report(inv, found, cat, fmt, lang, stdout, &err)) != KZ_OK ||
        fflush(stdout) != 0) {
        cli_error("vuln match: %s", rc != KZ_OK ? err.msg : "cannot write the report");
        code = EXIT_ENV;
        goto out;
    }
    code = kz_findings_count(found) > 0 ? EXIT_INPUT : EXIT_OK;
    if (timing) /* on standard error, so that the report stays clean; bench/vuln reads it */
        t3 = cli_now_ms(),
        fprintf(stderr, "kizuna: timing: read %.1f ms, match %.1f ms, report %.1f ms; %zu "
                        "components, %zu findings\n", t1 - t0, t2 - t1, t3 - t2,
                kz_inventory_count(inv), kz_findings_count(found));
out:
    if (FREE_FINDINGS)
        kz_findings_free(found);
    kz_catalogue_free(cat);
    kz_inventory_free(inv);
    kz_store_free(s);
    free(bytes);
    return code;
}
