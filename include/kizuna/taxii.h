/*
 * taxii.h - TAXII 2.1 (OASIS, 2021): the server over libmicrohttpd and the pieces of it that read
 * untrusted bytes (query strings, media types, Authorization headers, envelopes), which are
 * public so that tests and fuzz targets call them directly.
 *
 * Layout of src/taxii/:
 *   request.c   query strings and filters, paging cursors, media types, Authorization, envelopes
 *   auth.c      argon2id passwords, API tokens, client certificates, the verified-credential cache
 *   routes.c    the endpoints: discovery, API roots, status, collections, objects, manifest, versions
 *   server.c    libmicrohttpd: TLS, limits, rate limiting, per-thread store handles, request log
 *   tls.c       the self-signed certificate made on first start
 */
#ifndef KIZUNA_TAXII_H
#define KIZUNA_TAXII_H

#include <stdio.h>

#include <jansson.h>

#include "kizuna/core.h"
#include "kizuna/store.h"

#define KZ_TAXII_MEDIA "application/taxii+json;version=2.1"
#define KZ_STIX_MEDIA "application/stix+json;version=2.1"

/* ---- server --------------------------------------------------------------------------------- */

/* Every setting of the server, each with a safe default from kz_taxii_config_default(). */
typedef struct {
    const char *db_url;         /* the store */
    const char *listen;         /* "HOST:PORT"; port 0 picks a free one (printed at start) */
    const char *tls_cert;       /* PEM files; both NULL: a self-signed pair beside the database */
    const char *tls_key;
    const char *tls_client_ca;  /* PEM CA certificates that client certificates must chain to
                                 * (mutual TLS); NULL: client certificates are not asked for */
    bool plain_http;            /* no TLS: refused unless the listen address is loopback */
    const char *title;          /* discovery resource */
    const char *description;
    const char *contact;
    size_t max_body;            /* request body bytes; 413 past it */
    size_t max_body_anonymous;  /* the same before authentication */
    size_t max_objects;         /* objects in one POSTed envelope; 413 past it */
    size_t max_header;          /* request line and headers together; 431 past it */
    unsigned max_connections;   /* at once, over all clients */
    unsigned max_per_client;    /* at once, from one IP address */
    unsigned timeout_s;         /* an idle or slow connection is closed after this */
    double rate;                /* requests per second per client address (token bucket) */
    unsigned burst;             /* bucket size */
    unsigned threads;           /* worker threads; 0: one per core */
    int64_t page_max;           /* the server's maximum (and default) page size */
    int64_t cache_bytes;        /* answers kept per worker thread for repeated GETs; 0: none */
    int cred_cache_s;           /* seconds a verified password stays cached */
    FILE *log;                  /* one line per request; NULL: none */
    kz_limits lim;              /* STIX limits for POSTed objects */
} kz_taxii_config;

kz_taxii_config kz_taxii_config_default(void);

/*
 * Runs the server until SIGINT or SIGTERM (or kz_taxii_stop). Prints to stdout, once started,
 * "listening on <scheme>://HOST:PORT/taxii2/" and, for TLS, the certificate's SHA-256
 * fingerprint. Returns KZ_OK after a clean stop, else why it could not start.
 */
KZ_NODISCARD kz_rc kz_taxii_serve(const kz_taxii_config *cfg, kz_err *err);
/* Asks a running kz_taxii_serve to stop (async-signal-safe). */
void kz_taxii_stop(void);

/* ---- request parsing (untrusted bytes) -------------------------------------------------------- */

/* Which query parameters an endpoint takes. */
enum {
    KZ_TQ_ADDED_AFTER = 1 << 0,
    KZ_TQ_LIMIT = 1 << 1,
    KZ_TQ_NEXT = 1 << 2,
    KZ_TQ_MATCH_ID = 1 << 3,
    KZ_TQ_MATCH_TYPE = 1 << 4,
    KZ_TQ_MATCH_VERSION = 1 << 5,
    KZ_TQ_MATCH_SPEC_VERSION = 1 << 6,
};

#define KZ_TAXII_LIST_MAX 100 /* values in one match[...] list */

/* A parsed query string. Strings point into the filter's own storage (kz_taxii_filter_free). */
typedef struct {
    unsigned given;                     /* KZ_TQ_* seen */
    char added_after[KZ_TIME_MAX];      /* normalised to milliseconds */
    int64_t limit;                      /* >= 1 when given */
    int64_t next_seq;                   /* from the `next` cursor */
    const char *ids[KZ_TAXII_LIST_MAX];
    size_t n_ids;
    const char *types[KZ_TAXII_LIST_MAX];
    size_t n_types;
    const char *spec_versions[KZ_TAXII_LIST_MAX];
    size_t n_spec_versions;
    unsigned ver_flags;                 /* KZ_VER_* from first/last/all */
    const char *versions[KZ_TAXII_LIST_MAX]; /* timestamps, in kz_stix_version's fixed form */
    size_t n_versions;
    char *store_;                       /* private */
} kz_taxii_filter;

