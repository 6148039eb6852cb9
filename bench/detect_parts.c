/*
 * detect_parts.c - the text reader and the index lookups timed apart, in one process: the
 * indicators are loaded once, the log is held in memory, and each part runs ROUNDS times (the
 * best kept). Whole-command runs on a shared virtual machine drift by more than most changes
 * are worth; this isolates the two costs that matter on one thread from reading, framing,
 * confirmation and exit, and from the drift between processes.
 *
 *   kz_bench_detect_parts INDICATORS.jsonl TEXT.log [ROUNDS]
 *
 * Prints the lines, fields and candidates (identical for identical code: a check that a change
 * did not alter what is found), the reader alone, and reader + lookups with two lines in flight
 * as `kizuna scan --threads 1` does (kz_index_prepare of a line before kz_index_lookup_prepared
 * of the one before it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "kizuna/detect.h"

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Adds every indicator of a JSON-lines file; exits on a bad line. */
static void load(kz_index *ix, const char *path)
{
    FILE *f = fopen(path, "r");
    kz_time t = kz_time_now();
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    while ((n = getline(&line, &cap, f)) > 0) {
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)n, 0, &je);
        kz_err err;
        bool added;
        lineno++;
        if (o == NULL) {
            fprintf(stderr, "%s:%zu: %s\n", path, lineno, je.text);
            exit(2);
        }
        if (kz_index_add(ix, o, &t, &added, &err) != KZ_OK) {
            fprintf(stderr, "%s:%zu: %s\n", path, lineno, err.msg);
            exit(2);
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
}

/* The whole file in memory (*mem, to free), cut into lines (without their "\n"). */
static kz_sv *lines_of(const char *path, char **mem, size_t *nlines, size_t *bytes)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    kz_sv *v = NULL;
    size_t n = 0, cap = 0, got = 0, room = 0, k;

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    for (;;) {
        if (got == room) {
            room = room ? room * 2 : 1u << 20;
            if ((buf = realloc(buf, room)) == NULL)
                exit(3);
        }
        if ((k = fread(buf + got, 1, room - got, f)) == 0)
            break;
        got += k;
    }
    fclose(f);
    for (size_t i = 0, s = 0; i < got; i++) {
        if (buf[i] != '\n')
            continue;
        if (n == cap && (v = realloc(v, (cap = cap ? cap * 2 : 4096) * sizeof *v)) == NULL)
            exit(3);
        v[n++] = (kz_sv){buf + s, i - s};
        s = i + 1;
    }
    *mem = buf;
    *nlines = n;
    *bytes = got;
    return v;
}

static void die(const char *what, const kz_err *err)
{
    fprintf(stderr, "%s: %s\n", what, err->msg);
    exit(2);
}

int main(int argc, char **argv)
{
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    double best_parse = 1e18, best_all = 1e18;
    size_t nlines, bytes, fields = 0, cands = 0;
    kz_log_reader *r, *p[2];
    kz_index_scratch *s;
    kz_index *ix;
    kz_sv *lines;
    char *mem;
    kz_err err;

    if (argc < 3 || rounds < 1) {
        fprintf(stderr, "usage: %s INDICATORS.jsonl TEXT.log [ROUNDS]\n", argv[0]);
        return 2;
    }
    if (kz_index_new(NULL, &ix, &err) != KZ_OK)
        die("index", &err);
    load(ix, argv[1]);
    if (kz_index_build(ix, &err) != KZ_OK)
        die("build", &err);
    if (kz_index_scratch_new(ix, &s, &err) != KZ_OK)
        die("scratch", &err);
    lines = lines_of(argv[2], &mem, &nlines, &bytes);
    if (kz_log_open(argv[2], KZ_LOG_TEXT, NULL, &r, &err) != KZ_OK ||
        kz_log_parser_new(r, &p[0], &err) != KZ_OK || kz_log_parser_new(r, &p[1], &err) != KZ_OK)
        die(argv[2], &err);
    for (int round = 0; round < rounds; round++) {
        const kz_log_record *prev = NULL;
        const kz_index_cand *c;
        size_t nf = 0, nc = 0, k;
        int stage = 0;
        double t0 = now_ms(), t1;

        for (size_t i = 0; i < nlines; i++) {
            const kz_log_record *rec = kz_log_parse_line(p[0], lines[i], i + 1, 0);
            nf += rec != NULL ? rec->nfields : 0;
        }
        t1 = now_ms();
        best_parse = t1 - t0 < best_parse ? t1 - t0 : best_parse;
        fields = nf;
        t0 = now_ms();
        for (size_t i = 0; i < nlines; i++) {
            const kz_log_record *rec = kz_log_parse_line(p[stage], lines[i], i + 1, 0);
            if (rec != NULL && kz_index_prepare(ix, s, rec, stage, &err) != KZ_OK)
                die("prepare", &err);
            if (prev != NULL) {
                if (kz_index_lookup_prepared(ix, s, prev, stage ^ 1, &c, &k, &err) != KZ_OK)
                    die("lookup", &err);
                nc += k;
            }
            prev = rec;
            stage ^= rec != NULL;
        }
        if (prev != NULL) {
            if (kz_index_lookup_prepared(ix, s, prev, stage ^ 1, &c, &k, &err) != KZ_OK)
                die("lookup", &err);
            nc += k;
        }
        t1 = now_ms();
        best_all = t1 - t0 < best_all ? t1 - t0 : best_all;
        cands = nc;
    }
    printf("%zu lines, %zu fields, %zu candidates (best of %d rounds)\n", nlines, fields, cands,
           rounds);
    printf("reader alone       %8.1f ms  %7.1f MB/s\n", best_parse,
           (double)bytes / 1e3 / best_parse);
    printf("reader + lookups   %8.1f ms  %7.1f MB/s  (lookups %.1f ms)\n", best_all,
           (double)bytes / 1e3 / best_all, best_all - best_parse);
    kz_log_free(p[0]);
    kz_log_free(p[1]);
    kz_log_free(r);
    kz_index_scratch_free(s);
    kz_index_free(ix);
    free(mem);
    free(lines);
    return 0;
}
