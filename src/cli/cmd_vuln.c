/*
 * cmd_vuln.c - `kizuna vuln import|show|search|export-stix|match`: the IoT/ICS vulnerability
 * knowledge base from the command line (vuln.h does the work; match is cmd_vuln_match.c).
 *
 * import reads files and folders (walked in sorted order, so that two runs store the same
 * things in the same order), detects each file's format, and stores the records through one
 * kz_vuln_writer, committing every IMPORT_BATCH_FILES files and at the end. A file that cannot
 * be read is reported and the others still import; problems inside a file are warnings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/vuln.h"

#define IMPORT_FILE_MAX ((size_t)64 << 20) /* one advisory or catalogue file, whole in memory */
#define IMPORT_BATCH_FILES 200             /* files per transaction */
#define WALK_DEPTH_MAX 32                  /* folders within folders */
#define EXPORT_COMMIT_EVERY 50000          /* objects per transaction for export-stix */

/* ---- import --------------------------------------------------------------------------------- */

typedef struct {
    cli_ctx *c;
    kz_store *s;
    kz_vuln_writer *w;
    const char *file; /* the file being imported, for problem lines */
    bool in_batch;
    bool fatal;       /* a store or memory failure: stop everything */
    kz_rc fatal_rc;
    size_t since_commit;
    uint64_t files, failed, not_vuln, problems;
} import_ctx;

/* Importer sink: hands a record to the writer (and drops the reference). */
static kz_rc sink_record(void *ctx, json_t *rec)
{
    import_ctx *ic = ctx;
    kz_err err;
    kz_rc rc = kz_vuln_writer_add(ic->w, rec, &err);

    json_decref(rec);
    if (rc != KZ_OK) {
        if (rc == KZ_EINVAL)
            /* An importer made a record that fails the check: a bug, reported as such. */
            printf("%s: %s (an importer bug: please report it)\n", ic->file, err.msg);
        else
            cli_error("%s: %s", ic->file, err.msg);
        if (rc != KZ_EINVAL) {
            ic->fatal = true;
            ic->fatal_rc = rc;
        }
    }
    return rc;
}

/* Importer sink: one "FILE: WHERE: MESSAGE" line per problem (counted even when quiet). */
static void sink_problem(void *ctx, const char *where, const char *msg)
{
    import_ctx *ic = ctx;

    ic->problems++;
    if (!ic->c->quiet)
        printf("%s: %s: %s\n", ic->file, where && *where ? where : "/", msg);
}

