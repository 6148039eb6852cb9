/*
 * test_alloc_failure.c - fails each allocation in turn while the parsers of untrusted bytes run
 * (the streaming reader with jansson, the STIX validator, the pattern parser, the JSON tape, the
 * indicator index read on one and two threads, the store's put) and
 * checks that every run ends in a clean error or a clean success: never a crash, never a success
 * that lost data. The process's malloc family is replaced here (glibc's __libc_* underneath), so
 * jansson's and SQLite's allocations fail too. Under AddressSanitizer, which owns malloc, the test
 * skips; the plain build runs it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/detect.h"
#include "kizuna/pattern.h"
#include "kizuna/stix.h"
#include "kizuna/store.h"

#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define KZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KZ_ASAN 1
#endif
#endif

#ifndef KZ_ASAN
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static long fail_at = -1; /* the allocation to fail, counting from 0; -1: none */
static long seen;         /* allocations since arming */
static int failed;        /* whether fail_at was reached */

static int should_fail(void)
{
    if (fail_at < 0)
        return 0;
    if (seen++ == fail_at) {
        failed = 1;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    return should_fail() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    return should_fail() ? NULL : __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

static void arm(long at)
{
    seen = 0;
    failed = 0;
    fail_at = at;
}

static void disarm(void)
{
    fail_at = -1;
}

static const char bundle[] =
    "{\"type\":\"bundle\",\"id\":\"bundle--0f0c1c6e-2ad4-4e4e-9d47-2a8c4f7e7d11\",\"objects\":["
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-"
    "98ee46b3cd3f\",\"created\":\"2024-03-01T10:00:00.000Z\",\"modified\":\"2024-03-01T10:00:00."
    "000Z\",\"name\":\"c2\",\"pattern\":\"[ipv4-addr:value = '198.51.100.1'] AND [file:hashes."
    "'SHA-256' = 'aa']\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-03-01T10:00:00Z\","
    "\"external_references\":[{\"source_name\":\"cve\",\"external_id\":\"CVE-2021-44228\"}],"
    "\"granular_markings\":[{\"marking_ref\":\"marking-definition--f88d31f6-486f-44da-b317-"
    "01333bde0b82\",\"selectors\":[\"name\"]}]},"
    "{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\",\"id\":\"ipv4-addr--12592121-be4c-5a93-a813-"
    "5a5af16e50db\",\"value\":\"198.51.100.7\"},"
    "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--31b940d4-6f7f-459a-80ea-"
    "9c1f17b5891b\",\"created\":\"2024-03-01T10:00:00.000Z\",\"modified\":\"2024-03-01T10:00:00."
    "000Z\",\"name\":\"x\",\"is_family\":true}]}";

static void ignore(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    (void)ctx;
    (void)sev;
    (void)path;
    (void)msg;
}

/* Reads and validates the whole bundle; returns objects read with no error, or -1. */
static long read_and_validate(void)
{
    kz_limits lim = kz_limits_default();
    FILE *f = fmemopen((void *)bundle, sizeof bundle - 1, "r");
    kz_reader *r = NULL;
    long good = 0;
    kz_err err;

    if (f == NULL)
        return -1;
    if (kz_reader_new(f, "t", &lim, &r, &err) != KZ_OK) {
        fclose(f);
        return -1;
    }
    for (;;) {
        const char *text;
        size_t len;
        json_t *obj;
        kz_where w;
        kz_rc rc = kz_reader_next(r, &text, &len, &obj, &w, &err);
        if (rc == KZ_ENOTFOUND)
            break;
        if (rc != KZ_OK) {
            assert_true(err.msg[0] != '\0'); /* every failure says something */
            if (!kz_reader_can_continue(r))
                break;
            continue;
        }
        if (kz_stix_validate(obj, &lim, ignore, NULL) == 0)
            good++;
        json_decref(obj);
    }
    kz_reader_free(r);
    fclose(f);
    return good;
}

static void test_reader_and_validator_survive_each_failed_allocation(void **state)
{
    long clean, at;
    (void)state;

    clean = read_and_validate();
    assert_int_equal(clean, 3);
    for (at = 0;; at++) {
        long got;
        arm(at);
        got = read_and_validate();
        disarm();
        if (!failed) {
            assert_int_equal(got, clean); /* past the last allocation: the normal result */
            break;
        }
        assert_true(got <= clean);
        assert_true(at < 100000);
    }
    print_message("reader and validator: %ld allocations failed in turn\n", at);
}

static void test_pattern_parser_survives_each_failed_allocation(void **state)
{
    static const char pat[] =
        "([ipv4-addr:value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port IN (80, 443)] "
        "FOLLOWEDBY [file:hashes.'SHA-256' = 'ab' OR file:name LIKE 'a%.exe']) WITHIN 300 SECONDS "
        "START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'";
    kz_limits lim = kz_limits_default();
    long at;
    (void)state;

    for (at = 0;; at++) {
        kz_pattern *p = NULL;
        kz_err err;
        kz_rc rc;
        arm(at);
        rc = kz_pattern_parse((kz_sv){pat, sizeof pat - 1}, &lim, &p, &err);
        disarm();
        if (!failed) {
            assert_int_equal(rc, KZ_OK);
            kz_pattern_free(p);
            break;
        }
        assert_int_equal(rc, KZ_ENOMEM);
        assert_null(p);
        assert_true(at < 100000);
    }
    print_message("pattern parser: %ld allocations failed in turn\n", at);
}

static void count_added(void *ctx, const kz_index_loaded *l)
{
    *(long *)ctx += l->added;
}

/* The bundle's indicators read into an index on `threads` threads and the index built: the
 * number added, or -1 when an allocation failed (KZ_ENOMEM said so). */
static long load_and_build(int threads)
{
    kz_limits lim = kz_limits_default();
    kz_time now = {1800000000, 0, 0};
    FILE *f = fmemopen((void *)bundle, sizeof bundle - 1, "r");
    kz_reader *r = NULL;
    kz_index *ix = NULL;
    long added = 0;
    kz_err err;
    kz_rc rc;

    if (f == NULL)
        return -1;
    if ((rc = kz_reader_new(f, "t", &lim, &r, &err)) == KZ_OK &&
        (rc = kz_index_new(&lim, &ix, &err)) == KZ_OK &&
        (rc = kz_index_load(ix, r, threads, &now, count_added, &added, &err)) == KZ_OK)
        rc = kz_index_build(ix, &err);
    if (rc != KZ_OK) { /* the reader tells a failed allocation of its window as a read error */
        assert_true(rc == KZ_ENOMEM || rc == KZ_EIO);
        assert_true(err.msg[0] != '\0');
        added = -1;
    }
    kz_index_free(ix);
    kz_reader_free(r);
    fclose(f);
    return added;
}

static void test_index_load_survives_each_failed_allocation(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        long at;
        assert_int_equal(load_and_build(threads), 1);
        for (at = 0;; at++) {
            long got;
            arm(at);
            got = load_and_build(threads);
            disarm();
            if (!failed) {
                assert_int_equal(got, 1);
                break;
            }
            assert_true(got == -1 || got == 1);
            assert_true(at < 100000);
        }
        print_message("index load on %d thread(s): %ld allocations failed in turn\n", threads, at);
    }
}

static void test_jtape_survives_each_failed_allocation(void **state)
{
    static const char line[] = "{\"event_type\":\"dns\",\"dns\":{\"rrname\":\"caf\\u00e9.example\","
                               "\"answers\":[{\"rdata\":\"1.2.3.4\"},{\"rdata\":\"x\\ty\"}]},"
                               "\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,"
                               "\"k8\":8,\"k9\":9,\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,"
                               "\"k14\":14,\"k15\":15,\"k16\":16,\"k17\":17}";
    long at;
    (void)state;

    for (at = 0;; at++) {
        kz_jtape *t;
        kz_err err;
        kz_rc rc = KZ_ENOMEM;
        arm(at);
        if ((t = kz_jtape_new(64)) != NULL)
            rc = kz_jtape_parse(t, line, sizeof line - 1, KZ_JT_REJECT_DUPLICATES, &err);
        disarm();
        if (!failed) {
            assert_int_equal(rc, KZ_OK);
            assert_int_equal(kz_jt_len(t, 0), 19);
            kz_jtape_free(t);
            break;
        }
        assert_int_equal(rc, KZ_ENOMEM);
        if (t != NULL) /* no document after an error */
            assert_int_equal(kz_jt_kind_of(t, 0), KZ_JT_NONE);
        kz_jtape_free(t);
        assert_true(at < 100000);
    }
    print_message("JSON tape: %ld allocations failed in turn\n", at);
}

static kz_rc count_row(void *ctx, const kz_row *row)
{
    (void)row;
    ++*(long *)ctx;
    return KZ_OK;
}

static void remove_db(const char *dir)
{
    static const char *const names[] = {"k.db", "k.db-wal", "k.db-shm"};
    char path[128];

    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        (void)unlink(path);
    }
}

