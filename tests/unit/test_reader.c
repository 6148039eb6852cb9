/*
 * test_reader.c - the streaming reader: the three input forms, exact minified text, line numbers
 * in errors, recovery after a malformed object, limits, and a bundle far larger than the window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/stix.h"

typedef struct {
    kz_rc rc;
    char text[512];
    char label[48];
    char err[KZ_ERR_MAX];
    bool cont;
} item;

/* Reads all of `in`, recording each call's result; returns the number of items (calls). */
static size_t read_all(const char *in, const kz_limits *lim, item *items, size_t max,
                       kz_input_form *form)
{
    FILE *f = fmemopen((void *)in, strlen(in), "r");
    kz_reader *r = NULL;
    kz_err err;
    size_t n = 0;

    assert_non_null(f);
    assert_int_equal(kz_reader_new(f, "t.json", lim, &r, &err), KZ_OK);
    while (n < max) {
        const char *text;
        size_t len;
        json_t *obj;
        kz_where w;
        kz_rc rc = kz_reader_next(r, &text, &len, &obj, &w, &err);
        if (rc == KZ_ENOTFOUND)
            break;
        items[n].rc = rc;
        items[n].cont = kz_reader_can_continue(r);
        kz_reader_label(r, &w, items[n].label, sizeof items[n].label);
        if (rc == KZ_OK) {
            assert_true(len < sizeof items[n].text);
            memcpy(items[n].text, text, len);
            items[n].text[len] = '\0';
            json_decref(obj);
        } else {
            snprintf(items[n].err, sizeof items[n].err, "%s", err.msg);
        }
        n++;
        if (rc != KZ_OK && !kz_reader_can_continue(r))
            break;
    }
    if (form)
        *form = kz_reader_form(r);
    kz_reader_free(r);
    fclose(f);
    return n;
}

static void test_reader_bundle_yields_each_object_minified(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[4];
    kz_input_form form;
    const char *in = "{\n \"type\": \"bundle\",\n \"id\": \"bundle--1\",\n \"objects\": [\n"
                     "  {\"type\": \"x\", \"name\": \"a b\\\" c\"},\n"
                     "  { \"type\" : \"y\" , \"v\" : [ 1 , 2 ] }\n ]\n}\n";
    (void)state;
    assert_int_equal(read_all(in, &lim, it, 4, &form), 2);
    assert_int_equal(form, KZ_INPUT_BUNDLE);
    assert_int_equal(it[0].rc, KZ_OK);
    assert_string_equal(it[0].text, "{\"type\":\"x\",\"name\":\"a b\\\" c\"}");
    assert_string_equal(it[0].label, "objects[0]");
    assert_string_equal(it[1].text, "{\"type\":\"y\",\"v\":[1,2]}");
    assert_string_equal(it[1].label, "objects[1]");
}

static void test_reader_bundle_with_objects_before_type(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[4];
    (void)state;
    assert_int_equal(read_all("{\"objects\":[{\"a\":1}],\"type\":\"bundle\",\"id\":\"x\"}", &lim,
                              it, 4, NULL),
                     1);
    assert_int_equal(it[0].rc, KZ_OK);
}

static void test_reader_objects_array_in_non_bundle_is_an_error(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[4];
    (void)state;
    assert_int_equal(read_all("{\"type\":\"report\",\"objects\":[{\"a\":1}]}", &lim, it, 4, NULL), 1);
    assert_int_equal(it[0].rc, KZ_EINVAL);
    assert_non_null(strstr(it[0].err, "not \"bundle\""));
}

static void test_reader_array_and_lines_forms(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[4];
    kz_input_form form;
    (void)state;
    assert_int_equal(read_all("[{\"a\":1}, {\"b\":2}]", &lim, it, 4, &form), 2);
    assert_int_equal(form, KZ_INPUT_ARRAY);
    assert_string_equal(it[1].label, "[1]");
    assert_int_equal(read_all("{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}\n", &lim, it, 4, &form), 3);
    assert_int_equal(form, KZ_INPUT_LINES);
    assert_string_equal(it[2].text, "{\"c\":3}");
    assert_string_equal(it[2].label, "line 4");
}

static void test_reader_empty_bundle_has_no_objects(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[2];
    (void)state;
    assert_int_equal(read_all("{\"type\":\"bundle\",\"id\":\"bundle--x\"}", &lim, it, 2, NULL), 0);
    assert_int_equal(read_all("{\"type\":\"bundle\",\"objects\":[]}", &lim, it, 2, NULL), 0);
}

static void test_reader_malformed_object_reports_line_and_continues(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[4];
    (void)state;
    assert_int_equal(read_all("{\"type\":\"bundle\",\"objects\":[\n{\"a\":1},\n{\"a\":\n tru},\n"
                              "{\"c\":3}]}",
                              &lim, it, 4, NULL),
                     3);
    assert_int_equal(it[0].rc, KZ_OK);
    assert_int_equal(it[1].rc, KZ_EINVAL);
    assert_true(it[1].cont);
    assert_non_null(strstr(it[1].err, "t.json: objects[1]: line 4"));
    assert_int_equal(it[2].rc, KZ_OK);
    assert_string_equal(it[2].text, "{\"c\":3}");
}

static void test_reader_duplicate_keys_are_rejected(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[2];
    (void)state;
    assert_int_equal(read_all("[{\"a\":1,\"a\":2}]", &lim, it, 2, NULL), 1);
    assert_int_equal(it[0].rc, KZ_EINVAL);
    assert_non_null(strstr(it[0].err, "duplicate"));
}

