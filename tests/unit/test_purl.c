/*
 * test_purl.c - Package URLs: the purl-spec test-suite cases (parsed components and canonical
 * form), every class of error with its message, limits, type-specific normalisation and
 * same-package comparison, and every purl in the shared real data.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "kz_test.h"
#include "kizuna/purl.h"

static kz_purl pa, pb; /* large: kept off the stack */

static void parse_ok(const char *s, kz_purl *p)
{
    kz_err err;
    if (kz_purl_parse(kz_sv_c(s), p, &err) != KZ_OK)
        fail_msg("\"%s\" did not parse: %s", s, err.msg);
}

static void expect_sv(const char *what, kz_sv got, const char *want)
{
    if (!kz_sv_eq_c(got, want))
        fail_msg("%s: \"%.*s\", expected \"%s\"", what, (int)got.n, got.p, want);
}

/* Parses s, checks the components and that the canonical form is `canon`, which parses back to
 * the same components. Qualifiers are given as "k=v&k=v" decoded, in key order. */
static void expect_purl(const char *s, const char *canon, const char *type, const char *ns,
                        const char *name, const char *version, const char *quals,
                        const char *subpath)
{
    kz_buf b, q;
    kz_buf_init(&b, 0);
    kz_buf_init(&q, 0);
    parse_ok(s, &pa);
    expect_sv("type", kz_purl_type(&pa), type);
    expect_sv("namespace", kz_purl_namespace(&pa), ns);
    expect_sv("name", kz_purl_name(&pa), name);
    expect_sv("version", kz_purl_version(&pa), version);
    expect_sv("subpath", kz_purl_subpath(&pa), subpath);
    for (size_t i = 0; i < kz_purl_qualifier_count(&pa); i++) {
        kz_sv k, v;
        kz_purl_qualifier(&pa, i, &k, &v);
        assert_int_equal(kz_buf_printf(&q, "%s%.*s=%.*s", i ? "&" : "", (int)k.n, k.p, (int)v.n,
                                       v.p),
                         KZ_OK);
    }
    if (strcmp(q.p ? q.p : "", quals) != 0)
        fail_msg("%s: qualifiers \"%s\", expected \"%s\"", s, q.p ? q.p : "", quals);
    assert_int_equal(kz_purl_format(&pa, &b), KZ_OK);
    if (strcmp(b.p, canon) != 0)
        fail_msg("%s\n  canonical %s\n  expected  %s", s, b.p, canon);
    parse_ok(b.p, &pb);
    assert_true(kz_purl_equal(&pa, &pb));
    kz_buf_free(&b);
    kz_buf_free(&q);
}

static void expect_err(const char *s, kz_rc rc, const char *msg)
{
    kz_err err = {{0}};
    kz_rc got = kz_purl_parse(kz_sv_c(s), &pa, &err);
    if (got != rc)
        fail_msg("\"%s\": got %s, expected %s (%s)", s, kz_rc_str(got), kz_rc_str(rc), err.msg);
    if (msg != NULL && strcmp(err.msg, msg) != 0)
        fail_msg("\"%s\"\n  message  %s\n  expected %s", s, err.msg, msg);
}

