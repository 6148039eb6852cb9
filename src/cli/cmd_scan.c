/*
 * cmd_scan.c - `kizuna scan`: every active indicator (from a file or a collection) compiled into
 * one index (detect.h), matched against logs; one JSON line per match on standard output, and
 * with --sightings a STIX sighting per indicator per scan, stored with the observed-data behind
 * it and the node's own identity as where_sighted_refs, ready to be shared over TAXII.
 *
 * Exit codes: 0 something matched, 1 nothing did (grep's convention), 2 usage, 3 an input could
 * not be read to its end (a truncated gzip stream, an I/O error) or the store failed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kizuna/detect.h"

/* Kizuna's UUIDv5 namespace (also in src/vuln/export.c) for ids it makes deterministically. */
#define KZ_NS "1b0c6c52-5a3e-4c55-9f0e-6b697a756e61"
/* Observed-data kept per indicator for its sighting: enough to show what was seen. */
#define OBSERVED_MAX 100

/* One indicator's matches in this scan. */
typedef struct {
    char *id;
    uint64_t count;
    kz_time first, last;
    json_t *observed; /* array of [observed-data, sco...] arrays, at most OBSERVED_MAX */
} sighting;

typedef struct {
    sighting *v;
    size_t n, cap;
    kz_strmap index; /* indicator id -> its sighting in v */
    bool keep_observed;
    kz_time now;
    uint64_t hits;
    json_t *rec_observed; /* the matched record's observed-data, made once when needed */
    kz_buf line;
    kz_err err;
    bool timing; /* --timing: each step's time on standard error */
} scan_ctx;

static char out_buf[64 << 10]; /* standard output's buffer */

/* ---- loading indicators ------------------------------------------------------------------- */

typedef struct {
    kz_index *ix;
    kz_time now;
    int threads; /* reading a file's indicators */
    uint64_t seen, active, bad;
} load_ctx;

/* Where an indicator's text came from, for messages: a file's element or a stored object. */
typedef struct {
    const char *path;
    const kz_reader *r; /* and w: the element of the file */
    const kz_where *w;
    kz_sv id; /* or the stored object's id */
} origin;

/* "FILE: objects[3]" or the stored id (only made when there is something to say). */
static void origin_name(const origin *o, char *buf, size_t cap)
{
    char label[64];

    if (o->r == NULL) {
        snprintf(buf, cap, "%.*s", (int)o->id.n, o->id.p);
        return;
    }
    kz_reader_label(o->r, o->w, label, sizeof label);
    snprintf(buf, cap, "%s: %s", o->path, label);
}

/* Counts an object added or not, and says what was wrong with it. A text that is not JSON is
 * reported with jansson's reading of it (which refuses the same texts as the tape) for its line
 * and column in the file. */
static void tell(load_ctx *lc, const origin *o, const char *text, size_t n,
                 kz_index_text_kind kind, kz_rc rc, const kz_err *err, bool added)
{
    char where[400];

    if (kind == KZ_IX_NOT_INDICATOR || (kind == KZ_IX_INDICATOR && rc == KZ_OK)) {
        lc->seen += kind == KZ_IX_INDICATOR;
        lc->active += added;
        return;
    }
    origin_name(o, where, sizeof where);
    if (kind == KZ_IX_NOT_JSON && rc != KZ_ENOMEM) {
        char label[64];
        kz_element_ctx ectx = {o->path, label, o->w ? o->w->line : 0};
        kz_buf min;
        json_t *obj = NULL;
        kz_err jerr;
        kz_buf_init(&min, 0);
        jerr.msg[0] = '\0';
        if (o->r != NULL) {
            kz_reader_label(o->r, o->w, label, sizeof label);
            if (kz_element_parse(text, n, &ectx, &min, &obj, &jerr) != KZ_EINVAL)
                jerr.msg[0] = '\0'; /* jansson's lost NUL (core.h): the tape's message */
        }
        if (jerr.msg[0] != '\0')
            cli_error("scan: %s", jerr.msg);
        else
            cli_error("scan: %s: %s", where, err->msg);
        json_decref(obj);
        kz_buf_free(&min);
        return;
    }
    lc->seen++;
    lc->bad++;
    fprintf(stderr, "kizuna: scan: %s: %s (skipped)\n", where, err->msg);
}

