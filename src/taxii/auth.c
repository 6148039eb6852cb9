/*
 * auth.c - who is asking: argon2id password hashes, API tokens, client certificates mapped to
 * users, and the verified-credential cache that spares the server an argon2id run (19 MiB, tens
 * of milliseconds) on every request of a client that sends Basic credentials.
 *
 * The cache never holds a password. Its key is an HMAC-SHA-256, under a random key made for this
 * process, of user + '\0' + password; each entry also keeps a SHA-256 of the stored password hash
 * it was verified against, and every hit re-reads the user's stored hash, so that a new password
 * or a deleted user takes effect at the next request. The table is fixed in size (CACHE_BUCKETS
 * buckets of CACHE_WAYS entries; a full bucket loses its oldest entry) and shared by all worker
 * threads under one mutex, held only for the lookup or the insertion, never during argon2id.
 *
 * A wrong password and an unknown user give the same answer and cost the same: for a user that
 * does not exist, or has no password, one argon2id verification runs against a fixed dummy hash.
 * kz_auth_new with ttl_s <= 0 caches nothing (every Basic request runs argon2id).
 *
 * One argon2id verification runs at a time per kz_auth (verify_mu): each needs its 19 MiB of
 * working memory, and a burst of first logins (or of guesses) must not multiply the server's
 * resident memory. Logins wait for each other; requests answered from the cache do not.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "kizuna/taxii.h"

/* argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane), which keeps the
 * server's peak memory low; hashes record their own parameters, so stronger ones made elsewhere
 * still verify. */
#define PW_T_COST 2
#define PW_M_COST 19456 /* KiB */
#define PW_LANES 1
#define PW_SALT_BYTES 16
#define PW_HASH_BYTES 32

#define TOKEN_BYTES 32 /* 256 random bits: 43 base64url characters */

#define CACHE_BUCKETS 256
#define CACHE_WAYS 4 /* CACHE_BUCKETS * CACHE_WAYS = 1024 entries */

/* Verified against when the user does not exist or has no password, so that the answer takes as
 * long as for a wrong password. Same parameters as a real hash; its password is nobody's. */
static const char dummy_hash[] = "$argon2id$v=19$m=19456,t=2,p=1$a2l6dW5hLWR1bW15LXNsdA$"
                                 "csmNPlvqpWVVZ05Flgavr8TgokSBpw93g20Yc7G2AyQ";

typedef struct {
    bool used;
    unsigned char key[32];    /* HMAC of user '\0' password */
    unsigned char pw_sha[32]; /* SHA-256 of the stored encoded hash it was checked against */
    char user[KZ_NAME_MAX];
    int64_t expiry_ns; /* CLOCK_MONOTONIC */
    uint64_t stamp;    /* insertion order, to find a bucket's oldest */
} cache_entry;

struct kz_auth {
    pthread_mutex_t mu;
    pthread_mutex_t verify_mu; /* one argon2id verification at a time */
    int64_t ttl_ns; /* 0: nothing is cached */
    uint64_t next_stamp;
    unsigned char hmac_key[32];
    cache_entry entries[CACHE_BUCKETS][CACHE_WAYS];
};

/* ---- passwords ----------------------------------------------------------------------------- */

kz_rc kz_auth_hash_password(const char *pw, size_t n, char out[KZ_PWHASH_MAX], kz_err *err)
{
    unsigned char salt[PW_SALT_BYTES];
    size_t len =
        argon2_encodedlen(PW_T_COST, PW_M_COST, PW_LANES, PW_SALT_BYTES, PW_HASH_BYTES, Argon2_id);
    kz_rc rc = KZ_EINVAL;
    int r;

    out[0] = '\0';
    if (len > KZ_PWHASH_MAX) {
        rc = kz_fail(err, KZ_EUSAGE, "an argon2id hash needs %zu bytes, more than %d", len,
                     KZ_PWHASH_MAX);
        goto out;
    }
    if (RAND_bytes(salt, sizeof salt) != 1) {
        rc = kz_fail(err, KZ_EIO, "the random number generator failed (no salt for argon2id)");
        goto out;
    }
    r = argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_LANES, pw, n, salt, sizeof salt,
                              PW_HASH_BYTES, out, KZ_PWHASH_MAX);
    if (r != ARGON2_OK) {
        out[0] = '\0';
        rc = kz_fail(err, r == ARGON2_MEMORY_ALLOCATION_ERROR ? KZ_ENOMEM : KZ_EINVAL,
                     "argon2id: %s", argon2_error_message(r));
        goto out;
    }
    rc = KZ_OK;