/* The valid cases of purl-spec test-suite-data.json. */
static void test_spec_suite_valid_purls_parse_and_canonicalise(void **state)
{
    (void)state;
    expect_purl("pkg:maven/org.apache.commons/io@1.3.4", "pkg:maven/org.apache.commons/io@1.3.4",
                "maven", "org.apache.commons", "io", "1.3.4", "", "");
    expect_purl("pkg:GOLANG/google.golang.org/genproto#/googleapis/api/annotations/",
                "pkg:golang/google.golang.org/genproto#googleapis/api/annotations", "golang",
                "google.golang.org", "genproto", "", "", "googleapis/api/annotations");
    expect_purl("pkg:bitbucket/birKenfeld/pyGments-main@244fd47e07d1014f0aed9c",
                "pkg:bitbucket/birkenfeld/pygments-main@244fd47e07d1014f0aed9c", "bitbucket",
                "birkenfeld", "pygments-main", "244fd47e07d1014f0aed9c", "", "");
    expect_purl("pkg:github/Package-url/purl-Spec@244fd47e07d1004f0aed9c",
                "pkg:github/package-url/purl-spec@244fd47e07d1004f0aed9c", "github", "package-url",
                "purl-spec", "244fd47e07d1004f0aed9c", "", "");
    expect_purl("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
                "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie", "deb", "debian", "curl",
                "7.50.3-1", "arch=i386&distro=jessie", "");
    expect_purl("pkg:docker/customer/dockerimage@sha256:244fd47e07d1004f0aed9c?repository_url=gcr.io",
                "pkg:docker/customer/dockerimage@sha256:244fd47e07d1004f0aed9c?repository_url=gcr.io",
                "docker", "customer", "dockerimage", "sha256:244fd47e07d1004f0aed9c",
                "repository_url=gcr.io", "");
    expect_purl("pkg:gem/jruby-launcher@1.1.2?Platform=java",
                "pkg:gem/jruby-launcher@1.1.2?platform=java", "gem", "", "jruby-launcher", "1.1.2",
                "platform=java", "");
    expect_purl("pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?repositorY_url=repo.spring.io/"
                "release&classifier=sources",
                "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&"
                "repository_url=repo.spring.io/release",
                "maven", "org.apache.xmlgraphics", "batik-anim", "1.9.1",
                "classifier=sources&repository_url=repo.spring.io/release", "");
    expect_purl("pkg:npm/%40angular/animation@12.3.1", "pkg:npm/%40angular/animation@12.3.1", "npm",
                "@angular", "animation", "12.3.1", "", "");
    expect_purl("pkg:Nuget/EnterpriseLibrary.Common@6.0.1304",
                "pkg:nuget/EnterpriseLibrary.Common@6.0.1304", "nuget", "",
                "EnterpriseLibrary.Common", "6.0.1304", "", "");
    expect_purl("pkg:PYPI/Django_package@1.11.1.dev1", "pkg:pypi/django-package@1.11.1.dev1",
                "pypi", "", "django-package", "1.11.1.dev1", "", "");
    expect_purl("pkg:Rpm/fedora/curl@7.50.3-1.fc25?Arch=i386&Distro=fedora-25",
                "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25", "rpm", "fedora",
                "curl", "7.50.3-1.fc25", "arch=i386&distro=fedora-25", "");
    expect_purl("pkg:/maven/org.apache.commons/io", "pkg:maven/org.apache.commons/io", "maven",
                "org.apache.commons", "io", "", "", "");
    expect_purl("pkg://maven/org.apache.commons/io", "pkg:maven/org.apache.commons/io", "maven",
                "org.apache.commons", "io", "", "", "");
    expect_purl("pkg:///maven/org.apache.commons/io", "pkg:maven/org.apache.commons/io", "maven",
                "org.apache.commons", "io", "", "", "");
    expect_purl("pkg:maven/HTTPClient/HTTPClient@0.3-3", "pkg:maven/HTTPClient/HTTPClient@0.3-3",
                "maven", "HTTPClient", "HTTPClient", "0.3-3", "", "");
    expect_purl("pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value",
                "pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value", "maven", "mygroup",
                "myartifact", "1.0.0 Final", "mykey=my value", "");
    expect_purl("pkg:conda/absl-py@0.4.1?build=py36h06a4308_0&channel=main&subdir=linux-64&"
                "type=tar.bz2",
                "pkg:conda/absl-py@0.4.1?build=py36h06a4308_0&channel=main&subdir=linux-64&"
                "type=tar.bz2",
                "conda", "", "absl-py", "0.4.1",
                "build=py36h06a4308_0&channel=main&subdir=linux-64&type=tar.bz2", "");
    expect_purl("pkg:swift/github.com/Alamofire/Alamofire@5.4.3",
                "pkg:swift/github.com/Alamofire/Alamofire@5.4.3", "swift", "github.com/Alamofire",
                "Alamofire", "5.4.3", "", "");
    /* ECMA-427 keeps ':' and, here, '/' unencoded; '+' is always encoded. */
    expect_purl("pkg:npm/packageurl-js@0.0.7?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fpackage-url"
                "%2Fpackageurl-js.git",
                "pkg:npm/packageurl-js@0.0.7?vcs_url=git%2Bhttps://github.com/package-url/"
                "packageurl-js.git",
                "npm", "", "packageurl-js", "0.0.7",
                "vcs_url=git+https://github.com/package-url/packageurl-js.git", "");
}

static void test_decoding_and_segments_follow_how_to_parse(void **state)
{
    (void)state;
    /* An unencoded npm scope is namespace, not version. */
    expect_purl("pkg:npm/@babel/core", "pkg:npm/%40babel/core", "npm", "@babel", "core", "", "",
                "");
    /* Empty qualifier values are dropped; empty, "." and ".." subpath segments too. */
    expect_purl("pkg:github/a/b?x=&y=1#./x/../%2E/y/", "pkg:github/a/b?y=1#x/y", "github", "a",
                "b", "", "y=1", "x/y");
    expect_purl("pkg:generic/%E6%97%A5%E6%9C%AC@1.0", "pkg:generic/%E6%97%A5%E6%9C%AC@1.0",
                "generic", "", "\xe6\x97\xa5\xe6\x9c\xac", "1.0", "", "");
    expect_purl("pkg:generic/a%2Fb@1%40x", "pkg:generic/a%2Fb@1%40x", "generic", "", "a/b",
                "1@x", "", "");
    expect_purl("pkg:composer/Laravel/Framework@1", "pkg:composer/laravel/framework@1",
                "composer", "laravel", "framework", "1", "", "");
}