/* kz_index_load's report of one object of a file. */
typedef struct {
    load_ctx *lc;
    const char *path;
    kz_reader *r;
} file_ctx;

static void on_loaded(void *ctx, const kz_index_loaded *l)
{
    file_ctx *fc = ctx;
    origin o = {fc->path, fc->r, l->where, {NULL, 0}};

    if (l->text == NULL) /* the reader refused the element; its message says where */
        cli_error("scan: %s", l->err->msg);
    else
        tell(fc->lc, &o, l->text, l->n, l->kind, l->rc, l->err, l->added);
}

/* Reads the indicators of a file (or standard input) into the index, on lc->threads threads. */
static int load_file(cli_ctx *c, load_ctx *lc, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    kz_reader *r = NULL;
    file_ctx fc;
    int code = EXIT_OK;
    kz_err err;

    if (f == NULL) {
        cli_error("scan: %s: cannot open the indicators: %s", path, strerror(errno));
        return EXIT_ENV;
    }
    if (kz_reader_new(f, path, &c->lim, &r, &err) != KZ_OK) {
        cli_error("scan: %s", err.msg);
        code = EXIT_ENV;
        goto out;
    }
    fc = (file_ctx){lc, path, r};
    if (kz_index_load(lc->ix, r, lc->threads, &lc->now, on_loaded, &fc, &err) != KZ_OK) {
        cli_error("scan: %s", err.msg);
        code = EXIT_ENV;
    }
out:
    kz_reader_free(r);
    if (f != stdin)
        fclose(f);
    return code;
}

/* Adds one stored object when it is an indicator. */
static void add_indicator(load_ctx *lc, const char *text, size_t n, const origin *o)
{
    kz_index_text_kind kind;
    bool added = false;
    kz_err err;
    kz_rc rc = kz_index_add_text(lc->ix, text, n, &lc->now, &kind, &added, &err);

    tell(lc, o, text, n, kind, rc, &err, added);
}

static kz_rc load_row(void *ctx, const kz_row *row)
{
    origin o = {NULL, NULL, NULL, row->id};

    add_indicator(ctx, row->text.p, row->text.n, &o);
    return KZ_OK;
}

static int load_collection(kz_store *s, load_ctx *lc, const char *name)
{
    kz_collection coll;
    kz_query q;
    kz_err err;

    memset(&q, 0, sizeof q);
    if (kz_store_collection(s, name, false, &coll, &err) != KZ_OK) {
        cli_error("scan: %s", err.msg);
        return EXIT_USAGE;
    }
    q.coll = coll.key;
    q.type = "indicator";
    kz_collection_clear(&coll);
    if (kz_store_query(s, &q, load_row, lc, &err) != KZ_OK) {
        cli_error("scan: %s", err.msg);
        return EXIT_ENV;
    }
    return EXIT_OK;
}

/* ---- matching ----------------------------------------------------------------------------- */

static sighting *sighting_for(scan_ctx *sc, const char *id)
{
    size_t i;

    if (kz_strmap_get(&sc->index, id, &i))
        return &sc->v[i];
    if (kz_grow(&sc->v, &sc->cap, sc->n, sizeof *sc->v, 16) != KZ_OK)
        return NULL;
    memset(&sc->v[sc->n], 0, sizeof sc->v[sc->n]);
    if ((sc->v[sc->n].id = strdup(id)) == NULL)
        return NULL;
    if (kz_strmap_put(&sc->index, id, sc->n) != KZ_OK) {
        free(sc->v[sc->n].id);
        return NULL;
    }
    return &sc->v[sc->n++];
}