out:
    explicit_bzero(salt, sizeof salt);
    return rc;
}

bool kz_auth_check_password(const char *encoded, const char *pw, size_t n)
{
    if (encoded == NULL || strncmp(encoded, "$argon2id$", 10) != 0)
        return false;
    return argon2id_verify(encoded, pw, n) == ARGON2_OK;
}

/* ---- tokens -------------------------------------------------------------------------------- */

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
static void to_hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* SHA-256 of n bytes; false only if OpenSSL fails (out is then zeroed). */
static bool sha256(const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 0;

    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32) {
        memset(out, 0, 32);
        return false;
    }
    return true;
}

void kz_auth_token_hash(kz_sv token, char hash_hex[65])
{
    unsigned char md[32];

    (void)sha256(token.p ? token.p : "", token.n, md);
    to_hex(md, sizeof md, hash_hex);
}

/* base64url without padding of n bytes into out (needs 4 * ceil(n / 3) + 1 bytes). */
static void base64url(const unsigned char *p, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;

    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63];
        out[o++] = abc[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63];
    }
    out[o] = '\0';
}

kz_rc kz_auth_token_new(char token[KZ_TOKEN_MAX], char hash_hex[65], kz_err *err)
{
    unsigned char raw[TOKEN_BYTES];
    kz_rc rc = KZ_EIO;

    token[0] = hash_hex[0] = '\0';
    if (RAND_bytes(raw, sizeof raw) != 1) {
        rc = kz_fail(err, KZ_EIO, "the random number generator failed (no token made)");
        goto out;
    }
    base64url(raw, sizeof raw, token);
    kz_auth_token_hash(kz_sv_c(token), hash_hex);
    rc = KZ_OK;
out:
    explicit_bzero(raw, sizeof raw);
    return rc;
}

/* ---- the verified-credential cache --------------------------------------------------------- */

/* Nanoseconds on the monotonic clock: cache expiry must not move with the wall clock. */
static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