static void test_parse_errors_name_component_position_and_expectation(void **state)
{
    char big[KZ_PURL_MAX_BYTES + 16];
    kz_buf many;
    (void)state;
    expect_err("EnterpriseLibrary.Common@6.0.1304", KZ_EINVAL,
               "purl (at byte 0): expected the scheme 'pkg:'");
    expect_err("pkg:EnterpriseLibrary.Common@6.0.1304", KZ_EINVAL,
               "purl type (at byte 28): character '@' is not allowed; a type is ASCII letters, "
               "digits, '.', '+' and '-' (and a name is required after '/')");
    expect_err("pkg:maven/@1.3.4", KZ_EINVAL,
               "purl name (at byte 10): missing; a name is required");
    expect_err("pkg:hackage", KZ_EINVAL, "purl name (at byte 11): missing; expected pkg:hackage/name");
    expect_err("pkg:1abc/x", KZ_EINVAL, "purl type (at byte 4): must start with an ASCII letter");
    expect_err("pkg:/", KZ_EINVAL, "purl type (at byte 5): missing; expected pkg:type/name");
    expect_err("pkg:npm/myartifact@1.0.0?in%20production=true", KZ_EINVAL,
               "purl qualifier key (at byte 27): character '%' is not allowed; keys are ASCII "
               "letters, digits, '.', '-' and '_', not encoded");
    expect_err("pkg:npm/foo@1?9a=1", KZ_EINVAL,
               "purl qualifier key (at byte 14): must not start with a digit");
    expect_err("pkg:npm/foo@1?a=1&A=2", KZ_EINVAL, "purl qualifier (at byte 18): duplicate key 'a'");
    expect_err("pkg:npm/foo@1?flag", KZ_EINVAL,
               "purl qualifier (at byte 14): 'flag' has no '='; expected key=value");
    expect_err("pkg:npm/foo@1?=x", KZ_EINVAL, "purl qualifier (at byte 14): empty key");
    expect_err("pkg:npm/foo%2@1", KZ_EINVAL,
               "purl name (at byte 11): '%' must be followed by two hex digits");
    expect_err("pkg:npm/foo%zz", KZ_EINVAL,
               "purl name (at byte 11): '%' must be followed by two hex digits");
    expect_err("pkg:npm/foo%00", KZ_EINVAL,
               "purl name (at byte 11): %00 decodes to the control character 0x00");
    expect_err("pkg:generic/%C3%28@1.0", KZ_EINVAL,
               "purl name (at byte 12): decoded bytes are not UTF-8 (at decoded byte 0)");
    expect_err("pkg:npm/foo bar", KZ_EINVAL,
               "purl (at byte 11): character 0x20 must be percent-encoded");
    expect_err("pkg:npm/foo@", KZ_EINVAL, "purl version (at byte 11): '@' with no version after it");
    expect_err("pkg:npm/a%2Fb/c", KZ_EINVAL,
               "purl namespace segment (at byte 8) decodes to contain '/'; a segment may not");
    expect_err("pkg:npm/c#a%2Fb", KZ_EINVAL,
               "purl subpath segment (at byte 10) decodes to contain '/'; a segment may not");
    expect_err("pkg:npm/c#a#b", KZ_EINVAL, "purl subpath (at byte 11): a second '#'; encode it as %23");
    memset(big, 'a', sizeof big);
    memcpy(big, "pkg:npm/", 8);
    big[sizeof big - 1] = '\0';
    expect_err(big, KZ_ELIMIT, "purl is 2063 bytes; the limit is 2048");
    kz_buf_init(&many, 0);
    assert_int_equal(kz_buf_puts(&many, "pkg:npm/foo?"), KZ_OK);
    for (int i = 0; i <= KZ_PURL_MAX_QUALIFIERS; i++)
        assert_int_equal(kz_buf_printf(&many, "%sk%d=v", i ? "&" : "", i), KZ_OK);
    expect_err(many.p, KZ_ELIMIT, "purl has more than 32 qualifiers");
    kz_buf_free(&many);
}

static void test_qualifier_lookup_by_key(void **state)
{
    kz_sv v;
    (void)state;
    parse_ok("pkg:rpm/fedora/curl@7.50.3-1.fc25?Distro=fedora-25&arch=i386", &pa);
    assert_int_equal(kz_purl_qualifier_count(&pa), 2);
    assert_true(kz_purl_qualifier_get(&pa, "distro", &v));
    assert_true(kz_sv_eq_c(v, "fedora-25"));
    assert_false(kz_purl_qualifier_get(&pa, "Distro", &v));
    assert_false(kz_purl_qualifier_get(&pa, "epoch", &v));
}