/* A match (h) in record rec, or h NULL after rec's last match: its observed-data is let go. */
static kz_rc on_hit(void *ctx, const kz_log_record *rec, const kz_hit *h)
{
    scan_ctx *sc = ctx;
    kz_buf *b = &sc->line;
    char when[KZ_TIME_MAX];
    kz_time t = rec->has_time ? rec->time : sc->now;
    sighting *s;
    kz_rc rc;

    if (h == NULL) {
        json_decref(sc->rec_observed);
        sc->rec_observed = NULL;
        return KZ_OK;
    }
    sc->hits++;
    kz_time_format(&t, 3, when);
    kz_buf_reset(b);
    rc = kz_buf_puts(b, "{\"indicator\":");
    if (rc == KZ_OK)
        rc = kz_buf_json_str(b, h->indicator_id, strlen(h->indicator_id));
    if (rc == KZ_OK && (rc = kz_buf_puts(b, ",\"name\":")) == KZ_OK)
        rc = kz_buf_json_str(b, h->indicator_name, strlen(h->indicator_name));
    if (rc == KZ_OK && h->field != NULL) {
        if ((rc = kz_buf_puts(b, ",\"type\":")) == KZ_OK &&
            (rc = kz_buf_json_str(b, h->field->type, strlen(h->field->type))) == KZ_OK &&
            (rc = kz_buf_puts(b, ",\"path\":")) == KZ_OK &&
            (rc = kz_buf_json_str(b, h->field->path, strlen(h->field->path))) == KZ_OK &&
            (rc = kz_buf_puts(b, ",\"value\":")) == KZ_OK)
            rc = kz_buf_json_str(b, h->field->value.p, h->field->value.n);
    }
    if (rc == KZ_OK && (rc = kz_buf_puts(b, ",\"file\":")) == KZ_OK)
        rc = kz_buf_json_str(b, rec->file, strlen(rec->file));
    if (rc == KZ_OK)
        rc = kz_buf_printf(b, ",\"line\":%llu,\"log\":\"%s\",\"time\":\"%s\"}\n",
                           (unsigned long long)rec->line, rec->log ? rec->log : "", when);
    if (rc != KZ_OK)
        return kz_fail(&sc->err, rc, "out of memory writing a match");
    fwrite(b->p, 1, b->n, stdout);

    if ((s = sighting_for(sc, h->indicator_id)) == NULL)
        return kz_fail(&sc->err, KZ_ENOMEM, "out of memory counting sightings");
    if (s->count == 0 || kz_time_cmp(&t, &s->first) < 0)
        s->first = t;
    if (s->count == 0 || kz_time_cmp(&t, &s->last) > 0)
        s->last = t;
    s->count++;
    if (sc->keep_observed && json_array_size(s->observed) < OBSERVED_MAX) {
        if (sc->rec_observed == NULL &&
            kz_log_record_observed(rec, &sc->now, &sc->rec_observed, &sc->err) != KZ_OK)
            return sc->err.msg[0] ? KZ_EINVAL : KZ_ENOMEM;
        if ((s->observed == NULL && (s->observed = json_array()) == NULL) ||
            json_array_append(s->observed, sc->rec_observed) != 0)
            return kz_fail(&sc->err, KZ_ENOMEM, "out of memory keeping observed-data");
    }
    return KZ_OK;
}

/* CPU time of the whole process (all threads), in milliseconds. */
static double cpu_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Scans one log on `threads` threads; returns EXIT_OK, or EXIT_ENV when it could not be read to
 * its end. */
static int scan_log(cli_ctx *c, const kz_index *ix, kz_index_scratch *scratch, const char *path,
                    kz_log_format fmt, int threads, scan_ctx *sc)
{
    kz_log_reader *r = NULL;
    uint64_t records, malformed, line;
    const char *first;
    int code = EXIT_OK;
    double t0 = cli_now_ms(), c0 = cpu_ms(), ms;
    struct stat st;
    kz_err err;

    if (kz_log_open(path, fmt, &c->lim, &r, &err) != KZ_OK) {
        cli_error("scan: %s", err.msg);
        return EXIT_ENV;
    }
    if (kz_scan_log(ix, scratch, r, threads, on_hit, sc, &line, &err) != KZ_OK) {
        if (line > 0)
            cli_error("scan: %s: line %llu: %s", path, (unsigned long long)line,
                      sc->err.msg[0] ? sc->err.msg : err.msg);
        else
            cli_error("scan: %s", err.msg);
        code = EXIT_ENV;
    }
    json_decref(sc->rec_observed);
    sc->rec_observed = NULL;
    kz_log_counts(r, &records, &malformed, &first);
    if (sc->timing) { /* on standard error; bench/detect reads it */
        ms = cli_now_ms() - t0;
        fprintf(stderr, "kizuna: timing: %s: scan %.1f ms (CPU %.1f ms), %llu records", path, ms,
                cpu_ms() - c0, (unsigned long long)records);
        if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) && ms > 0)
            fprintf(stderr, ", %.1f MB/s of the file as stored", (double)st.st_size / 1e3 / ms);
        fputc('\n', stderr);
    }
    if (!c->quiet) {
        fprintf(stderr, "%s: %s log, %llu records, %llu malformed%s%s\n", path,
                kz_log_format_name(kz_log_format_of(r)), (unsigned long long)records,
                (unsigned long long)malformed, malformed ? " (first: " : "",
                malformed ? first : "");
        if (malformed)
            fputs(")\n", stderr);
    }
    kz_log_free(r);
    return code;
}