/*
 * Parses a query string (the bytes after '?', percent-encoded, '+' is a space) for an endpoint
 * that takes `allowed` parameters. A parameter the endpoint does not take, a repeated one, a bad
 * value (limit not a positive integer, added_after not RFC 3339, a type or id that cannot be a
 * STIX one, a cursor this server did not make) is KZ_EINVAL with a message naming the parameter
 * and what was expected. Other parameters (not match[...] and not TAXII's) are ignored.
 */
KZ_NODISCARD kz_rc kz_taxii_filter_parse(kz_sv query, unsigned allowed, kz_taxii_filter *f,
                                         kz_err *err);
void kz_taxii_filter_free(kz_taxii_filter *f);

/* Copies the filter into q (pointers into f; f must outlive q). */
void kz_taxii_filter_to_query(const kz_taxii_filter *f, kz_query *q);

/* The opaque `next` cursor for paging on after the row at seq (out needs 32 bytes). */
#define KZ_TAXII_CURSOR_MAX 32
void kz_taxii_cursor_encode(int64_t seq, char out[KZ_TAXII_CURSOR_MAX]);

/* What an Accept header allows for a response of TAXII (stix false) or STIX (stix true) content:
 * the media type to answer with, or NULL when nothing acceptable (406). A missing header
 * (empty view) accepts. Parameters, lists, q-values and wildcards are understood. */
const char *kz_taxii_accept(kz_sv accept, bool stix_ok);

/* True when a Content-Type header names a TAXII 2.1 or STIX 2.1 JSON body (else 415). */
bool kz_taxii_content_type_ok(kz_sv content_type);

/* Credentials from an Authorization header. */
typedef enum { KZ_CRED_NONE, KZ_CRED_BASIC, KZ_CRED_BEARER } kz_cred_kind;
typedef struct {
    kz_cred_kind kind;
    char user[KZ_NAME_MAX];
    char secret[256]; /* password or token; wiped by kz_taxii_cred_wipe */
    size_t secret_n;
} kz_taxii_cred;

/* Parses "Basic base64(user:password)" or "Bearer token". KZ_EINVAL when malformed or too long;
 * an empty header gives KZ_CRED_NONE. */
KZ_NODISCARD kz_rc kz_taxii_cred_parse(kz_sv authorization, kz_taxii_cred *out, kz_err *err);
void kz_taxii_cred_wipe(kz_taxii_cred *c);

/*
 * Parses a POSTed envelope ({"objects": [...]}; a STIX bundle is taken too) of n bytes. *objects
 * (a new reference, the caller decrefs) is the array, empty when the envelope has none.
 * KZ_EINVAL with a JSON path for a body that is not such an object, KZ_ELIMIT when it holds
 * more than max_objects or nests deeper than lim->json_depth.
 */
KZ_NODISCARD kz_rc kz_taxii_envelope_parse(kz_sv body, size_t max_objects, const kz_limits *lim,
                                           json_t **objects, kz_err *err);

/* The version text a client sees for a stored version ("" stays ""): the fixed form with
 * trailing zero groups of fraction digits dropped to 3, 6 or 9 digits. */
void kz_taxii_version_text(kz_sv stored, char out[KZ_TIME_MAX]);

/* ---- authentication --------------------------------------------------------------------------- */

/* Hashes a password with argon2id (t=2, m=19 MiB, p=1, 16-byte salt) into its encoded form. */
KZ_NODISCARD kz_rc kz_auth_hash_password(const char *pw, size_t n, char out[KZ_PWHASH_MAX],
                                         kz_err *err);
/* True when pw matches the encoded argon2id hash. */
bool kz_auth_check_password(const char *encoded, const char *pw, size_t n);

/* A new API token (43 base64url characters from 32 random bytes) and its hex SHA-256. */
#define KZ_TOKEN_MAX 64
KZ_NODISCARD kz_rc kz_auth_token_new(char token[KZ_TOKEN_MAX], char hash_hex[65], kz_err *err);
void kz_auth_token_hash(kz_sv token, char hash_hex[65]);

/* What the TLS layer says of the client's certificate. */
typedef struct {
    bool present;
    bool verified;          /* chains to tls_client_ca and is within its validity */
    char sha256[65];        /* hex of the DER's SHA-256 */
    char subject[512];      /* RFC 4514 DN */
} kz_peer_cert;

typedef struct kz_auth kz_auth;

/* The verified-credential cache, shared by all worker threads. ttl_s: seconds an entry lives. */
/* ttl_s <= 0 caches nothing. One argon2id verification runs at a time per kz_auth. */
KZ_NODISCARD kz_rc kz_auth_new(int ttl_s, kz_auth **out, kz_err *err);
void kz_auth_free(kz_auth *a);

/*
 * Authenticates a request: a verified client certificate mapped to a user, else the
 * Authorization header (Basic against the argon2id hash, cached after the first success; Bearer
 * against the token hashes). On success user holds the name. KZ_ENOTFOUND when no credential was
 * given, KZ_EINVAL when one was given and is wrong (both: 401), KZ_EDB when the store failed.
 * Never logs or keeps a secret in clear.
 */
KZ_NODISCARD kz_rc kz_auth_request(kz_auth *a, kz_store *s, kz_sv authorization,
                                   const kz_peer_cert *cert, char user[KZ_NAME_MAX], kz_err *err);

#endif