static void test_same_package_ignores_version_qualifiers_and_subpath(void **state)
{
    (void)state;
    parse_ok("pkg:PyPI/Django_Package@1.0?x=1#a", &pa);
    parse_ok("pkg:pypi/django-package@2.0", &pb);
    assert_true(kz_purl_same_package(&pa, &pb));
    assert_false(kz_purl_equal(&pa, &pb));
    parse_ok("pkg:npm/Foo@1", &pa);
    parse_ok("pkg:npm/foo", &pb);
    assert_true(kz_purl_same_package(&pa, &pb));
    /* Maven and NuGet names are case-sensitive. */
    parse_ok("pkg:maven/org.x/Foo@1", &pa);
    parse_ok("pkg:maven/org.x/foo@1", &pb);
    assert_false(kz_purl_same_package(&pa, &pb));
    parse_ok("pkg:maven/org.x/foo@1", &pa);
    parse_ok("pkg:maven/org.y/foo@1", &pb);
    assert_false(kz_purl_same_package(&pa, &pb));
    parse_ok("pkg:npm/foo@1", &pa);
    parse_ok("pkg:gem/foo@1", &pb);
    assert_false(kz_purl_same_package(&pa, &pb));
}

/* ---- real data ---------------------------------------------------------------------------- */

typedef struct {
    size_t files, found, bad;
} tally;

static void check_one(tally *t, const char *where, const char *s)
{
    kz_purl p;
    kz_err err;
    t->found++;
    if (kz_purl_parse(kz_sv_c(s), &p, &err) == KZ_OK)
        return;
    t->bad++;
    print_message("  %s: \"%s\": %s\n", where, s, err.msg);
}

/* product_identification_helper.purl (CSAF 2.0) and .purls[] (CSAF 2.1) anywhere. */
static void helper_walk(json_t *v, const char *path, tally *t)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x, *h = json_object_get(v, "product_identification_helper");
        if (json_is_object(h)) {
            size_t i;
            json_t *p;
            if (json_is_string(json_object_get(h, "purl")))
                check_one(t, path, json_string_value(json_object_get(h, "purl")));
            json_array_foreach(json_object_get(h, "purls"), i, p) {
                if (json_is_string(p))
                    check_one(t, path, json_string_value(p));
            }
        }
        json_object_foreach(v, k, x) helper_walk(x, path, t);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) helper_walk(x, path, t);
    }
}

static void helper_file(const char *path, void *arg)
{
    tally *t = arg;
    json_t *doc = json_load_file(path, 0, NULL);
    if (doc == NULL)
        return; /* three JVN examples are truncated JSON; CSAF and CVE files all load */
    t->files++;
    helper_walk(doc, path, t);
    json_decref(doc);
}

static void test_real_data_purls_all_parse(void **state)
{
    char csaf[4096], cve5[4096], jvn[4096];
    tally a = {0}, b = {0}, c = {0};
    (void)state;
    if (!kz_test_data_dir(csaf, sizeof csaf, "csaf-ics") ||
        !kz_test_data_dir(cve5, sizeof cve5, "cve5")) {
        print_message("KZ_SHARED_DATA/csaf-ics or /cve5 is absent: skipping the real-data check\n");
        skip();
    }
    kz_test_walk_json(csaf, helper_file, &a);
    kz_test_walk_json(cve5, helper_file, &b);
    print_message("csaf-ics: %zu files, %zu purls, %zu rejected\n", a.files, a.found, a.bad);
    print_message("cve5: %zu files, %zu purls, %zu rejected\n", b.files, b.found, b.bad);
    assert_int_equal(a.files, 1970);
    assert_int_equal(b.files, 11);
    /* Neither the CISA ICS advisories nor these CVE records carry purls. */
    assert_int_equal(a.found + b.found, 0);
    assert_int_equal(a.bad + b.bad, 0);
    if (kz_test_data_dir(jvn, sizeof jvn, "jvn")) {
        /* JVN's jvncsaf and jvnstix outputs do: pkg:rpm/dendai.ac.jp/myjvn_api and others. */
        kz_test_walk_json(jvn, helper_file, &c);
        print_message("jvn: %zu files, %zu purls in product_identification_helper, %zu "
                      "rejected\n",
                      c.files, c.found, c.bad);
        assert_int_equal(c.found, 4);
        assert_int_equal(c.bad, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_suite_valid_purls_parse_and_canonicalise),
        cmocka_unit_test(test_decoding_and_segments_follow_how_to_parse),
        cmocka_unit_test(test_parse_errors_name_component_position_and_expectation),
        cmocka_unit_test(test_qualifier_lookup_by_key),
        cmocka_unit_test(test_same_package_ignores_version_qualifiers_and_subpath),
        cmocka_unit_test(test_real_data_purls_all_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