/* ---- sightings ---------------------------------------------------------------------------- */

/* Prints the validator's errors about an object this command made (a bug if there are any). */
static void print_errors(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    if (sev == KZ_STIX_ERROR)
        fprintf(stderr, "kizuna: scan: made an invalid %s: %s: %s\n", (const char *)ctx, path,
                msg);
}

/* Validates and stores one object in coll. */
static kz_rc put_object(kz_store *s, int64_t coll, const kz_limits *lim, const json_t *obj,
                        kz_err *err)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *type = json_string_value(json_object_get(obj, "type"));
    const char *spec = json_string_value(json_object_get(obj, "spec_version"));
    char version[KZ_STIX_VERSION_MAX];
    kz_put_result res;
    char *text;
    kz_put p;
    kz_rc rc;

    if (kz_stix_validate(obj, lim, print_errors, (void *)(id ? id : "object")) > 0 ||
        id == NULL || type == NULL)
        return kz_fail(err, KZ_EINVAL, "a sighting object did not validate (a bug: report it)");
    if (kz_stix_version(obj, version) != KZ_OK)
        version[0] = '\0';
    if ((text = json_dumps(obj, JSON_COMPACT)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory storing a sighting");
    p.id = kz_sv_c(id);
    p.type = kz_sv_c(type);
    p.version = kz_sv_c(version);
    p.spec_version = kz_sv_c(spec ? spec : "2.1");
    p.text = kz_sv_c(text);
    p.obj = obj;
    rc = kz_store_put(s, coll, &p, &res, err);
    free(text);
    return rc;
}

/* The node's identity: deterministic from its name, so each scan refers to the same one. */
static json_t *node_identity(const char *name)
{
    char id[KZ_UUID_STR], full[64];

    if (kz_uuid5(KZ_NS, name, strlen(name), id) != KZ_OK)
        return NULL;
    snprintf(full, sizeof full, "identity--%s", id);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "identity", "spec_version",
                     "2.1", "id", full, "created", "2020-01-01T00:00:00.000Z", "modified",
                     "2020-01-01T00:00:00.000Z", "name", name, "identity_class", "organization");
}

