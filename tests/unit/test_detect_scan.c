/*
 * test_detect_scan.c - kz_scan_log: a log matched on one thread or several gives the matches of
 * kz_log_next and kz_index_match record by record, in the same order, with the same counts of
 * records and malformed lines (and the same first problem): over batches of lines, with patterns
 * of several observations across records, an indicator checked on every record, gzip input, EVE
 * lines that are not JSON, over-long lines, empty lines and a last line without its newline.
 * Also the parser path (kz_log_next_line + kz_log_parse_line) against kz_log_next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "kizuna/detect.h"

#define NOW_SEC 1700000000
#define LINES 30000 /* several of kz_scan_log's batches (8192 lines) */

static const kz_time now_t = {NOW_SEC, 0, 0};

/* ---- helpers ---- */

/* Adds indicator n with a pattern; it must be accepted. */
static void add(kz_index *ix, int n, const char *pattern)
{
    char id[64];
    json_t *in;
    kz_err err;
    bool added = false;

    snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", n);
    in = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "indicator", "id", id, "pattern", pattern,
                   "pattern_type", "stix", "valid_from", "2020-01-01T00:00:00Z");
    assert_non_null(in);
    if (kz_index_add(ix, in, &now_t, &added, &err) != KZ_OK)
        fail_msg("indicator %d (%s): %s", n, pattern, err.msg);
    assert_true(added);
    json_decref(in);
}

/* The test's index; with_full adds an indicator checked on every record. */
static kz_index *test_index(bool with_full)
{
    kz_index *ix = NULL;
    kz_err err;

    assert_int_equal(kz_index_new(NULL, &ix, &err), KZ_OK);
    add(ix, 1, "[ipv4-addr:value = '198.51.100.7']");
    add(ix, 2, "[ipv4-addr:value ISSUBSET '203.0.113.0/24']");
    add(ix, 3, "[domain-name:value = 'evil.example']");
    add(ix, 4,
        "[file:hashes.'SHA-256' = "
        "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']");
    add(ix, 5, "[url:value LIKE 'http://evil.example/%.exe']");
    /* Several observations: the window carries over records (and batches). */
    add(ix, 6,
        "[domain-name:value = 'stage1.example'] FOLLOWEDBY [ipv4-addr:value = "
        "'192.0.2.99']");
    add(ix, 7, "[domain-name:value = 'a.example'] AND [domain-name:value = 'b.example']");
    /* Evaluated in full on an atom hit. */
    add(ix, 8, "[ipv4-addr:value ISSUBSET '10.9.0.0/16' AND ipv4-addr:value != '10.9.9.9']");
    add(ix, 9, "[email-addr:value = 'mallory@evil.example'] REPEATS 2 TIMES");
    if (with_full)
        add(ix, 10, "[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']");
    if (kz_index_build(ix, &err) != KZ_OK)
        fail_msg("build: %s", err.msg);
    return ix;
}