static void test_reader_non_object_element_is_rejected_alone(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[4];
    (void)state;
    assert_int_equal(read_all("[1, \"x\", {\"a\":1}]", &lim, it, 4, NULL), 3);
    assert_int_equal(it[0].rc, KZ_EINVAL);
    assert_non_null(strstr(it[0].err, "expected a STIX object"));
    assert_int_equal(it[1].rc, KZ_EINVAL);
    assert_int_equal(it[2].rc, KZ_OK);
}

static void test_reader_broken_framing_stops_with_position(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[4];
    (void)state;
    assert_int_equal(read_all("[{\"a\":1}\n {\"b\":2}]", &lim, it, 4, NULL), 2);
    assert_int_equal(it[1].rc, KZ_EINVAL);
    assert_false(it[1].cont);
    assert_non_null(strstr(it[1].err, "line 2: expected ',' or ']'"));
    assert_int_equal(read_all("[{\"a\":[1}]", &lim, it, 4, NULL), 1);
    assert_int_equal(it[0].rc, KZ_EINVAL);
    assert_int_equal(read_all("[{\"a\":\"x", &lim, it, 4, NULL), 1);
    assert_non_null(strstr(it[0].err, "unexpected end of input"));
    assert_int_equal(read_all("[{\"a\":1}] x", &lim, it, 4, NULL), 2);
    assert_non_null(strstr(it[1].err, "nothing after the end"));
}

static void test_reader_empty_and_garbage_inputs(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[2];
    (void)state;
    assert_int_equal(read_all("  \n", &lim, it, 2, NULL), 1);
    assert_non_null(strstr(it[0].err, "empty input"));
    assert_int_equal(read_all("hello", &lim, it, 2, NULL), 1);
    assert_non_null(strstr(it[0].err, "expected a STIX bundle"));
    assert_int_equal(read_all("\xef\xbb\xbf[{\"a\":1}]", &lim, it, 2, NULL), 1);
    assert_int_equal(it[0].rc, KZ_OK);
}

static void test_reader_limits_reject_one_object_and_go_on(void **state)
{
    kz_limits lim = kz_limits_default();
    item it[4];
    (void)state;
    lim.object_bytes = 16;
    assert_int_equal(read_all("[{\"a\":\"0123456789012345\"},{\"b\":1}]", &lim, it, 4, NULL), 2);
    assert_int_equal(it[0].rc, KZ_EINVAL);
    assert_non_null(strstr(it[0].err, "larger than the limit of 16 bytes"));
    assert_int_equal(it[1].rc, KZ_OK);
    lim = kz_limits_default();
    lim.json_depth = 3;
    assert_int_equal(read_all("[{\"a\":[[[1]]]},{\"b\":[[1]]}]", &lim, it, 4, NULL), 2);
    assert_non_null(strstr(it[0].err, "nested deeper than the limit of 3"));
    assert_int_equal(it[1].rc, KZ_OK);
    lim = kz_limits_default();
    lim.objects = 2;
    assert_int_equal(read_all("[{},{},{}]", &lim, it, 4, NULL), 3);
    assert_int_equal(it[2].rc, KZ_ELIMIT);
}

/* A bundle of many windows' size streams through with exact texts and a bounded window. */
static void test_reader_streams_a_bundle_larger_than_its_window(void **state)
{
    kz_limits lim = kz_limits_default();
    size_t n = 20000, got = 0;
    char *in, *p;
    FILE *f;
    kz_reader *r = NULL;
    kz_err err;
    (void)state;

    in = malloc(n * 64 + 64);
    assert_non_null(in);
    p = in + snprintf(in, 64, "{\"type\":\"bundle\",\"objects\":[");
    for (size_t i = 0; i < n; i++)
        p += snprintf(p, 64, "%s\n  {\"type\": \"x\", \"n\": %zu}", i ? "," : "", i);
    p += snprintf(p, 8, "]}");
    f = fmemopen(in, (size_t)(p - in), "r");
    assert_int_equal(kz_reader_new(f, "big", &lim, &r, &err), KZ_OK);
    for (;;) {
        const char *text;
        size_t len;
        json_t *obj;
        kz_where w;
        char want[64];
        kz_rc rc = kz_reader_next(r, &text, &len, &obj, &w, &err);
        if (rc == KZ_ENOTFOUND)
            break;
        assert_int_equal(rc, KZ_OK);
        snprintf(want, sizeof want, "{\"type\":\"x\",\"n\":%zu}", got);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(text, want, len);
        assert_int_equal(w.line, got + 2);
        json_decref(obj);
        got++;
    }
    assert_int_equal(got, n);
    kz_reader_free(r);
    fclose(f);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_bundle_yields_each_object_minified),
        cmocka_unit_test(test_reader_bundle_with_objects_before_type),
        cmocka_unit_test(test_reader_objects_array_in_non_bundle_is_an_error),
        cmocka_unit_test(test_reader_array_and_lines_forms),
        cmocka_unit_test(test_reader_empty_bundle_has_no_objects),
        cmocka_unit_test(test_reader_malformed_object_reports_line_and_continues),
        cmocka_unit_test(test_reader_duplicate_keys_are_rejected),
        cmocka_unit_test(test_reader_non_object_element_is_rejected_alone),
        cmocka_unit_test(test_reader_broken_framing_stops_with_position),
        cmocka_unit_test(test_reader_empty_and_garbage_inputs),
        cmocka_unit_test(test_reader_limits_reject_one_object_and_go_on),
        cmocka_unit_test(test_reader_streams_a_bundle_larger_than_its_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