/* Opens a batch unless one is open. */
static kz_rc batch_begin(import_ctx *ic)
{
    kz_err err;
    kz_rc rc;

    if (ic->in_batch)
        return KZ_OK;
    if ((rc = kz_store_begin(ic->s, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        return rc;
    }
    ic->in_batch = true;
    return KZ_OK;
}

/* Commits the open batch, if any. */
static kz_rc batch_commit(import_ctx *ic)
{
    kz_err err;
    kz_rc rc;

    ic->since_commit = 0;
    if (!ic->in_batch)
        return KZ_OK;
    ic->in_batch = false;
    if ((rc = kz_store_commit(ic->s, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        return rc;
    }
    return KZ_OK;
}

/* Reads a whole file of at most `max` bytes into *out (malloc'd, NUL-terminated). */
static kz_rc read_file(const char *path, size_t max, char **out, size_t *n, kz_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    kz_rc rc = KZ_EIO;
    int fd;

    *out = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return kz_fail(err, KZ_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = kz_fail(err, KZ_EIO, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        rc = kz_fail(err, KZ_ELIMIT, "%s: %lld bytes, more than the limit of %zu", path,
                     (long long)st.st_size, max);
        goto out;
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = kz_fail(err, KZ_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break; /* shrank while reading: take what is there */
        got += (size_t)r;
    }
    buf[got] = '\0';
    *out = buf;
    *n = got;
    buf = NULL;
    rc = KZ_OK;
out:
    free(buf);
    close(fd);
    return rc;
}

/* Imports one file. named: the user (or a provider's feed) named it, so a file that is not a
 * vulnerability format is a failure; found in a folder walk, it is only skipped. */
static kz_rc import_file(import_ctx *ic, const char *path, bool named)
{
    kz_vuln_sink sink = {sink_record, sink_problem, ic};
    char *bytes = NULL;
    size_t n = 0;
    kz_vfmt f;
    kz_err err;
    kz_rc rc;

    if ((rc = batch_begin(ic)) != KZ_OK) {
        ic->fatal = true;
        ic->fatal_rc = rc;
        goto out;
    }
    ic->file = path;
    if ((rc = read_file(path, IMPORT_FILE_MAX, &bytes, &n, &err)) != KZ_OK) {
        ic->files++;
        ic->failed++;
        printf("%s\n", err.msg);
        if (rc == KZ_ENOMEM) {
            ic->fatal = true;
            ic->fatal_rc = rc;
        }
        goto out;
    }
    f = kz_vuln_detect(bytes, n);
    if (!named && (f == KZ_VFMT_UNKNOWN || f == KZ_VFMT_PROVIDER)) {
        ic->not_vuln++;
        if (!ic->c->quiet)
            printf("%s: skipped: not a vulnerability format kizuna imports\n", path);
        goto out;
    }
    ic->files++;
    rc = kz_vuln_parse(f, bytes, n, path, &ic->c->lim, &sink, &err);
    if (rc != KZ_OK && !ic->fatal) {
        ic->failed++;
        printf("%s\n", err.msg);
    }
    if (!ic->fatal && ++ic->since_commit >= IMPORT_BATCH_FILES &&
        (rc = batch_commit(ic)) != KZ_OK) {
        ic->fatal = true;
        ic->fatal_rc = rc;
    }
out:
    free(bytes);
    return ic->fatal ? ic->fatal_rc : KZ_OK;
}

/* kz_vuln_csaf_provider callback: imports one advisory a provider's feed names. */
static kz_rc provider_file(void *ctx, const char *path)
{
    return import_file(ctx, path, true);
}

/* qsort comparison of file names, bytewise, for a walk order that does not depend on the file
 * system. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True for the files a folder walk looks at: .json and .xml. */
static bool wanted_file(const char *name)
{
    size_t n = strlen(name);

    return (n > 5 && strcmp(name + n - 5, ".json") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".xml") == 0);
}

static kz_rc import_path(import_ctx *ic, const char *path, bool named, int depth);

/* A folder: a CSAF provider's (provider-metadata.json) through its feeds, else every .json and
 * .xml file under it in name order. */
static kz_rc import_folder(import_ctx *ic, const char *dir, int depth)
{
    kz_vuln_sink problems = {NULL, sink_problem, ic};
    char **names = NULL, path[4096];
    size_t n = 0, cap = 0;
    struct dirent *e;
    struct stat st;
    DIR *d = NULL;
    kz_err err;
    kz_rc rc = KZ_OK;

    if (snprintf(path, sizeof path, "%s/provider-metadata.json", dir) < (int)sizeof path &&
        stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        ic->file = path;
        rc = kz_vuln_csaf_provider(path, &ic->c->lim, provider_file, &problems, ic, &err);
        if (rc != KZ_OK && !ic->fatal) {
            ic->failed++;
            printf("%s\n", err.msg);
            rc = KZ_OK;
        }
        return rc;
    }
    if (depth > WALK_DEPTH_MAX) {
        printf("%s: skipped: folders nested deeper than %d\n", dir, WALK_DEPTH_MAX);
        ic->failed++;
        return KZ_OK;
    }
    if ((d = opendir(dir)) == NULL) {
        printf("%s: cannot open: %s\n", dir, strerror(errno));
        ic->failed++;
        return KZ_OK;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (kz_grow(&names, &cap, n, sizeof *names, 64) != KZ_OK ||
            (names[n] = strdup(e->d_name)) == NULL) {
            rc = KZ_ENOMEM;
            goto out;
        }
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == KZ_OK; i++) {
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path)
            continue;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = import_path(ic, path, false, depth + 1);
        else if (S_ISREG(st.st_mode) && wanted_file(names[i]))
            rc = import_file(ic, path, false);
    }
out:
    if (rc == KZ_ENOMEM) {
        cli_error("%s: out of memory", dir);
        ic->fatal = true;
        ic->fatal_rc = rc;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (d != NULL)
        closedir(d);
    return rc;
}

/* Imports a file or a folder; a missing path is a failed file, and the rest go on. */
static kz_rc import_path(import_ctx *ic, const char *path, bool named, int depth)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        printf("%s: cannot open: %s\n", path, strerror(errno));
        ic->files++;
        ic->failed++;
        return KZ_OK;
    }
    if (S_ISDIR(st.st_mode))
        return import_folder(ic, path, depth);
    return import_file(ic, path, named);
}

/* `kizuna vuln import [-q] PATH...`. */
static int vuln_import(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    import_ctx ic = {0};
    int64_t stored = 0, skipped = 0, replaced = 0, docs = 0, recs = 0, vulns = 0;
    int64_t docs0 = 0, vulns0 = 0;
    int o, code = EXIT_OK;
    kz_err err;
    kz_rc rc = KZ_OK;

    optind = 0;
    while ((o = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (o) {
            case 'q': c->quiet = true; break;
            case 'h': cli_help(stdout, "vuln"); return EXIT_OK;
            default: cli_help(stderr, "vuln"); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("vuln import: no input: give files or folders of advisories");
        return EXIT_USAGE;
    }
    ic.c = c;
    if ((ic.s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if ((rc = kz_vuln_writer_new(ic.s, &ic.w, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        code = cli_exit_for(rc);
        goto out;
    }
    /* Totals before, so that the summary can say what is new. */
    if ((rc = kz_store_vcounts(ic.s, &docs0, &recs, &vulns0, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        code = EXIT_ENV;
        goto out;
    }
    for (int i = optind; i < argc && rc == KZ_OK; i++)
        rc = import_path(&ic, argv[i], true, 0);
    if (rc == KZ_OK)
        rc = batch_commit(&ic);
    if (rc != KZ_OK) {
        kz_store_rollback(ic.s);
        code = EXIT_ENV;
        goto out;
    }
    kz_vuln_writer_counts(ic.w, &stored, &skipped, &replaced);
    if ((rc = kz_store_vcounts(ic.s, &docs, &recs, &vulns, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        code = EXIT_ENV;
        goto out;
    }
    printf("%llu files: %lld records stored, %lld skipped (older revision), %lld documents "
           "replaced, %llu problems, %llu failed files",
           (unsigned long long)ic.files, (long long)stored, (long long)skipped,
           (long long)replaced, (unsigned long long)ic.problems, (unsigned long long)ic.failed);
    if (ic.not_vuln > 0)
        printf(", %llu other files skipped", (unsigned long long)ic.not_vuln);
    printf("; %lld new documents, %lld new vulnerabilities; knowledge base: %lld documents, "
           "%lld records, %lld vulnerabilities\n",
           (long long)(docs - docs0), (long long)(vulns - vulns0), (long long)docs,
           (long long)recs, (long long)vulns);
    code = ic.failed > 0 ? EXIT_INPUT : EXIT_OK;
out:
    kz_vuln_writer_free(ic.w);
    kz_store_free(ic.s);
    return code;
}

/* ---- show ----------------------------------------------------------------------------------- */

/* The string value of o[key], or NULL. */
static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The text field in lang, else in the other language (*other set). */
static const char *text_in(const json_t *view, const char *lang, const char *field, bool *other)
{
    const json_t *text = json_object_get(view, "text");
    const char *alt = strcmp(lang, "ja") == 0 ? "en" : "ja";
    const char *s = str_of(json_object_get(text, lang), field);

    *other = false;
    if (s == NULL && (s = str_of(json_object_get(text, alt), field)) != NULL)
        *other = true;
    return s;
}

/* Prints "label: a, b, c" (with each object's name in parentheses when key is given). */
static void print_list(const char *label, const json_t *arr, const char *key)
{
    const json_t *v;
    size_t i;

    if (json_array_size(arr) == 0)
        return;
    printf("%s: ", label);
    json_array_foreach(arr, i, v) {
        const char *s = key ? str_of(v, key) : json_string_value(v);
        printf("%s%s", i ? ", " : "", s ? s : "?");
        if (key != NULL && str_of(v, "name") != NULL)
            printf(" (%s)", str_of(v, "name"));
    }
    printf("\n");
}

/* Title and description in lang, else the other language with a note saying so. */
static void show_text(const json_t *view, const char *lang)
{
    const char *alt = strcmp(lang, "ja") == 0 ? "en" : "ja";
    bool other_t, other_d;
    const char *title = text_in(view, lang, "title", &other_t);
    const char *desc = text_in(view, lang, "description", &other_d);

    if ((title != NULL && other_t) || (desc != NULL && other_d))
        printf("note: no %s text for %s; showing %s\n", lang,
               other_t && other_d ? "title or description" : other_t ? "the title"
                                                                     : "the description",
               alt);
    if (title != NULL)
        printf("title: %s\n", title);
    if (desc != NULL)
        printf("description: %s\n", desc);
}

/* One line per score: version, computed score and severity, vector, published score, scorer. */
static void show_scores(const json_t *view)
{
    const json_t *sc;
    size_t i;

    if (json_array_size(json_object_get(view, "scores")) == 0)
        return;
    printf("scores:\n");
    json_array_foreach(json_object_get(view, "scores"), i, sc) {
        const json_t *base = json_object_get(sc, "base_score");
        const json_t *pub = json_object_get(sc, "published_score");
        printf("  CVSS %s ", str_of(sc, "version") ? str_of(sc, "version") : "?");
        if (json_is_number(base))
            printf("%.1f", json_number_value(base));
        else
            printf("-");
        if (str_of(sc, "severity"))
            printf(" %s", str_of(sc, "severity"));
        printf("  %s", str_of(sc, "vector") ? str_of(sc, "vector") : "");
        if (json_is_number(pub))
            printf("  (published %.1f)", json_number_value(pub));
        if (str_of(sc, "source"))
            printf("  by %s", str_of(sc, "source"));
        printf("\n");
        if (str_of(sc, "problem"))
            printf("    problem: %s\n", str_of(sc, "problem"));
    }
}

/* The KEV line, when the vulnerability is known to be exploited. */
static void show_exploited(const json_t *view)
{
    const json_t *x = json_object_get(view, "exploited");

    if (x == NULL || !json_is_true(json_object_get(x, "known")))
        return;
    printf("exploited: known exploited (%s)", str_of(x, "source") ? str_of(x, "source") : "KEV");
    if (str_of(x, "date_added"))
        printf(", added %s", str_of(x, "date_added"));
    if (str_of(x, "due_date"))
        printf(", due %s", str_of(x, "due_date"));
    if (str_of(x, "ransomware"))
        printf(", ransomware use: %s", str_of(x, "ransomware"));
    printf("\n");
    if (str_of(x, "required_action"))
        printf("  required action: %s\n", str_of(x, "required_action"));
}

/* One line per affected product: names, version ranges, status and fixed version. */
static void show_affected(const json_t *view)
{
    const json_t *a, *v;
    size_t i, k;

    if (json_array_size(json_object_get(view, "affected")) == 0)
        return;
    printf("affected:\n");
    json_array_foreach(json_object_get(view, "affected"), i, a) {
        const char *vendor = str_of(a, "vendor"), *product = str_of(a, "product");
        printf("  %s%s%s", vendor ? vendor : "", vendor ? " " : "",
               product ? product : str_of(a, "cpe") ? str_of(a, "cpe") : str_of(a, "purl"));
        printf(":");
        if (json_array_size(json_object_get(a, "versions")) == 0)
            printf(" (no versions named)");
        json_array_foreach(json_object_get(a, "versions"), k, v)
            printf("%s %s", k ? "," : "", json_string_value(v));
        printf(" [%s", str_of(a, "status") ? str_of(a, "status") : "?");
        if (str_of(a, "fixed"))
            printf("; fixed in %s", str_of(a, "fixed"));
        printf("]\n");
        if (product != NULL && str_of(a, "cpe"))
            printf("    %s\n", str_of(a, "cpe"));
        if (str_of(a, "purl"))
            printf("    %s\n", str_of(a, "purl"));
    }
}

/* Remediations, references and the sources with their revisions. */
static void show_rest(const json_t *view)
{
    const json_t *r;
    size_t i;

    if (json_array_size(json_object_get(view, "remediations")) > 0)
        printf("remediations:\n");
    json_array_foreach(json_object_get(view, "remediations"), i, r) {
        printf("  %s", str_of(r, "category") ? str_of(r, "category") : "?");
        if (str_of(r, "fixed"))
            printf(" (fixed in %s)", str_of(r, "fixed"));
        printf(": %s", str_of(r, "text") ? str_of(r, "text") : "");
        if (str_of(r, "url"))
            printf(" %s", str_of(r, "url"));
        printf("\n");
    }
    if (json_array_size(json_object_get(view, "references")) > 0)
        printf("references:\n");
    json_array_foreach(json_object_get(view, "references"), i, r) {
        printf("  %s", str_of(r, "url"));
        if (str_of(r, "summary"))
            printf("  %s", str_of(r, "summary"));
        printf("\n");
    }
    printf("sources:\n");
    json_array_foreach(json_object_get(view, "sources"), i, r) {
        printf("  %s %s revision %s", str_of(r, "kind"), str_of(r, "document"),
               str_of(r, "revision"));
        if (str_of(r, "publisher"))
            printf(" (%s)", str_of(r, "publisher"));
        if (str_of(r, "url"))
            printf(" %s", str_of(r, "url"));
        printf("\n");
    }
}

/* `kizuna vuln show [--lang en|ja] [--json] ID`. */
static int vuln_show(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"lang", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *lang = "en";
    bool as_json = false;
    json_t *view = NULL;
    kz_store *s = NULL;
    int o, code = EXIT_OK;
    kz_err err;
    kz_rc rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "l:jh", opts, NULL)) != -1) {
        switch (o) {
            case 'l': lang = optarg; break;
            case 'j': as_json = true; break;
            case 'h': cli_help(stdout, "vuln"); return EXIT_OK;
            default: cli_help(stderr, "vuln"); return EXIT_USAGE;
        }
    }
    if (strcmp(lang, "en") != 0 && strcmp(lang, "ja") != 0) {
        cli_error("vuln show: --lang is en or ja, not \"%s\"", lang);
        return EXIT_USAGE;
    }
    if (optind + 1 != argc) {
        cli_error("vuln show: give one vulnerability id (CVE-..., JVNDB-..., an advisory id)");
        return EXIT_USAGE;
    }
    if ((s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if ((rc = kz_vuln_get(s, argv[optind], &view, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        code = rc == KZ_ENOTFOUND ? EXIT_INPUT : cli_exit_for(rc);
        goto out;
    }
    if (as_json) {
        if (json_dumpf(view, stdout, JSON_INDENT(2)) != 0) {
            code = EXIT_ENV;
            goto out;
        }
        printf("\n");
        goto out;
    }
    printf("%s\n", str_of(view, "id"));
    print_list("aliases", json_object_get(view, "aliases"), NULL);
    show_text(view, lang);
    if (str_of(view, "published"))
        printf("published: %s\n", str_of(view, "published"));
    if (str_of(view, "modified"))
        printf("modified: %s\n", str_of(view, "modified"));
    print_list("CWEs", json_object_get(view, "cwes"), "id");
    show_scores(view);
    show_exploited(view);
    show_affected(view);
    show_rest(view);
out:
    if (fflush(stdout) != 0 && code == EXIT_OK)
        code = EXIT_ENV;
    json_decref(view);
    kz_store_free(s);
    return code;
}

/* ---- search --------------------------------------------------------------------------------- */

typedef struct {
    const char *prefix;
    char key[320];
} key_pick;

/* Keeps the first key with the wanted prefix. */
static kz_rc pick_key(void *ctx, const char *key)
{
    key_pick *k = ctx;

    if (k->key[0] == '\0' && strncmp(key, k->prefix, strlen(k->prefix)) == 0)
        snprintf(k->key, sizeof k->key, "%s", key);
    return KZ_OK;
}

typedef struct {
    kz_store *s;
    uint64_t found;
    kz_rc failed;
    kz_err *err;
} search_ctx;

/* kz_store_vkey callback: prints "ID<TAB>TOP SCORE<TAB>TITLE" for one vulnerability. */
static kz_rc print_match(void *ctx, const char *vuln_id)
{
    search_ctx *sc = ctx;
    json_t *view = NULL;
    const json_t *v;
    double top = -1;
    bool other;
    const char *title;
    size_t i;
    kz_rc rc;

    if ((rc = kz_vuln_get(sc->s, vuln_id, &view, sc->err)) != KZ_OK)
        return rc;
    json_array_foreach(json_object_get(view, "scores"), i, v) {
        const json_t *b = json_object_get(v, "base_score");
        if (json_is_number(b) && json_number_value(b) > top)
            top = json_number_value(b);
    }
    title = text_in(view, "en", "title", &other);
    if (title == NULL)
        title = text_in(view, "en", "description", &other);
    if (top >= 0)
        printf("%s\t%.1f\t", vuln_id, top);
    else
        printf("%s\t-\t", vuln_id);
    /* One line per vulnerability: a title with line breaks is cut at the first. */
    printf("%.*s\n", title ? (int)strcspn(title, "\r\n") : 0, title ? title : "");
    sc->found++;
    json_decref(view);
    return KZ_OK;
}

/* `kizuna vuln search (--cpe CPE | --purl PURL | --product TEXT [--vendor TEXT])`. */
static int vuln_search(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"cpe", required_argument, NULL, 'c'},
        {"purl", required_argument, NULL, 'p'},
        {"product", required_argument, NULL, 'P'},
        {"vendor", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cpe = NULL, *purl = NULL, *product = NULL, *vendor = NULL;
    json_t *rec = NULL, *aff = NULL;
    key_pick k = {0};
    search_ctx sc = {0};
    kz_store *s = NULL;
    int o, code = EXIT_OK, given;
    kz_err err;
    kz_rc rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
            case 'c': cpe = optarg; break;
            case 'p': purl = optarg; break;
            case 'P': product = optarg; break;
            case 'V': vendor = optarg; break;
            case 'h': cli_help(stdout, "vuln"); return EXIT_OK;
            default: cli_help(stderr, "vuln"); return EXIT_USAGE;
        }
    }
    given = (cpe != NULL) + (purl != NULL) + (product != NULL || vendor != NULL);
    if (given != 1 || optind != argc) {
        cli_error("vuln search: give one of --cpe CPE, --purl PURL or --product TEXT "
                  "[--vendor TEXT]");
        return EXIT_USAGE;
    }
    /* The key is made by the very code that indexes records: a one-entry record. */
    aff = json_pack("{s:s, s:[]}", "status", "affected", "versions");
    if (aff == NULL || (cpe && json_object_set_new(aff, "cpe", json_string(cpe)) != 0) ||
        (purl && json_object_set_new(aff, "purl", json_string(purl)) != 0) ||
        (product && json_object_set_new(aff, "product", json_string(product)) != 0) ||
        (vendor && json_object_set_new(aff, "vendor", json_string(vendor)) != 0) ||
        (rec = json_pack("{s:[O]}", "affected", aff)) == NULL) {
        cli_error("vuln search: out of memory");
        code = EXIT_ENV;
        goto out;
    }
    k.prefix = cpe ? "cpe:" : purl ? "purl:" : product && vendor ? "vp:" : product ? "p:" : "v:";
    if (kz_vuln_record_keys(rec, pick_key, &k, &err) != KZ_OK) {
        cli_error("vuln search: %s", err.msg);
        code = EXIT_ENV;
        goto out;
    }
    if (k.key[0] == '\0') {
        cli_error("vuln search: \"%s\" is not a %s that can be searched for",
                  cpe ? cpe : purl ? purl : product ? product : vendor,
                  cpe ? "CPE 2.3 name" : purl ? "package URL" : "name");
        code = EXIT_USAGE;
        goto out;
    }
    if ((s = cli_open_store(c)) == NULL) {
        code = EXIT_ENV;
        goto out;
    }
    sc.s = s;
    sc.err = &err;
    if ((rc = kz_store_vkey(s, k.key, print_match, &sc, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
        code = cli_exit_for(rc);
        goto out;
    }
    if (sc.found == 0) {
        fprintf(stderr, "kizuna: no vulnerability in the knowledge base for %s\n", k.key);
        code = EXIT_INPUT;
    }
out:
    json_decref(aff);
    json_decref(rec);
    kz_store_free(s);
    return code;
}

/* ---- export-stix ---------------------------------------------------------------------------- */

typedef struct {
    cli_ctx *c;
    FILE *out;       /* bundle output, or NULL when storing */
    kz_store *s;
    int64_t coll;
    bool first;
    size_t since_commit;
    uint64_t objects, invalid, new_objects, new_versions, unchanged, conflicts;
} export_ctx;

/* kz_stix_validate callback: prints errors (an exported object that fails is a bug). */
static void print_invalid(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    const char *id = ctx;

    if (sev == KZ_STIX_ERROR)
        printf("%s: %s%s%s\n", id, path, *path ? ": " : "", msg);
}

/* Stores one exported object version in the collection, as `kizuna import` would. */
static kz_rc store_stix(export_ctx *x, const json_t *obj, const char *text, kz_err *err)
{
    char version[KZ_STIX_VERSION_MAX];
    kz_put_result res;
    kz_put p;
    kz_rc rc;

    if (kz_stix_version(obj, version) != KZ_OK)
        return kz_fail(err, KZ_EINVAL, "%s: no version", str_of(obj, "id"));
    p = (kz_put){kz_sv_c(str_of(obj, "id")), kz_sv_c(str_of(obj, "type")), kz_sv_c(version),
                 KZ_SV("2.1"), kz_sv_c(text), obj};
    if ((rc = kz_store_put(x->s, x->coll, &p, &res, err)) != KZ_OK)
        return rc;
    switch (res) {
        case KZ_PUT_NEW_OBJECT: x->new_objects++; break;
        case KZ_PUT_NEW_VERSION: x->new_versions++; break;
        case KZ_PUT_UNCHANGED: x->unchanged++; break;
        case KZ_PUT_CONFLICT:
            x->conflicts++;
            printf("%s: conflict: version %s is stored with a different content; the stored one "
                   "is kept\n",
                   str_of(obj, "id"), version);
            break;
    }
    if (++x->since_commit >= EXPORT_COMMIT_EVERY) {
        x->since_commit = 0;
        if ((rc = kz_store_commit(x->s, err)) != KZ_OK || (rc = kz_store_begin(x->s, err)))
            return rc;
    }
    return KZ_OK;
}

/* kz_vuln_export_stix callback: validates the object, then writes it to the bundle or stores it. */
static kz_rc export_object(void *ctx, const json_t *obj)
{
    export_ctx *x = ctx;
    const char *id = str_of(obj, "id");
    char *text = NULL;
    kz_err err;
    kz_rc rc = KZ_OK;

    x->objects++;
    if (kz_stix_validate(obj, &x->c->lim, print_invalid, (void *)(id ? id : "?")) > 0) {
        x->invalid++;
        return KZ_OK;
    }
    if ((text = json_dumps(obj, JSON_COMPACT)) == NULL)
        return KZ_ENOMEM;
    if (x->out != NULL) {
        if (fprintf(x->out, "%s%s", x->first ? "" : ",", text) < 0)
            rc = KZ_EIO;
        x->first = false;
    } else if ((rc = store_stix(x, obj, text, &err)) != KZ_OK) {
        cli_error("%s", err.msg);
    }
    free(text);
    return rc;
}

/* `kizuna vuln export-stix [--collection NAME|ID | -o FILE]`. */
static int vuln_export_stix(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"collection", required_argument, NULL, 'c'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *coll_name = NULL, *out_path = NULL;
    export_ctx x = {0};
    kz_collection coll = {0};
    char bundle_id[KZ_UUID_STR];
    bool in_batch = false;
    int o, code = EXIT_OK;
    kz_err err;
    kz_rc rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "c:o:h", opts, NULL)) != -1) {
        switch (o) {
            case 'c': coll_name = optarg; break;
            case 'o': out_path = optarg; break;
            case 'h': cli_help(stdout, "vuln"); return EXIT_OK;
            default: cli_help(stderr, "vuln"); return EXIT_USAGE;
        }
    }
    if (optind != argc || (coll_name != NULL && out_path != NULL)) {
        cli_error("vuln export-stix: give --collection NAME|ID or -o FILE (or neither)");
        return EXIT_USAGE;
    }
    x.c = c;
    x.first = true;
    if ((x.s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if (coll_name != NULL) {
        if ((rc = kz_store_collection(x.s, coll_name, true, &coll, &err)) != KZ_OK ||
            (rc = kz_store_begin(x.s, &err)) != KZ_OK) {
            cli_error("%s", err.msg);
            code = cli_exit_for(rc);
            goto out;
        }
        in_batch = true;
        x.coll = coll.key;
    } else {
        if (kz_uuid4(bundle_id) != KZ_OK) {
            cli_error("vuln export-stix: no randomness for the bundle id");
            code = EXIT_ENV;
            goto out;
        }
        if (out_path != NULL && (x.out = fopen(out_path, "w")) == NULL) {
            cli_error("%s: cannot create: %s", out_path, strerror(errno));
            code = EXIT_ENV;
            goto out;
        }
        if (x.out == NULL)
            x.out = stdout;
        fprintf(x.out, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", bundle_id);
    }
    err.msg[0] = '\0';
    if ((rc = kz_vuln_export_stix(x.s, export_object, &x, &err)) != KZ_OK) {
        /* A failure of export_object was printed there, or has no message in err. */
        if (rc == KZ_EIO)
            cli_error("%s: cannot write: %s", out_path ? out_path : "standard output",
                      strerror(errno));
        else if (err.msg[0] != '\0')
            cli_error("%s", err.msg);
        else if (rc == KZ_ENOMEM)
            cli_error("vuln export-stix: out of memory");
        code = cli_exit_for(rc);
        goto out;
    }
    if (in_batch) {
        in_batch = false;
        if ((rc = kz_store_commit(x.s, &err)) != KZ_OK) {
            cli_error("%s", err.msg);
            code = cli_exit_for(rc);
            goto out;
        }
        printf("%llu objects: %llu new objects, %llu new versions, %llu unchanged, "
               "%llu rejected (%llu invalid, %llu conflicts) into collection %s (%s)\n",
               (unsigned long long)x.objects, (unsigned long long)x.new_objects,
               (unsigned long long)x.new_versions, (unsigned long long)x.unchanged,
               (unsigned long long)(x.invalid + x.conflicts), (unsigned long long)x.invalid,
               (unsigned long long)x.conflicts, coll.title ? coll.title : "?", coll.id);
    } else {
        fprintf(x.out, "]}\n");
        if (!c->quiet)
            fprintf(stderr, "%llu objects exported, %llu invalid (left out)\n",
                    (unsigned long long)x.objects, (unsigned long long)x.invalid);
    }
    if (x.invalid > 0 || x.conflicts > 0)
        code = EXIT_INPUT;
out:
    if (in_batch)
        kz_store_rollback(x.s);
    if (x.out != NULL && x.out != stdout) {
        if (fclose(x.out) != 0 && code == EXIT_OK) {
            cli_error("%s: cannot write: %s", out_path, strerror(errno));
            code = EXIT_ENV;
        }
    } else if (x.out == stdout && fflush(stdout) != 0 && code == EXIT_OK) {
        code = EXIT_ENV;
    }
    kz_collection_clear(&coll);
    kz_store_free(x.s);
    return code;
}

/* ---- dispatch ------------------------------------------------------------------------------- */

/* `kizuna vuln SUBCOMMAND ...`: dispatches to the subcommand. */
int cmd_vuln(cli_ctx *c, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(cli_ctx *c, int argc, char **argv);
    } subs[] = {
        {"import", vuln_import},           {"show", vuln_show},
        {"search", vuln_search},           {"export-stix", vuln_export_stix},
        {"match", cmd_vuln_match},
    };

    if (argc < 2) {
        cli_help(stderr, "vuln");
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        cli_help(stdout, "vuln");
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(c, argc - 1, argv + 1);
    cli_error("vuln: unknown subcommand \"%s\"; `kizuna help vuln` lists them", argv[1]);
    return EXIT_USAGE;
}