/* The test log: LINES lines with hits, near misses and odd lines spread over them. */
static char *test_log(size_t *n)
{
    kz_buf b;

    kz_buf_init(&b, 0);
    for (int i = 1; i <= LINES; i++) {
        int t = NOW_SEC + i;
        kz_rc rc = KZ_OK;
        kz_time tm = {t, 0, 0};
        char when[KZ_TIME_MAX];

        kz_time_format(&tm, 0, when);
        /* Patterns of several observations are evaluated over their window of records: they
         * are planted more sparsely to keep the test quick. */
        switch (i % 97 == 23 || i % 97 == 29 || i % 97 == 31 || i % 97 == 37 || i % 97 == 43
                    ? (i % 1261 < 97 ? i % 97 : 1)
                    : i % 97) {
            case 0:
                rc = kz_buf_printf(&b, "%s conn from 198.51.100.7 to 10.0.0.%d\n", when, i % 250);
                break;
            case 5:
                rc =
                    kz_buf_printf(&b, "%s deny 203.0.113.%d:443 evil.example.org\n", when, i % 256);
                break;
            case 11:
                rc = kz_buf_printf(&b, "lookup evil.example ok; get http://evil.example/x%d.exe\n",
                                   i);
                break;
            case 17:
                rc = kz_buf_puts(
                    &b, "hash aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f\n");
                break;
            case 23: rc = kz_buf_printf(&b, "%s resolve stage1.example\n", when); break;
            case 29: rc = kz_buf_printf(&b, "%s connect 192.0.2.99 (after stage1)\n", when); break;
            case 31: rc = kz_buf_puts(&b, "a.example then\n"); break;
            case 37: rc = kz_buf_puts(&b, "b.example now\n"); break;
            case 41: rc = kz_buf_printf(&b, "%s 10.9.%d.9 and 10.9.9.9\n", when, i % 256); break;
            case 43: rc = kz_buf_puts(&b, "from mallory@evil.example\n"); break;
            case 47: rc = kz_buf_puts(&b, "\n"); break;
            case 53: /* over the test's line limit: counted malformed */
                for (int k = 0; k < 300 && rc == KZ_OK; k++)
                    rc = kz_buf_puts(&b, "198.51.100.7 ");
                if (rc == KZ_OK)
                    rc = kz_buf_puts(&b, "\n");
                break;
            case 59:
                rc = kz_buf_printf(&b, "near 1198.51.100.7 198.51.100.70 x%d.evil.example\n", i);
                break;
            default:
                rc = kz_buf_printf(&b, "%s host%d.example.com 172.16.%d.%d quiet\n", when, i,
                                   i % 256, i % 200);
                break;
        }
        assert_int_equal(rc, KZ_OK);
    }
    assert_int_equal(kz_buf_puts(&b, "last line 198.51.100.7 without its newline"), KZ_OK);
    *n = b.n;
    return b.p;
}

/* A transcript of matches: one line per match, and one per end of a record's matches. */
static kz_rc note(void *ctx, const kz_log_record *rec, const kz_hit *h)
{
    kz_buf *b = ctx;

    if (h == NULL)
        return kz_buf_printf(b, "%llu end\n", (unsigned long long)rec->line);
    return kz_buf_printf(b, "%llu %s %s %.*s %s %lld\n", (unsigned long long)rec->line,
                         h->indicator_id, h->field ? h->field->type : "-",
                         h->field ? (int)h->field->value.n : 1, h->field ? h->field->value.p : "-",
                         rec->log, (long long)rec->time.sec);
}

/* Adds "records malformed first-problem" to a transcript. */
static void note_counts(kz_buf *b, const kz_log_reader *r)
{
    uint64_t records, malformed;
    const char *first;

    kz_log_counts(r, &records, &malformed, &first);
    assert_int_equal(kz_buf_printf(b, "records %llu malformed %llu first %s\n",
                                   (unsigned long long)records, (unsigned long long)malformed,
                                   first),
                     KZ_OK);
}

static kz_limits test_limits(void)
{
    kz_limits lim = kz_limits_default();

    lim.object_bytes = 2048;
    return lim;
}

/* The reference: kz_log_next and kz_index_match record by record, end marks as kz_scan_log's. */
typedef struct {
    kz_buf *b;
    const kz_log_record *rec;
    bool any;
} ref_ctx;

static kz_rc ref_hit(void *ctx, const kz_hit *h)
{
    ref_ctx *rc = ctx;

    rc->any = true;
    return note(rc->b, rc->rec, h);
}

static char *reference(const kz_index *ix, const char *log, size_t n, kz_log_format f)
{
    kz_limits lim = test_limits();
    kz_index_scratch *s = NULL;
    kz_log_reader *r = NULL;
    const kz_log_record *rec;
    kz_buf b;
    kz_err err;
    ref_ctx rc;

    kz_buf_init(&b, 0);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    assert_int_equal(kz_log_open_mem(log, n, "t.log", f, &lim, &r, &err), KZ_OK);
    while (kz_log_next(r, &rec, &err) == KZ_OK && rec != NULL) {
        rc = (ref_ctx){&b, rec, false};
        assert_int_equal(kz_index_match(ix, s, rec, ref_hit, &rc, &err), KZ_OK);
        if (rc.any)
            assert_int_equal(note(&b, rec, NULL), KZ_OK);
    }
    note_counts(&b, r);
    kz_log_free(r);
    kz_index_scratch_free(s);
    return b.p;
}