static int store_sightings(cli_ctx *c, kz_store *s, const char *coll_name, const char *node,
                           scan_ctx *sc)
{
    json_t *identity = node_identity(node);
    const char *identity_id = json_string_value(json_object_get(identity, "id"));
    char now[KZ_TIME_MAX];
    kz_collection coll;
    bool in_batch = false;
    int code = EXIT_ENV;
    kz_err err;

    memset(&coll, 0, sizeof coll);
    kz_time_format(&sc->now, 3, now);
    if (identity == NULL) {
        cli_error("scan: out of memory");
        goto out;
    }
    if (kz_store_collection(s, coll_name, true, &coll, &err) != KZ_OK ||
        kz_store_begin(s, &err) != KZ_OK)
        goto fail;
    in_batch = true;
    if (put_object(s, coll.key, &c->lim, identity, &err) != KZ_OK)
        goto fail;
    for (size_t i = 0; i < sc->n; i++) {
        sighting *sg = &sc->v[i];
        char uuid[KZ_UUID_STR], sid[64], first[KZ_TIME_MAX], last[KZ_TIME_MAX];
        json_t *refs = json_array(), *obs, *sight;
        size_t k;

        if (refs == NULL)
            goto oom;
        json_array_foreach(sg->observed, k, obs) {
            size_t j;
            json_t *o;
            json_array_append(refs, json_object_get(json_array_get(obs, 0), "id"));
            json_array_foreach(obs, j, o) {
                if (put_object(s, coll.key, &c->lim, o, &err) != KZ_OK) {
                    json_decref(refs);
                    goto fail;
                }
            }
        }
        if (kz_uuid4(uuid) != KZ_OK) {
            json_decref(refs);
            goto oom;
        }
        snprintf(sid, sizeof sid, "sighting--%s", uuid);
        kz_time_format(&sg->first, 3, first);
        kz_time_format(&sg->last, 3, last);
        sight = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:[s]}", "type",
                          "sighting", "spec_version", "2.1", "id", sid, "created", now,
                          "modified", now, "created_by_ref", identity_id, "sighting_of_ref",
                          sg->id, "count", (json_int_t)(sg->count > 999999999 ? 999999999
                                                                                : sg->count),
                          "first_seen", first, "last_seen", last, "where_sighted_refs",
                          identity_id);
        if (sight == NULL) {
            json_decref(refs);
            goto oom;
        }
        if (json_array_size(refs) > 0)
            json_object_set(sight, "observed_data_refs", refs);
        json_decref(refs);
        if (put_object(s, coll.key, &c->lim, sight, &err) != KZ_OK) {
            json_decref(sight);
            goto fail;
        }
        if (!c->quiet)
            fprintf(stderr, "stored %s of %s (count %llu) in collection %s\n", sid, sg->id,
                    (unsigned long long)sg->count, coll.title);
        json_decref(sight);
    }
    if (kz_store_commit(s, &err) != KZ_OK)
        goto fail;
    in_batch = false;
    code = EXIT_OK;
    goto out;
oom:
    cli_error("scan: out of memory storing sightings");
    goto out;
fail:
    cli_error("scan: %s", err.msg);
out:
    if (in_batch)
        kz_store_rollback(s);
    kz_collection_clear(&coll);
    json_decref(identity);
    return code;
}

/* ---- the command -------------------------------------------------------------------------- */

static bool parse_format(const char *s, kz_log_format *f)
{
    static const struct {
        const char *name;
        kz_log_format f;
    } forms[] = {{"auto", KZ_LOG_AUTO}, {"zeek", KZ_LOG_ZEEK}, {"eve", KZ_LOG_EVE},
                 {"text", KZ_LOG_TEXT}, {"stix", KZ_LOG_STIX}};

    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (strcmp(s, forms[i].name) == 0) {
            *f = forms[i].f;
            return true;
        }
    }
    return false;
}

