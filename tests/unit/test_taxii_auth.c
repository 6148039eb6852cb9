/*
 * test_taxii_auth.c - authentication of TAXII requests (taxii.h, src/taxii/auth.c): argon2id
 * password hashes, API tokens and their hashes, client certificates mapped to users, and the
 * verified-credential cache (invalidated at once by a new password or a deleted user, shared by
 * threads). Store-backed tests use a fresh SQLite store in a mkdtemp folder under /tmp.
 *
 * argon2id costs 19 MiB and tens of milliseconds per run, so the password used by the
 * store tests is hashed once for the whole group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "kizuna/taxii.h"
#include "kz_test.h"

#define PASSWORD "correct horse battery staple"
#define NEW_PASSWORD "tr0ub4dor&3"

static char alice_hash[KZ_PWHASH_MAX]; /* argon2id of PASSWORD, made once */

/* ---- helpers -------------------------------------------------------------------------------- */

/* "Basic base64(user:password)" into out. */
static void basic(const char *user, const char *pw, char *out, size_t cap)
{
    char plain[400];
    unsigned char b64[600];
    int n = snprintf(plain, sizeof plain, "%s:%s", user, pw);

    assert_true(n > 0 && (size_t)n < sizeof plain);
    EVP_EncodeBlock(b64, (const unsigned char *)plain, n);
    assert_true((size_t)snprintf(out, cap, "Basic %s", (const char *)b64) < cap);
}

/* ---- pure functions ------------------------------------------------------------------------- */

static void test_auth_password_hash_is_argon2id_and_verifies_both_ways(void **state)
{
    char h1[KZ_PWHASH_MAX], h2[KZ_PWHASH_MAX];
    kz_err err;

    (void)state;
    assert_int_equal(kz_auth_hash_password("pw", 2, h1, &err), KZ_OK);
    assert_int_equal(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0);
    assert_true(kz_auth_check_password(h1, "pw", 2));
    assert_false(kz_auth_check_password(h1, "pW", 2));
    assert_false(kz_auth_check_password(h1, "pw!", 3));
    assert_false(kz_auth_check_password(h1, "p", 1));
    assert_false(kz_auth_check_password(h1, "", 0));
    /* A new salt each time: the same password never gives the same hash. */
    assert_int_equal(kz_auth_hash_password("pw", 2, h2, &err), KZ_OK);
    assert_string_not_equal(h1, h2);
    assert_true(kz_auth_check_password(h2, "pw", 2));
    /* The length is the password's: bytes after n do not count. */
    assert_true(kz_auth_check_password(h1, "pwXYZ", 2));
}

static void test_auth_check_password_refuses_what_is_not_an_argon2id_hash(void **state)
{
    (void)state;
    assert_false(kz_auth_check_password(NULL, "pw", 2));
    assert_false(kz_auth_check_password("", "pw", 2));
    assert_false(kz_auth_check_password("pw", "pw", 2));
    assert_false(kz_auth_check_password("$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$"
                                        "9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ",
                                        "password", 8));
    assert_false(kz_auth_check_password("$argon2id$v=19$m=65536,t=3,p=1$garbage", "pw", 2));
}