/* kz_scan_log on `threads` threads over the open log r (freed). */
static char *scan_reader(const kz_index *ix, kz_log_reader *r, int threads)
{
    kz_index_scratch *s = NULL;
    uint64_t line = 99;
    kz_buf b;
    kz_err err;

    kz_buf_init(&b, 0);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    if (kz_scan_log(ix, s, r, threads, note, &b, &line, &err) != KZ_OK)
        fail_msg("scan on %d threads: %s", threads, err.msg);
    assert_int_equal(line, 0);
    note_counts(&b, r);
    kz_log_free(r);
    kz_index_scratch_free(s);
    return b.p;
}

/* kz_scan_log on `threads` threads. */
static char *scanned(const kz_index *ix, const char *log, size_t n, kz_log_format f, int threads)
{
    kz_limits lim = test_limits();
    kz_log_reader *r = NULL;
    kz_err err;

    assert_int_equal(kz_log_open_mem(log, n, "t.log", f, &lim, &r, &err), KZ_OK);
    return scan_reader(ix, r, threads);
}

/* The same over the log written to a file, read as files are: in chunks, lines crossing from
 * one read into the next. */
static char *scanned_file(const kz_index *ix, const char *log, size_t n, int threads)
{
    char path[] = "/tmp/kz-test-scan-XXXXXX";
    kz_limits lim = test_limits();
    kz_log_reader *r = NULL;
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    kz_err err;
    char *got, *at;

    assert_non_null(f);
    assert_int_equal(fwrite(log, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(kz_log_open(path, KZ_LOG_TEXT, &lim, &r, &err), KZ_OK);
    got = scan_reader(ix, r, threads);
    unlink(path);
    /* The first problem names the file: as the in-memory log's name, t.log. */
    if ((at = strstr(got, path)) != NULL) {
        memcpy(at, "t.log", 5);
        memmove(at + 5, at + strlen(path), strlen(at + strlen(path)) + 1);
    }
    return got;
}

/* gzip of n bytes (a new allocation, *zn its size). */
static char *gzipped(const char *p, size_t n, size_t *zn)
{
    size_t cap = n + n / 2 + 128;
    char *gz = malloc(cap);
    z_stream z;

    assert_non_null(gz);
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)gz;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *zn = z.total_out;
    deflateEnd(&z);
    return gz;
}

/* ---- tests ---- */

static void same_for_every_thread_count(bool with_full)
{
    kz_index *ix = test_index(with_full);
    size_t n, zn;
    char *log = test_log(&n), *gz = gzipped(log, n, &zn);
    char *ref = reference(ix, log, n, KZ_LOG_TEXT);

    /* The transcript is not trivial: every kind of hit is in it, the near misses are not. */
    for (int i = 1; i <= (with_full ? 10 : 9); i++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", i);
        if (strstr(ref, id) == NULL)
            fail_msg("indicator %d never matched", i);
    }
    assert_null(strstr(ref, "198.51.100.70"));
    assert_non_null(strstr(ref, "malformed 309 first t.log: line 53: longer than"));
    for (int threads = 1; threads <= 4; threads++) {
        char *got = scanned(ix, log, n, KZ_LOG_TEXT, threads);
        if (strcmp(got, ref) != 0)
            fail_msg("%d threads: the matches differ from kz_index_match's", threads);
        free(got);
        got = scanned(ix, gz, zn, KZ_LOG_AUTO, threads);
        if (strcmp(got, ref) != 0)
            fail_msg("%d threads, gzip: the matches differ from kz_index_match's", threads);
        free(got);
        got = scanned_file(ix, log, n, threads);
        if (strcmp(got, ref) != 0)
            fail_msg("%d threads, a file: the matches differ from kz_index_match's", threads);
        free(got);
    }
    free(ref);
    free(gz);
    free(log);
    kz_index_free(ix);
}

static void test_scan_threads_give_the_same_matches_in_order(void **state)
{
    (void)state;
    same_for_every_thread_count(false);
}

static void test_scan_threads_with_an_indicator_checked_on_every_record(void **state)
{
    (void)state;
    same_for_every_thread_count(true);
}

static void test_scan_threads_eve_counts_malformed_lines_alike(void **state)
{
    kz_index *ix = test_index(false);
    kz_buf b;
    char *ref;

    (void)state;
    kz_buf_init(&b, 0);
    for (int i = 1; i <= 20000; i++) {
        kz_rc rc;
        if (i % 1000 == 777)
            rc = kz_buf_puts(&b, "{not json\n");
        else
            rc = kz_buf_printf(&b,
                               "{\"timestamp\":\"2024-05-01T10:00:%02d.000000+0000\","
                               "\"event_type\":\"%s\",\"src_ip\":\"10.0.0.%d\",\"dest_ip\":"
                               "\"%s\",\"dns\":{\"rrname\":\"%s\"}}\n",
                               i % 60, i % 2 ? "flow" : "dns", i % 250,
                               i % 50 == 0 ? "198.51.100.7" : "192.0.2.1",
                               i % 70 == 0 ? "evil.example" : "fine.example");
        assert_int_equal(rc, KZ_OK);
    }
    ref = reference(ix, b.p, b.n, KZ_LOG_EVE);
    assert_non_null(strstr(ref, "malformed 20 first t.log: line 777:"));
    assert_non_null(strstr(ref, " dns "));
    for (int threads = 2; threads <= 3; threads++) {
        char *got = scanned(ix, b.p, b.n, KZ_LOG_EVE, threads);
        if (strcmp(got, ref) != 0)
            fail_msg("%d threads: EVE matches or counts differ", threads);
        free(got);
    }
    free(ref);
    kz_buf_free(&b);
    kz_index_free(ix);
}

/* A failing callback stops the scan at that record, on one thread or several. */
static kz_rc stop_at_third(void *ctx, const kz_log_record *rec, const kz_hit *h)
{
    int *n = ctx;

    (void)rec;
    if (h != NULL && ++*n == 3)
        return KZ_EINVAL;
    return KZ_OK;
}

static void test_scan_callback_error_stops_at_its_record(void **state)
{
    kz_index *ix = test_index(false);
    kz_limits lim = test_limits();
    size_t n;
    char *log = test_log(&n);
    uint64_t lines[3] = {0, 0, 0};

    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        kz_index_scratch *s = NULL;
        kz_log_reader *r = NULL;
        kz_err err;
        int k = 0;
        assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
        assert_int_equal(kz_log_open_mem(log, n, "t.log", KZ_LOG_TEXT, &lim, &r, &err), KZ_OK);
        assert_int_equal(kz_scan_log(ix, s, r, threads, stop_at_third, &k, &lines[threads], &err),
                         KZ_EINVAL);
        assert_int_equal(k, 3);
        kz_log_free(r);
        kz_index_scratch_free(s);
    }
    assert_true(lines[1] > 0);
    assert_int_equal(lines[1], lines[2]);
    free(log);
    kz_index_free(ix);
}