kz_rc kz_auth_new(int ttl_s, kz_auth **out, kz_err *err)
{
    kz_auth *a = NULL;
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    if ((a = calloc(1, sizeof *a)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory (credential cache)");
        goto out;
    }
    if (RAND_bytes(a->hmac_key, sizeof a->hmac_key) != 1) {
        rc = kz_fail(err, KZ_EIO, "the random number generator failed (credential cache key)");
        goto out;
    }
    if (pthread_mutex_init(&a->mu, NULL) != 0) {
        rc = kz_fail(err, KZ_ENOMEM, "cannot make the credential cache's mutex");
        goto out;
    }
    if (pthread_mutex_init(&a->verify_mu, NULL) != 0) {
        pthread_mutex_destroy(&a->mu);
        rc = kz_fail(err, KZ_ENOMEM, "cannot make the password check's mutex");
        goto out;
    }
    a->ttl_ns = ttl_s > 0 ? (int64_t)ttl_s * 1000000000 : 0;
    *out = a;
    a = NULL; /* ownership moved to the caller */
    rc = KZ_OK;
out:
    if (a != NULL) {
        explicit_bzero(a, sizeof *a);
        free(a);
    }
    return rc;
}

void kz_auth_free(kz_auth *a)
{
    if (a == NULL)
        return;
    pthread_mutex_destroy(&a->mu);
    pthread_mutex_destroy(&a->verify_mu);
    explicit_bzero(a, sizeof *a);
    free(a);
}

/* The cache key of (user, password): HMAC-SHA-256 under the process's key. */
static bool cache_key(const kz_auth *a, const kz_taxii_cred *c, unsigned char key[32])
{
    unsigned char msg[KZ_NAME_MAX + 1 + sizeof c->secret];
    size_t un = strnlen(c->user, KZ_NAME_MAX - 1), sn = c->secret_n;
    unsigned int len = 0;
    bool ok;

    if (sn > sizeof c->secret)
        sn = sizeof c->secret;
    memcpy(msg, c->user, un);
    msg[un] = '\0';
    memcpy(msg + un + 1, c->secret, sn);
    ok = HMAC(EVP_sha256(), a->hmac_key, (int)sizeof a->hmac_key, msg, un + 1 + sn, key, &len) !=
             NULL &&
         len == 32;
    explicit_bzero(msg, sizeof msg);
    return ok;
}

/* True when a live entry for key, user and stored hash pw_sha is in the cache. */
static bool cache_hit(kz_auth *a, const unsigned char key[32], const char *user,
                      const unsigned char pw_sha[32])
{
    cache_entry *b = a->entries[key[0] % CACHE_BUCKETS];
    int64_t now = now_ns();
    bool hit = false;

    pthread_mutex_lock(&a->mu);
    for (int i = 0; i < CACHE_WAYS; i++) {
        cache_entry *e = &b[i];
        if (!e->used || CRYPTO_memcmp(e->key, key, 32) != 0)
            continue;
        if (now < e->expiry_ns && strcmp(e->user, user) == 0 &&
            CRYPTO_memcmp(e->pw_sha, pw_sha, 32) == 0) {
            hit = true;
        } else {
            explicit_bzero(e, sizeof *e); /* stale: expired, or the password changed */
        }
        break;
    }
    pthread_mutex_unlock(&a->mu);
    return hit;
}

/* Remembers a verified (user, password) in its bucket: a free slot, else the oldest. */
static void cache_put(kz_auth *a, const unsigned char key[32], const char *user,
                      const unsigned char pw_sha[32])
{
    cache_entry *b = a->entries[key[0] % CACHE_BUCKETS], *victim = NULL;

    pthread_mutex_lock(&a->mu);
    for (int i = 0; i < CACHE_WAYS; i++) {
        cache_entry *e = &b[i];
        if (e->used && CRYPTO_memcmp(e->key, key, 32) == 0) {
            victim = e; /* another thread verified the same pair meanwhile */
            break;
        }
        if (victim == NULL || (victim->used && (!e->used || e->stamp < victim->stamp)))
            victim = e;
    }
    memcpy(victim->key, key, 32);
    memcpy(victim->pw_sha, pw_sha, 32);
    snprintf(victim->user, sizeof victim->user, "%s", user);
    victim->expiry_ns = now_ns() + a->ttl_ns;
    victim->stamp = ++a->next_stamp;
    victim->used = true;
    pthread_mutex_unlock(&a->mu);
}

/* ---- authenticating a request -------------------------------------------------------------- */

/* The one answer for a wrong password, an unknown user and an unknown token. */
static kz_rc invalid(kz_err *err)
{
    return kz_fail(err, KZ_EINVAL, "invalid credentials");
}

/* kz_auth_check_password, one at a time per kz_auth (a may be NULL: no serialising). */
static bool check_serialised(kz_auth *a, const char *encoded, const char *pw, size_t n)
{
    bool ok;

    if (a == NULL)
        return kz_auth_check_password(encoded, pw, n);
    pthread_mutex_lock(&a->verify_mu);
    ok = kz_auth_check_password(encoded, pw, n);
    pthread_mutex_unlock(&a->verify_mu);
    return ok;
}

/* Basic: the stored argon2id hash, through the cache. */
static kz_rc auth_basic(kz_auth *a, kz_store *s, const kz_taxii_cred *c, char user[KZ_NAME_MAX],
                        kz_err *err)
{
    char stored[KZ_PWHASH_MAX];
    unsigned char key[32], pw_sha[32];
    bool use_cache = a != NULL && a->ttl_ns > 0;
    kz_err serr;
    kz_rc rc;

    stored[0] = '\0';
    rc = kz_store_user_get(s, c->user, stored, &serr);
    if (rc == KZ_ENOTFOUND || (rc == KZ_OK && stored[0] == '\0')) {
        /* Costs what a wrong password costs, so that timing does not tell who exists. */
        (void)check_serialised(a, dummy_hash, c->secret, c->secret_n);
        rc = invalid(err);
        goto out;
    }
    if (rc != KZ_OK) {
        rc = kz_fail(err, rc, "%s", serr.msg);
        goto out;
    }
    if (use_cache && !(cache_key(a, c, key) && sha256(stored, strlen(stored), pw_sha)))
        use_cache = false;
    if (use_cache && cache_hit(a, key, c->user, pw_sha)) {
        rc = KZ_OK;
    } else if (check_serialised(a, stored, c->secret, c->secret_n)) {
        if (use_cache)
            cache_put(a, key, c->user, pw_sha);
        rc = KZ_OK;
    } else {
        rc = invalid(err);
        goto out;
    }
    snprintf(user, KZ_NAME_MAX, "%s", c->user);
out:
    explicit_bzero(key, sizeof key);
    explicit_bzero(stored, sizeof stored);
    return rc;
}

/* Bearer: the token's SHA-256 among the stored token hashes. */
static kz_rc auth_bearer(kz_store *s, const kz_taxii_cred *c, char user[KZ_NAME_MAX], kz_err *err)
{
    char hash[65];
    kz_err serr;
    kz_rc rc;

    kz_auth_token_hash((kz_sv){c->secret, c->secret_n}, hash);
    rc = kz_store_cred_user(s, "token", hash, user, &serr);
    if (rc == KZ_ENOTFOUND)
        rc = invalid(err);
    else if (rc != KZ_OK)
        rc = kz_fail(err, rc, "%s", serr.msg);
    if (rc != KZ_OK)
        user[0] = '\0';
    explicit_bzero(hash, sizeof hash);
    return rc;
}

/* A verified client certificate, by fingerprint and then by subject. KZ_ENOTFOUND: unmapped. */
static kz_rc auth_cert(kz_store *s, const kz_peer_cert *cert, char user[KZ_NAME_MAX], kz_err *err)
{
    char value[8 + sizeof cert->subject];
    kz_err serr;
    kz_rc rc;
    size_t i;

    /* The fingerprint is stored in lower case; accept the TLS layer's either way. */
    memcpy(value, "sha256:", 7);
    for (i = 0; i < 64 && cert->sha256[i] != '\0'; i++) {
        char ch = cert->sha256[i];
        value[7 + i] = ch >= 'A' && ch <= 'F' ? (char)(ch - 'A' + 'a') : ch;
    }
    value[7 + i] = '\0';
    rc = kz_store_cred_user(s, "cert", value, user, &serr);
    if (rc == KZ_ENOTFOUND && cert->subject[0] != '\0') {
        snprintf(value, sizeof value, "subject:%.*s", (int)sizeof cert->subject - 1, cert->subject);
        rc = kz_store_cred_user(s, "cert", value, user, &serr);
    }
    if (rc != KZ_OK && rc != KZ_ENOTFOUND)
        rc = kz_fail(err, rc, "%s", serr.msg);
    if (rc != KZ_OK)
        user[0] = '\0';
    return rc;
}

kz_rc kz_auth_request(kz_auth *a, kz_store *s, kz_sv authorization, const kz_peer_cert *cert,
                      char user[KZ_NAME_MAX], kz_err *err)
{
    kz_taxii_cred c;
    kz_err perr;
    kz_rc rc;

    memset(&c, 0, sizeof c);
    user[0] = '\0';
    if (cert != NULL && cert->present && cert->verified) {
        rc = auth_cert(s, cert, user, err);
        if (rc != KZ_ENOTFOUND)
            goto out; /* mapped (OK) or the store failed */
    }
    if ((rc = kz_taxii_cred_parse(authorization, &c, &perr)) != KZ_OK) {
        /* The parser's message is not passed on: it might quote part of the secret. */
        explicit_bzero(&perr, sizeof perr);
        rc = kz_fail(err, KZ_EINVAL, "invalid credentials (malformed Authorization header)");
        goto out;
    }
    switch (c.kind) {
        case KZ_CRED_BASIC: rc = auth_basic(a, s, &c, user, err); break;
        case KZ_CRED_BEARER: rc = auth_bearer(s, &c, user, err); break;
        default: rc = kz_fail(err, KZ_ENOTFOUND, "no credentials"); break;
    }
out:
    kz_taxii_cred_wipe(&c);
    explicit_bzero(&c, sizeof c); /* also while kz_taxii_cred_wipe is a placeholder */
    return rc;
}