/* A put whose batch commits is stored; one that fails anywhere leaves nothing of itself. */
static void test_store_put_survives_each_failed_allocation(void **state)
{
    static const char text[] = "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":"
                               "\"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b\",\"created\":"
                               "\"2024-03-01T10:00:00.000Z\",\"modified\":\"2024-03-01T10:00:00."
                               "000Z\",\"name\":\"x\",\"is_family\":true}";
    char dir[] = "/tmp/kz-alloc-XXXXXX", url[128];
    kz_put p = {KZ_SV("malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"), KZ_SV("malware"),
                KZ_SV("2024-03-01T10:00:00.000000000Z"), KZ_SV("2.1"), {text, sizeof text - 1},
                NULL};
    long at;
    (void)state;

    assert_non_null(mkdtemp(dir));
    for (at = 0;; at++) {
        kz_store *s = NULL;
        kz_collection coll = {0};
        kz_query q = {0};
        kz_put_result res;
        kz_err err;
        long rows = 0;
        bool stored = false;

        remove_db(dir);
        snprintf(url, sizeof url, "sqlite://%s/k.db", dir);
        arm(at);
        if (kz_store_open(url, &s, &err) == KZ_OK &&
            kz_store_collection(s, NULL, true, &coll, &err) == KZ_OK &&
            kz_store_begin(s, &err) == KZ_OK &&
            kz_store_put(s, coll.key, &p, &res, &err) == KZ_OK && kz_store_commit(s, &err) == KZ_OK)
            stored = true;
        disarm();
        kz_collection_clear(&coll);
        kz_store_free(s);
        s = NULL;
        /* Reopen without failures: the object is there exactly when the commit said so. */
        if (kz_store_open(url, &s, &err) == KZ_OK) {
            assert_int_equal(kz_store_query(s, &q, count_row, &rows, &err), KZ_OK);
            kz_store_free(s);
        }
        assert_int_equal(rows, stored ? 1 : 0);
        if (!failed) {
            assert_true(stored);
            break;
        }
        assert_true(at < 100000);
    }
    remove_db(dir);
    assert_int_equal(rmdir(dir), 0);
    print_message("store: %ld allocations failed in turn\n", at);
}
#endif

int main(void)
{
#ifdef KZ_ASAN
    printf("SKIP: AddressSanitizer owns malloc; the allocation-failure test runs in the plain "
           "build\n");
    return 77;
#else
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_and_validator_survive_each_failed_allocation),
        cmocka_unit_test(test_pattern_parser_survives_each_failed_allocation),
        cmocka_unit_test(test_index_load_survives_each_failed_allocation),
        cmocka_unit_test(test_jtape_survives_each_failed_allocation),
        cmocka_unit_test(test_store_put_survives_each_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