int cmd_scan(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"indicators", required_argument, NULL, 'i'},
        {"collection", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'},
        {"sightings", required_argument, NULL, 's'},
        {"identity", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 't'},
        {"timing", no_argument, NULL, 'T'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *indicators = NULL, *collection = NULL, *sightings = NULL, *node = NULL;
    kz_log_format fmt = KZ_LOG_AUTO;
    kz_index *ix = NULL;
    kz_index_scratch *scratch = NULL;
    kz_index_stats st;
    kz_store *s = NULL;
    load_ctx lc;
    scan_ctx sc;
    char host[128];
    int o, code = EXIT_OK, rcode;
    int64_t nthreads = sysconf(_SC_NPROCESSORS_ONLN);
    double t0 = cli_now_ms(), t1;
    kz_err err;

    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > 64)
        nthreads = 64;
    memset(&lc, 0, sizeof lc);
    memset(&sc, 0, sizeof sc);
    kz_buf_init(&sc.line, 0);
    optind = 0;
    while ((o = getopt_long(argc, argv, "i:c:f:s:n:t:qh", opts, NULL)) != -1) {
        switch (o) {
            case 'i': indicators = optarg; break;
            case 'c': collection = optarg; break;
            case 's': sightings = optarg; break;
            case 'n': node = optarg; break;
            case 'q': c->quiet = true; break;
            case 'T': sc.timing = true; break;
            case 't':
                if (kz_parse_i64(kz_sv_c(optarg), 1, 64, &nthreads) != KZ_OK) {
                    cli_error("scan: --threads %s: expected a number from 1 to 64", optarg);
                    return EXIT_USAGE;
                }
                break;
            case 'f':
                if (!parse_format(optarg, &fmt)) {
                    cli_error("scan: --format %s: expected zeek, eve, text, stix or auto",
                              optarg);
                    return EXIT_USAGE;
                }
                break;
            case 'h': cli_help(stdout, "scan"); return EXIT_OK;
            default: cli_help(stderr, "scan"); return EXIT_USAGE;
        }
    }
    if ((indicators == NULL) == (collection == NULL) || optind >= argc) {
        cli_error("scan: give the indicators (--indicators FILE or --collection ID) and at least "
                  "one LOG");
        cli_help(stderr, "scan");
        return EXIT_USAGE;
    }
    if (node == NULL) {
        if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
            snprintf(host, sizeof host, "kizuna node");
        host[sizeof host - 1] = '\0';
        node = host;
    }
    lc.now = sc.now = kz_time_now();
    lc.threads = (int)nthreads;
    sc.keep_observed = sightings != NULL;
    /* Match lines in 64 KiB writes rather than the 4 KiB stdio picks for a file or pipe (system
     * calls are dear on VMs; a busy indicator can match millions of lines). */
    if (!isatty(STDOUT_FILENO)) /* (glibc ignores the size unless given the buffer) */
        (void)setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    if (kz_index_new(&c->lim, &ix, &err) != KZ_OK) {
        cli_error("scan: %s", err.msg);
        code = EXIT_ENV;
        goto out;
    }
    lc.ix = ix;
    if ((collection != NULL || sightings != NULL) && (s = cli_open_store(c)) == NULL) {
        code = EXIT_ENV;
        goto out;
    }
    code = indicators ? load_file(c, &lc, indicators) : load_collection(s, &lc, collection);
    if (code != EXIT_OK)
        goto out;
    t1 = cli_now_ms();
    if (kz_index_build(ix, &err) != KZ_OK || kz_index_scratch_new(ix, &scratch, &err) != KZ_OK) {
        cli_error("scan: %s", err.msg);
        code = EXIT_ENV;
        goto out;
    }
    if (sc.timing)
        fprintf(stderr, "kizuna: timing: read indicators %.1f ms, build the index %.1f ms\n",
                t1 - t0, cli_now_ms() - t1);
    kz_index_get_stats(ix, &st);
    if (!c->quiet)
        fprintf(stderr,
                "%llu indicators read, %zu active indexed (%zu exact values, %zu CIDR, %zu "
                "LIKE/MATCHES of which %zu through a required literal, %zu checked on every "
                "record), %llu not usable\n",
                (unsigned long long)lc.seen, st.indicators, st.exact, st.cidr, st.regex,
                st.regex_literal, st.full_only, (unsigned long long)lc.bad);
    for (int i = optind; i < argc; i++) {
        if ((rcode = scan_log(c, ix, scratch, argv[i], fmt, (int)nthreads, &sc)) != EXIT_OK)
            code = rcode;
    }
    fflush(stdout);
    if (sightings != NULL && sc.n > 0 &&
        (rcode = store_sightings(c, s, sightings, node, &sc)) != EXIT_OK)
        code = rcode;
    if (!c->quiet)
        fprintf(stderr, "%llu matches of %zu indicators\n", (unsigned long long)sc.hits, sc.n);
    if (code == EXIT_OK)
        code = sc.hits > 0 ? EXIT_OK : EXIT_INPUT;
out:
    for (size_t i = 0; i < sc.n; i++) {
        free(sc.v[i].id);
        json_decref(sc.v[i].observed);
    }
    free(sc.v);
    kz_strmap_free(&sc.index);
    kz_buf_free(&sc.line);
    kz_index_scratch_free(scratch);
    kz_index_free(ix);
    kz_store_free(s);
    return code;
}