/* Zeek TSV (header lines rule the lines after them) is not read apart: one thread does all. */
static void test_scan_lines_apart_only_for_text_and_eve(void **state)
{
    static const char tsv[] = "#separator \\x09\n#fields\tts\tid.orig_h\n1.0\t198.51.100.7\n";
    static const char text[] = "198.51.100.7\n";
    kz_log_reader *r = NULL;
    kz_err err;

    (void)state;
    assert_int_equal(kz_log_open_mem(tsv, strlen(tsv), "c.log", KZ_LOG_AUTO, NULL, &r, &err),
                     KZ_OK);
    assert_false(kz_log_lines_apart(r));
    kz_log_free(r);
    assert_int_equal(kz_log_open_mem(text, strlen(text), "t.log", KZ_LOG_AUTO, NULL, &r, &err),
                     KZ_OK);
    assert_true(kz_log_lines_apart(r));
    kz_log_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_threads_give_the_same_matches_in_order),
        cmocka_unit_test(test_scan_threads_with_an_indicator_checked_on_every_record),
        cmocka_unit_test(test_scan_threads_eve_counts_malformed_lines_alike),
        cmocka_unit_test(test_scan_callback_error_stops_at_its_record),
        cmocka_unit_test(test_scan_lines_apart_only_for_text_and_eve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