static void test_auth_tokens_are_43_base64url_chars_unique_with_their_hash(void **state)
{
    enum { N = 64 };
    static char tokens[N][KZ_TOKEN_MAX];
    char hash[65], again[65];
    kz_err err;

    (void)state;
    for (int i = 0; i < N; i++) {
        assert_int_equal(kz_auth_token_new(tokens[i], hash, &err), KZ_OK);
        assert_int_equal(strlen(tokens[i]), 43);
        assert_int_equal(strspn(tokens[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789-_"),
                         43);
        assert_int_equal(strlen(hash), 64);
        assert_int_equal(strspn(hash, "0123456789abcdef"), 64);
        kz_auth_token_hash(kz_sv_c(tokens[i]), again);
        assert_string_equal(hash, again);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(tokens[i], tokens[j]);
    }
}

static void test_auth_token_hash_is_hex_sha256_of_the_text(void **state)
{
    char hash[65];

    (void)state;
    kz_auth_token_hash(KZ_SV("abc"), hash);
    assert_string_equal(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    kz_auth_token_hash(KZ_SV(""), hash);
    assert_string_equal(hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* A view, not a C string: only n bytes count. */
    kz_auth_token_hash((kz_sv){"abcdef", 3}, hash);
    assert_string_equal(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_auth_new_and_free_accept_null_and_no_ttl(void **state)
{
    kz_auth *a = NULL;
    kz_err err;

    (void)state;
    kz_auth_free(NULL);
    assert_int_equal(kz_auth_new(0, &a, &err), KZ_OK);
    assert_non_null(a);
    kz_auth_free(a);
    assert_int_equal(kz_auth_new(300, &a, &err), KZ_OK);
    kz_auth_free(a);
}

/* ---- fixture: a store with users alice (password), carol (none) and a token of alice -------- */

typedef struct {
    char dir[64];
    char path[128];
    kz_store *s;
    kz_auth *a;
    char token[KZ_TOKEN_MAX];
} fx;

static int group_setup(void **state)
{
    kz_err err;

    (void)state;
    if (kz_auth_hash_password(PASSWORD, strlen(PASSWORD), alice_hash, &err) != KZ_OK) {
        fprintf(stderr, "hash: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    char hash[65];
    kz_err err;
    kz_rc rc;

    if (f == NULL)
        return -1;
    *state = f;
    if (!kz_test_store_open(f->dir, sizeof f->dir, f->path, sizeof f->path, "kizuna.db", &f->s))
        return -1;
    if (kz_auth_new(300, &f->a, &err) != KZ_OK)
        return -1;
    rc = kz_store_user_put(f->s, "alice", alice_hash, false, &err);
    if (rc == KZ_EUSAGE) /* the store's user functions are not built yet */
        return 0;
    if (rc != KZ_OK || kz_store_user_put(f->s, "carol", NULL, false, &err) != KZ_OK ||
        kz_auth_token_new(f->token, hash, &err) != KZ_OK ||
        kz_store_cred_add(f->s, "alice", "token", hash, "test", &err) != KZ_OK ||
        kz_store_cred_add(f->s, "carol", "cert",
                          "sha256:0123456789abcdef0123456789abcdef"
                          "0123456789abcdef0123456789abcdef",
                          NULL, &err) != KZ_OK ||
        kz_store_cred_add(f->s, "alice", "cert", "subject:CN=alice,O=Example", NULL, &err) !=
            KZ_OK) {
        fprintf(stderr, "fixture: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    if (f == NULL)
        return 0;
    kz_auth_free(f->a);
    kz_store_free(f->s);
    kz_test_rmtree(f->dir);
    free(f);
    return 0;
}

/* Skips the test when the store has no users yet (its backend is not built). */
static void need_users(fx *f)
{
    char h[KZ_PWHASH_MAX];
    kz_err err;

    if (kz_store_user_get(f->s, "alice", h, &err) != KZ_OK)
        skip();
}

static kz_rc auth(fx *f, const char *header, const kz_peer_cert *cert, char user[KZ_NAME_MAX],
                  kz_err *err)
{
    return kz_auth_request(f->a, f->s, kz_sv_c(header), cert, user, err);
}

/* ---- store-backed tests --------------------------------------------------------------------- */

static void test_auth_basic_accepts_the_right_password_only(void **state)
{
    fx *f = *state;
    char hdr[512], user[KZ_NAME_MAX], msg_wrong[KZ_ERR_MAX];
    kz_err err;

    need_users(f);
    basic("alice", PASSWORD, hdr, sizeof hdr);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_OK);
    assert_string_equal(user, "alice");

    basic("alice", "wrong", hdr, sizeof hdr);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_EINVAL);
    assert_string_equal(user, "");
    assert_null(strstr(err.msg, "wrong"));
    snprintf(msg_wrong, sizeof msg_wrong, "%s", err.msg);

    /* An unknown user gets exactly the same answer as a wrong password. */
    basic("mallory", PASSWORD, hdr, sizeof hdr);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_EINVAL);
    assert_string_equal(err.msg, msg_wrong);
    assert_null(strstr(err.msg, "mallory"));
    assert_null(strstr(err.msg, PASSWORD));

    /* So does a user who has no password (token or certificate only). */
    basic("carol", "", hdr, sizeof hdr);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_EINVAL);
    assert_string_equal(err.msg, msg_wrong);
}

static void test_auth_basic_cache_forgets_a_changed_password_at_once(void **state)
{
    fx *f = *state;
    char hdr_old[512], hdr_new[512], user[KZ_NAME_MAX], h[KZ_PWHASH_MAX];
    kz_err err;

    need_users(f);
    basic("alice", PASSWORD, hdr_old, sizeof hdr_old);
    basic("alice", NEW_PASSWORD, hdr_new, sizeof hdr_new);
    /* The second call is a cache hit. */
    assert_int_equal(auth(f, hdr_old, NULL, user, &err), KZ_OK);
    assert_int_equal(auth(f, hdr_old, NULL, user, &err), KZ_OK);
    assert_string_equal(user, "alice");

    assert_int_equal(kz_auth_hash_password(NEW_PASSWORD, strlen(NEW_PASSWORD), h, &err), KZ_OK);
    assert_int_equal(kz_store_user_put(f->s, "alice", h, true, &err), KZ_OK);
    assert_int_equal(auth(f, hdr_old, NULL, user, &err), KZ_EINVAL);
    assert_int_equal(auth(f, hdr_new, NULL, user, &err), KZ_OK);
    assert_int_equal(auth(f, hdr_new, NULL, user, &err), KZ_OK);

    /* Back to the old password: the old cache entry must not come back to life wrongly, and
     * the new one is refused at once. */
    assert_int_equal(kz_store_user_put(f->s, "alice", alice_hash, true, &err), KZ_OK);
    assert_int_equal(auth(f, hdr_new, NULL, user, &err), KZ_EINVAL);
    assert_int_equal(auth(f, hdr_old, NULL, user, &err), KZ_OK);
}

static void test_auth_basic_cache_forgets_a_deleted_user_at_once(void **state)
{
    fx *f = *state;
    char hdr[512], user[KZ_NAME_MAX];
    kz_err err;

    need_users(f);
    basic("alice", PASSWORD, hdr, sizeof hdr);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_OK);
    assert_int_equal(kz_store_user_del(f->s, "alice", &err), KZ_OK);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_EINVAL);
    assert_string_equal(user, "");
}

static void test_auth_basic_without_cache_still_verifies(void **state)
{
    fx *f = *state;
    char hdr[512], user[KZ_NAME_MAX];
    kz_auth *nocache = NULL;
    kz_err err;

    need_users(f);
    assert_int_equal(kz_auth_new(0, &nocache, &err), KZ_OK);
    basic("alice", PASSWORD, hdr, sizeof hdr);
    assert_int_equal(kz_auth_request(nocache, f->s, kz_sv_c(hdr), NULL, user, &err), KZ_OK);
    assert_string_equal(user, "alice");
    basic("alice", "nope", hdr, sizeof hdr);
    assert_int_equal(kz_auth_request(nocache, f->s, kz_sv_c(hdr), NULL, user, &err), KZ_EINVAL);
    kz_auth_free(nocache);
}

static void test_auth_bearer_accepts_a_stored_token_only(void **state)
{
    fx *f = *state;
    char hdr[256], user[KZ_NAME_MAX], other[KZ_TOKEN_MAX], hash[65];
    int64_t removed = 0;
    kz_err err;

    need_users(f);
    snprintf(hdr, sizeof hdr, "Bearer %s", f->token);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_OK);
    assert_string_equal(user, "alice");

    assert_int_equal(kz_auth_token_new(other, hash, &err), KZ_OK);
    snprintf(hdr, sizeof hdr, "Bearer %s", other);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_EINVAL);
    assert_string_equal(user, "");
    assert_null(strstr(err.msg, other));

    /* The token's hash is not a token. */
    kz_auth_token_hash(kz_sv_c(f->token), hash);
    snprintf(hdr, sizeof hdr, "Bearer %s", hash);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_EINVAL);

    /* A revoked token is refused. */
    assert_int_equal(kz_store_cred_del(f->s, "alice", "token", NULL, &removed, &err), KZ_OK);
    assert_int_equal(removed, 1);
    snprintf(hdr, sizeof hdr, "Bearer %s", f->token);
    assert_int_equal(auth(f, hdr, NULL, user, &err), KZ_EINVAL);
}

static void test_auth_verified_certificate_maps_by_fingerprint_then_subject(void **state)
{
    fx *f = *state;
    kz_peer_cert cert = {.present = true, .verified = true};
    char user[KZ_NAME_MAX];
    kz_err err;

    need_users(f);
    snprintf(cert.sha256, sizeof cert.sha256,
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    snprintf(cert.subject, sizeof cert.subject, "CN=alice,O=Example");
    /* Fingerprint first: carol, though the subject is alice's. */
    assert_int_equal(auth(f, "", &cert, user, &err), KZ_OK);
    assert_string_equal(user, "carol");
    /* The fingerprint in upper case is the same certificate. */
    snprintf(cert.sha256, sizeof cert.sha256,
             "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF");
    assert_int_equal(auth(f, "", &cert, user, &err), KZ_OK);
    assert_string_equal(user, "carol");
    /* An unmapped fingerprint: the subject decides. */
    memset(cert.sha256, 'e', 64);
    assert_int_equal(auth(f, "", &cert, user, &err), KZ_OK);
    assert_string_equal(user, "alice");
}

static void test_auth_unverified_or_unmapped_certificate_falls_to_the_header(void **state)
{
    fx *f = *state;
    kz_peer_cert cert = {.present = true, .verified = false};
    char hdr[512], user[KZ_NAME_MAX];
    kz_err err;

    need_users(f);
    snprintf(cert.sha256, sizeof cert.sha256,
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    snprintf(cert.subject, sizeof cert.subject, "CN=alice,O=Example");
    /* Not verified: ignored, and with no header there are no credentials. */
    assert_int_equal(auth(f, "", &cert, user, &err), KZ_ENOTFOUND);
    assert_string_equal(user, "");
    cert.verified = true;
    cert.present = false;
    assert_int_equal(auth(f, "", &cert, user, &err), KZ_ENOTFOUND);

    /* Not verified, with a header: the header decides. */
    cert.present = true;
    cert.verified = false;
    snprintf(hdr, sizeof hdr, "Bearer %s", f->token);
    assert_int_equal(auth(f, hdr, &cert, user, &err), KZ_OK);
    assert_string_equal(user, "alice");

    /* Verified but mapped to nobody: the header decides too. */
    cert.verified = true;
    memset(cert.sha256, 'e', 64);
    snprintf(cert.subject, sizeof cert.subject, "CN=nobody");
    assert_int_equal(auth(f, "", &cert, user, &err), KZ_ENOTFOUND);
    basic("alice", PASSWORD, hdr, sizeof hdr);
    assert_int_equal(auth(f, hdr, &cert, user, &err), KZ_OK);
    assert_string_equal(user, "alice");
    basic("alice", "bad", hdr, sizeof hdr);
    assert_int_equal(auth(f, hdr, &cert, user, &err), KZ_EINVAL);
}

static void test_auth_no_credentials_is_not_found_and_malformed_is_invalid(void **state)
{
    fx *f = *state;
    char user[KZ_NAME_MAX];
    kz_err err;

    need_users(f);
    assert_int_equal(auth(f, "", NULL, user, &err), KZ_ENOTFOUND);
    assert_string_equal(err.msg, "no credentials");
    assert_string_equal(user, "");
    assert_int_equal(kz_auth_request(f->a, f->s, (kz_sv){NULL, 0}, NULL, user, &err), KZ_ENOTFOUND);
    assert_int_equal(auth(f, "Basic !!!not-base64!!!", NULL, user, &err), KZ_EINVAL);
    assert_null(strstr(err.msg, "not-base64"));
    assert_int_equal(auth(f, "Basic c2VjcmV0", NULL, user, &err), KZ_EINVAL); /* "secret" */
    assert_null(strstr(err.msg, "secret"));
}

/* ---- threads -------------------------------------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 200

typedef struct {
    fx *f;
    int ok;
    int wrong; /* results that were not what was expected */
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    char basic_hdr[512], bearer_hdr[256], user[KZ_NAME_MAX];
    kz_store *s = NULL;
    kz_err err;

    basic("alice", PASSWORD, basic_hdr, sizeof basic_hdr);
    snprintf(bearer_hdr, sizeof bearer_hdr, "Bearer %s", w->f->token);
    if (kz_store_open(w->f->path, &s, &err) != KZ_OK) {
        w->wrong = PER_THREAD;
        return NULL;
    }
    for (int i = 0; i < PER_THREAD; i++) {
        const char *hdr = i % 2 ? bearer_hdr : basic_hdr;
        kz_rc rc = kz_auth_request(w->f->a, s, kz_sv_c(hdr), NULL, user, &err);
        if (rc == KZ_OK && strcmp(user, "alice") == 0)
            w->ok++;
        else
            w->wrong++;
    }
    kz_store_free(s);
    return NULL;
}

static void test_auth_is_shared_safely_by_threads(void **state)
{
    fx *f = *state;
    pthread_t t[THREADS];
    worker_arg args[THREADS];

    need_users(f);
    for (int i = 0; i < THREADS; i++) {
        args[i] = (worker_arg){f, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(args[i].wrong, 0);
        assert_int_equal(args[i].ok, PER_THREAD);
    }
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_auth_password_hash_is_argon2id_and_verifies_both_ways),
        cmocka_unit_test(test_auth_check_password_refuses_what_is_not_an_argon2id_hash),
        cmocka_unit_test(test_auth_tokens_are_43_base64url_chars_unique_with_their_hash),
        cmocka_unit_test(test_auth_token_hash_is_hex_sha256_of_the_text),
        cmocka_unit_test(test_auth_new_and_free_accept_null_and_no_ttl),
    };
    const struct CMUnitTest stored[] = {
        cmocka_unit_test_setup_teardown(test_auth_basic_accepts_the_right_password_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_auth_basic_cache_forgets_a_changed_password_at_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_basic_cache_forgets_a_deleted_user_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_auth_basic_without_cache_still_verifies, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_auth_bearer_accepts_a_stored_token_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_auth_verified_certificate_maps_by_fingerprint_then_subject, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_auth_unverified_or_unmapped_certificate_falls_to_the_header, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_auth_no_credentials_is_not_found_and_malformed_is_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_is_shared_safely_by_threads, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("taxii_auth_pure", pure, NULL, NULL);

    failed += cmocka_run_group_tests_name("taxii_auth_store", stored, group_setup, NULL);
    return failed ? 1 : 0;
}
