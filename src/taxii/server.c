/*
 * server.c - the HTTP layer of `kizuna serve`, over libmicrohttpd (MHD): TLS through GnuTLS, the
 * limits (connections, header and body bytes, idle time, a token-bucket rate per client address),
 * authentication before any body byte past max_body_anonymous is read, per-thread store handles,
 * and one log line per request. Everything TAXII is in routes.c, which sees one complete,
 * authenticated request at a time (kz_routes_handle).
 *
 * A request goes through MHD's callbacks in this order:
 *   on_uri        the request line is read: a req_ctx keeps the raw target (path and query as
 *                 sent, which MHD would otherwise hand over already percent-decoded)
 *   on_request    1st call, headers complete: rate limit, authentication, Content-Length check;
 *                 an answer given here (401, 413, 429) makes MHD skip the body and close
 *                 later calls: body bytes, into a buffer capped at the applicable limit
 *                 last call: the request goes to kz_routes_handle and its answer is queued
 *   on_completed  the log line, and the req_ctx is freed
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "taxii_int.h"

/* TLS 1.2 and 1.3 only, AEAD ciphers with forward secrecy (GnuTLS's SECURE levels). */
#define TLS_PRIORITIES                                                                             \
    "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:"          \
    "+CHACHA20-POLY1305:+AES-128-GCM:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SAFE_RENEGOTIATION"

#define RL_SLOTS 4096             /* token buckets: client addresses tracked at once */
#define RL_WAYS 8                 /* slots one address may land in; the oldest of them goes */
#define DISCARD_MAX (1u << 20)    /* body bytes dropped past the limit before a cut */
#define LOG_FIELD_MAX 512         /* bytes of a path, method or user name written to the log */
#define POLL_NS (100L * 1000 * 1000) /* how often the main thread looks at the stop flag */

static volatile sig_atomic_t stop_requested;

/* One client address's token bucket. */
typedef struct {
    unsigned char addr[16]; /* IPv6, or IPv4 mapped into IPv6 */
    bool used;
    double tokens;
    double last; /* monotonic seconds of the last refill */
} rl_bucket;

struct server;

/* A worker thread's store handle, kept in a list so that stop frees any a thread left. */
typedef struct store_node {
    kz_store *s;
    struct server *srv;
    struct store_node *prev, *next;
} store_node;

typedef struct server {
    const kz_taxii_config *cfg;
    kz_routes *routes;
    kz_auth *auth;
    bool mtls;
    size_t body_max, body_max_anon;
    pthread_key_t store_key;
    pthread_mutex_t stores_mu;
    store_node *stores;
    pthread_mutex_t rl_mu;
    rl_bucket *buckets; /* RL_SLOTS */
    pthread_mutex_t log_mu;
    char last_mhd_msg[256]; /* MHD's last complaint, for the start-up error message */
} server;

/* What is known of one request, from its request line to its end. */
typedef struct {
    char *uri; /* the raw request target, query included, as sent */
    double t0; /* monotonic seconds at the request line */
    bool decided; /* the first call (headers complete) is done */
    bool is_head;
    bool too_big; /* the body passed the limit: dropped, answered 413 */
    size_t limit; /* body bytes allowed */
    size_t discarded;
    kz_buf body;
    char method[16];
    char user[KZ_NAME_MAX];
    bool has_user;
    unsigned status; /* as queued; 0 when MHD answered by itself */
    uint64_t bytes;  /* response body bytes */
} req_ctx;

/* ---- small helpers --------------------------------------------------------------------------- */

/* Seconds on the monotonic clock. */
static double now_mono(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Locks m; a mutex that cannot be locked is a programming error. */
static void lock(pthread_mutex_t *m)
{
    if (pthread_mutex_lock(m) != 0)
        abort();
}

/* Unlocks m. */
static void unlock(pthread_mutex_t *m)
{
    if (pthread_mutex_unlock(m) != 0)
        abort();
}

/* Writes one whole line to the log under the log mutex, so that threads never interleave. */
static void log_write(server *srv, const char *line, size_t n)
{
    if (srv->cfg->log == NULL)
        return;
    lock(&srv->log_mu);
    /* The log is best effort: a full disk must not stop the answers. */
    (void)!fwrite(line, 1, n, srv->cfg->log);
    (void)!fflush(srv->cfg->log);
    unlock(&srv->log_mu);
}

/* Appends s (n bytes) to b with control, non-ASCII, space, quote and backslash bytes as \xHH. */
static void log_escape(kz_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char esc[4] = {'\\', 'x', 0, 0};

    if (n > LOG_FIELD_MAX)
        n = LOG_FIELD_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
            if (kz_buf_append(b, &s[i], 1) != KZ_OK)
                return;
            continue;
        }
        esc[2] = hex[c >> 4];
        esc[3] = hex[c & 15];
        if (kz_buf_append(b, esc, 4) != KZ_OK)
            return;
    }
    if (n == 0 && kz_buf_append(b, "-", 1) != KZ_OK)
        return;
}

/* MHD's own error messages, to the log, and the last one kept for start-up failures. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    server *srv = cls;
    char msg[512], t[KZ_TIME_MAX], line[640];
    kz_time now = kz_time_now();
    size_t n;
    int len;

    vsnprintf(msg, sizeof msg, fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    lock(&srv->log_mu);
    snprintf(srv->last_mhd_msg, sizeof srv->last_mhd_msg, "%s", msg);
    unlock(&srv->log_mu);
    kz_time_format(&now, 3, t);
    len = snprintf(line, sizeof line, "%s libmicrohttpd: %s\n", t, msg);
    if (len > 0)
        log_write(srv, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
}

/* ---- rate limit ------------------------------------------------------------------------------ */

/* The client's address as 16 bytes (IPv4 mapped into IPv6); zeros when unknown. */
static void client_key(struct MHD_Connection *conn, unsigned char key[16])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    memset(key, 0, 16);
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &in->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(key, &in6->sin6_addr, 16);
    }
}

/*
 * Takes one token from the client's bucket. False when it is empty: *retry_after is then the
 * whole seconds until the next token. Buckets live in a fixed table: an address lands in one set
 * of RL_WAYS slots and takes the least recently used one when it has none there.
 */
static bool rate_take(server *srv, struct MHD_Connection *conn, unsigned *retry_after)
{
    const kz_taxii_config *cfg = srv->cfg;
    unsigned char key[16];
    uint32_t h = 2166136261u;
    rl_bucket *set, *b = NULL;
    double now = now_mono();
    bool ok;

    *retry_after = 0;
    if (cfg->rate <= 0 || srv->buckets == NULL)
        return true;
    client_key(conn, key);
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    set = &srv->buckets[(h % (RL_SLOTS / RL_WAYS)) * RL_WAYS];
    lock(&srv->rl_mu);
    for (int i = 0; i < RL_WAYS && b == NULL; i++) {
        if (set[i].used && memcmp(set[i].addr, key, 16) == 0)
            b = &set[i];
    }
    if (b == NULL) {
        b = &set[0];
        for (int i = 0; i < RL_WAYS; i++) {
            if (!set[i].used) {
                b = &set[i];
                break;
            }
            if (set[i].last < b->last)
                b = &set[i];
        }
        memcpy(b->addr, key, 16);
        b->used = true;
        b->tokens = cfg->burst;
        b->last = now;
    }
    if (now > b->last) {
        b->tokens += (now - b->last) * cfg->rate;
        if (b->tokens > cfg->burst)
            b->tokens = cfg->burst;
    }
    b->last = now;
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    else
        *retry_after = (unsigned)ceil((1.0 - b->tokens) / cfg->rate);
    unlock(&srv->rl_mu);
    if (!ok && *retry_after < 1)
        *retry_after = 1;
    return ok;
}

/* ---- per-thread store handles ---------------------------------------------------------------- */

/* Unlinks and frees one store node (the thread-key destructor, and stop for leftovers). */
static void store_node_free(void *p)
{
    store_node *node = p;
    server *srv;

    if (node == NULL)
        return;
    srv = node->srv;
    lock(&srv->stores_mu);
    if (node->prev != NULL)
        node->prev->next = node->next;
    else
        srv->stores = node->next;
    if (node->next != NULL)
        node->next->prev = node->prev;
    unlock(&srv->stores_mu);
    kz_store_free(node->s);
    free(node);
}

/* This worker thread's store handle, opened on its first request. */
static kz_rc thread_store(server *srv, kz_store **out, kz_err *err)
{
    store_node *node = pthread_getspecific(srv->store_key);
    kz_rc rc;

    *out = NULL;
    if (node != NULL) {
        *out = node->s;
        return KZ_OK;
    }
    if ((node = calloc(1, sizeof *node)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    if ((rc = kz_store_open(srv->cfg->db_url, &node->s, err)) != KZ_OK) {
        free(node);
        return rc;
    }
    node->srv = srv;
    lock(&srv->stores_mu);
    node->next = srv->stores;
    if (srv->stores != NULL)
        srv->stores->prev = node;
    srv->stores = node;
    unlock(&srv->stores_mu);
    if (pthread_setspecific(srv->store_key, node) != 0) {
        store_node_free(node);
        return kz_fail(err, KZ_ENOMEM, "pthread_setspecific failed");
    }
    *out = node->s;
    return KZ_OK;
}

/* ---- TLS client certificates ----------------------------------------------------------------- */

/* What GnuTLS says of the client's certificate (mutual TLS); pc->present false when none. */
static void peer_cert(struct MHD_Connection *conn, kz_peer_cert *pc)
{
    static const char hex[] = "0123456789abcdef";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s;
    const gnutls_datum_t *certs;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t dn = {NULL, 0};
    unsigned char md[32];
    unsigned n = 0, status = 0;

    memset(pc, 0, sizeof *pc);
    if (ci == NULL || ci->tls_session == NULL)
        return;
    s = (gnutls_session_t)ci->tls_session;
    if ((certs = gnutls_certificate_get_peers(s, &n)) == NULL || n == 0)
        return;
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size, md) != 0)
        return; /* a certificate that cannot be named is as good as none */
    pc->present = true;
    for (int i = 0; i < 32; i++) {
        pc->sha256[i * 2] = hex[md[i] >> 4];
        pc->sha256[i * 2 + 1] = hex[md[i] & 15];
    }
    pc->sha256[64] = '\0';
    pc->verified = gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0;
    if (gnutls_x509_crt_init(&crt) != 0)
        return;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0 &&
        gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0 && dn.data != NULL) {
        size_t k = dn.size < sizeof pc->subject - 1 ? dn.size : sizeof pc->subject - 1;
        memcpy(pc->subject, dn.data, k);
        pc->subject[k] = '\0';
    }
    gnutls_free(dn.data);
    gnutls_x509_crt_deinit(crt);
}

/* ---- answers --------------------------------------------------------------------------------- */

/* Queues r (whose body moves to MHD) with the headers every answer has; clears r. */
static enum MHD_Result send_tresp(struct MHD_Connection *conn, req_ctx *ctx, kz_tresp *r,
                                  unsigned retry_after, bool no_store, bool close)
{
    struct MHD_Response *mr = NULL;
    enum MHD_Result ret = MHD_NO;
    size_t n = r->body.n;
    char num[24];
    bool ok = true;

    if (r->status < 100 || r->status > 599) {
        kz_tresp_clear(r);
        kz_buf_init(&r->body, 0);
        kz_tresp_error(r, 500, "Internal error", "The server could not answer this request.");
        n = r->body.n;
    }
    if (n > 0) {
        mr = MHD_create_response_from_buffer(n, r->body.p, MHD_RESPMEM_MUST_FREE);
        if (mr != NULL)
            kz_buf_init(&r->body, 0); /* the memory is MHD's now */
    } else {
        mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (mr == NULL)
        goto out;
    ok = MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff") == MHD_YES;
    if (ok && r->content_type != NULL && n > 0)
        ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type) == MHD_YES;
    if (ok && no_store)
        ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES;
    if (ok && r->date_first[0] != '\0')
        ok = MHD_add_response_header(mr, "X-TAXII-Date-Added-First", r->date_first) == MHD_YES;
    if (ok && r->date_last[0] != '\0')
        ok = MHD_add_response_header(mr, "X-TAXII-Date-Added-Last", r->date_last) == MHD_YES;
    if (ok && r->allow != NULL)
        ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->allow) == MHD_YES;
    if (ok && r->status == 401)
        ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                     "Basic realm=\"kizuna\", charset=\"UTF-8\"") == MHD_YES;
    if (ok && r->status == 429) {
        snprintf(num, sizeof num, "%u", retry_after);
        ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, num) == MHD_YES;
    }
    if (ok && close)
        ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
    if (!ok)
        goto out;
    ctx->status = (unsigned)r->status;
    ctx->bytes = ctx->is_head ? 0 : n;
    ret = MHD_queue_response(conn, (unsigned)r->status, mr);
out:
    if (mr != NULL)
        MHD_destroy_response(mr);
    kz_tresp_clear(r);
    return ret;
}

/* Answers with a TAXII error resource. */
static enum MHD_Result send_error(struct MHD_Connection *conn, req_ctx *ctx, int status,
                                  const char *title, const char *description,
                                  unsigned retry_after, bool no_store, bool close)
{
    kz_tresp r;

    memset(&r, 0, sizeof r);
    kz_buf_init(&r.body, 0);
    kz_tresp_error(&r, status, title, description);
    return send_tresp(conn, ctx, &r, retry_after, no_store, close);
}

/* Logs a failure the client only hears of as a generic 500. */
static void log_failure(server *srv, const char *what, const kz_err *err)
{
    char t[KZ_TIME_MAX], line[KZ_ERR_MAX + 128];
    kz_time now = kz_time_now();
    int len;

    kz_time_format(&now, 3, t);
    len = snprintf(line, sizeof line, "%s error: %s: %s\n", t, what, err->msg);
    if (len > 0)
        log_write(srv, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
}

/* ---- requests -------------------------------------------------------------------------------- */

/* The raw target's path and query ("/a/b?x=1" -> "/a/b", "x=1"). */
static void split_uri(const char *uri, kz_sv *path, kz_sv *query)
{
    const char *q = strchr(uri, '?');

    if (q == NULL) {
        *path = kz_sv_c(uri);
        *query = kz_sv_c("");
        return;
    }
    path->p = uri;
    path->n = (size_t)(q - uri);
    *query = kz_sv_c(q + 1);
}

/* A header's value as a view (empty when absent). */
static kz_sv header(struct MHD_Connection *conn, const char *name)
{
    return kz_sv_c(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name));
}

/* MHD_OPTION_URI_LOG_CALLBACK: a new request; its context keeps the raw target. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    req_ctx *ctx = calloc(1, sizeof *ctx);

    (void)cls, (void)conn;
    if (ctx == NULL)
        return NULL;
    if ((ctx->uri = strdup(uri ? uri : "")) == NULL) {
        free(ctx);
        return NULL;
    }
    ctx->t0 = now_mono();
    kz_buf_init(&ctx->body, 1);
    return ctx;
}

/*
 * The first call, headers complete: rate limit, authentication and the Content-Length check.
 * Answers here (MHD then reads no body and closes) or lets the body come.
 */
static enum MHD_Result on_headers(server *srv, struct MHD_Connection *conn, req_ctx *ctx,
                                  const char *method)
{
    kz_sv path, query, authz, clen;
    kz_peer_cert pc;
    kz_store *store = NULL;
    unsigned retry_after;
    int64_t len;
    bool is_public;
    kz_err err;
    kz_rc rc;

    ctx->decided = true;
    snprintf(ctx->method, sizeof ctx->method, "%s", method);
    ctx->is_head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    split_uri(ctx->uri, &path, &query);
    is_public = kz_routes_public(path);
    if (!rate_take(srv, conn, &retry_after))
        return send_error(conn, ctx, 429, "Too many requests",
                          "This client sent more requests than the server's rate limit allows; "
                          "try again after the time in Retry-After.",
                          retry_after, !is_public, true);
    if ((rc = thread_store(srv, &store, &err)) != KZ_OK) {
        log_failure(srv, "cannot open the store", &err);
        return send_error(conn, ctx, 500, "Internal error",
                          "The server could not answer this request.", 0, !is_public, false);
    }
    authz = header(conn, MHD_HTTP_HEADER_AUTHORIZATION);
    memset(&pc, 0, sizeof pc);
    if (srv->mtls)
        peer_cert(conn, &pc);
    if (!is_public || authz.n > 0 || pc.present) {
        rc = kz_auth_request(srv->auth, store, authz, &pc, ctx->user, &err);
        if (rc == KZ_OK) {
            ctx->has_user = true;
        } else if (is_public && authz.n == 0 && (rc == KZ_ENOTFOUND || rc == KZ_EINVAL)) {
            ctx->user[0] = '\0'; /* an unmapped certificate on a public path: anonymous */
        } else if (rc == KZ_ENOTFOUND || rc == KZ_EINVAL) {
            ctx->user[0] = '\0';
            return send_error(conn, ctx, 401, "Unauthorized",
                              rc == KZ_ENOTFOUND ? "This resource needs credentials."
                                                 : "The credentials given are not valid.",
                              0, true, false);
        } else {
            ctx->user[0] = '\0';
            log_failure(srv, "authentication", &err);
            return send_error(conn, ctx, 500, "Internal error",
                              "The server could not answer this request.", 0, true, false);
        }
    }
    ctx->limit = ctx->has_user ? srv->body_max : srv->body_max_anon;
    clen = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (clen.n > 0 && (kz_parse_i64(clen, 0, INT64_MAX, &len) != KZ_OK ||
                       (uint64_t)len > (uint64_t)ctx->limit))
        return send_error(conn, ctx, 413, "Request body too large",
                          ctx->has_user ? "The request body is larger than the server accepts."
                                        : "The request body is larger than the server accepts "
                                          "without authentication.",
                          0, !is_public, true);
    kz_buf_init(&ctx->body, ctx->limit);
    return MHD_YES;
}

/* Body bytes: kept up to the limit; past it dropped (and the connection cut after a while). */
static enum MHD_Result on_body(req_ctx *ctx, const char *data, size_t *n)
{
    if (!ctx->too_big && (ctx->limit == 0 || kz_buf_append(&ctx->body, data, *n) != KZ_OK)) {
        ctx->too_big = true;
        kz_buf_free(&ctx->body); /* nothing more is kept */
        kz_buf_init(&ctx->body, 1);
    }
    if (ctx->too_big)
        ctx->discarded += *n;
    *n = 0;
    /* MHD 0.9.75 cannot answer while a body is coming in: read on (bounded), answer at its end. */
    return ctx->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
}

/* The last call: the complete request goes to routes.c. */
static enum MHD_Result on_complete(server *srv, struct MHD_Connection *conn, req_ctx *ctx,
                                   const char *method)
{
    kz_treq req;
    kz_tresp resp;
    kz_store *store = NULL;
    bool is_public;
    kz_err err;

    memset(&req, 0, sizeof req);
    split_uri(ctx->uri, &req.path, &req.query);
    is_public = kz_routes_public(req.path);
    if (ctx->too_big)
        return send_error(conn, ctx, 413, "Request body too large",
                          "The request body is larger than the server accepts.", 0, !is_public,
                          true);
    if (thread_store(srv, &store, &err) != KZ_OK) {
        log_failure(srv, "cannot open the store", &err);
        return send_error(conn, ctx, 500, "Internal error",
                          "The server could not answer this request.", 0, !is_public, false);
    }
    req.method = method;
    req.accept = header(conn, MHD_HTTP_HEADER_ACCEPT);
    req.content_type = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
    req.body.p = ctx->body.p ? ctx->body.p : "";
    req.body.n = ctx->body.n;
    req.user = ctx->has_user ? ctx->user : NULL;
    req.store = store;
    memset(&resp, 0, sizeof resp);
    kz_buf_init(&resp.body, 0);
    kz_routes_handle(srv->routes, &req, &resp);
    return send_tresp(conn, ctx, &resp, 0, !is_public || ctx->has_user, false);
}

/* MHD_AccessHandlerCallback: called for the headers, each piece of body, and the end. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    req_ctx *ctx = *con_cls;

    (void)url, (void)version;
    if (ctx == NULL)
        return MHD_NO; /* on_uri could not allocate: drop the connection */
    if (!ctx->decided)
        return on_headers(cls, conn, ctx, method);
    if (*upload_data_size > 0)
        return on_body(ctx, upload_data, upload_data_size);
    return on_complete(cls, conn, ctx, method);
}

/* MHD_OPTION_NOTIFY_COMPLETED: writes the request's log line and frees its context. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server *srv = cls;
    req_ctx *ctx = *con_cls;
    const union MHD_ConnectionInfo *ci;
    char t[KZ_TIME_MAX], addr[INET6_ADDRSTRLEN] = "-", status[16] = "-";
    kz_time now = kz_time_now();
    kz_sv path, query;
    kz_buf line;
    unsigned st;

    (void)toe;
    if (ctx == NULL)
        return;
    *con_cls = NULL;
    if (srv->cfg->log != NULL) {
        kz_buf_init(&line, 4 * LOG_FIELD_MAX * 3);
        kz_time_format(&now, 3, t);
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci != NULL && ci->client_addr != NULL) {
            const struct sockaddr *sa = ci->client_addr;
            const void *a = NULL;
            if (sa->sa_family == AF_INET)
                a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
            else if (sa->sa_family == AF_INET6)
                a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
            if (a == NULL || inet_ntop(sa->sa_family, a, addr, sizeof addr) == NULL)
                snprintf(addr, sizeof addr, "-");
        }
        st = ctx->status;
        if (st == 0 && (ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS)) &&
            ci->http_status != 0)
            st = ci->http_status;
        if (st != 0)
            snprintf(status, sizeof status, "%u", st);
        split_uri(ctx->uri, &path, &query);
        if (kz_buf_printf(&line, "%s %s ", t, addr) == KZ_OK) {
            log_escape(&line, ctx->method, strlen(ctx->method));
            if (kz_buf_puts(&line, " ") == KZ_OK) {
                log_escape(&line, path.p, path.n);
                if (kz_buf_printf(&line, " %s %llu %.3f ", status,
                                  (unsigned long long)ctx->bytes,
                                  (now_mono() - ctx->t0) * 1000.0) == KZ_OK) {
                    log_escape(&line, ctx->has_user ? ctx->user : "",
                               ctx->has_user ? strlen(ctx->user) : 0);
                    if (kz_buf_puts(&line, "\n") == KZ_OK)
                        log_write(srv, line.p, line.n);
                }
            }
        }
        kz_buf_free(&line);
    }
    kz_buf_free(&ctx->body);
    free(ctx->uri);
    free(ctx);
}

/* ---- listening ------------------------------------------------------------------------------- */

/* A parsed listen address. */
typedef struct {
    char host[64];    /* as printed: "127.0.0.1", "[::1]", "localhost" */
    char bare[64];    /* without brackets, for the certificate */
    struct sockaddr_storage sa;
    socklen_t salen;
    bool v6;
    bool loopback;
} listen_addr;

/* Parses "HOST:PORT": IPv4 dotted, "[v6]:port" or "localhost". */
static kz_rc parse_listen(const char *s, listen_addr *la, kz_err *err)
{
    const char *colon, *hs = s, *he;
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)&la->sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&la->sa;
    int64_t port;
    size_t hn;

    memset(la, 0, sizeof *la);
    if (s == NULL || (colon = strrchr(s, ':')) == NULL)
        goto bad;
    he = colon;
    if (s[0] == '[') {
        if (colon == s || colon[-1] != ']')
            goto bad;
        hs = s + 1;
        he = colon - 1;
    }
    hn = (size_t)(he - hs);
    if (hn == 0 || hn >= sizeof la->bare)
        goto bad;
    memcpy(la->bare, hs, hn);
    la->bare[hn] = '\0';
    if (kz_parse_i64(kz_sv_c(colon + 1), 0, 65535, &port) != KZ_OK)
        return kz_fail(err, KZ_EUSAGE, "--listen %s: the port must be a number from 0 to 65535 "
                                       "(0: any free port)", s);
    if (s[0] == '[') {
        if (inet_pton(AF_INET6, la->bare, &in6->sin6_addr) != 1)
            goto bad;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        la->salen = sizeof *in6;
        la->v6 = true;
        la->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
        snprintf(la->host, sizeof la->host, "[%s]", la->bare);
        return KZ_OK;
    }
    if (strcmp(la->bare, "localhost") == 0) {
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, la->bare, &in->sin_addr) != 1) {
        goto bad;
    }
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    la->salen = sizeof *in;
    la->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    snprintf(la->host, sizeof la->host, "%s", la->bare);
    return KZ_OK;
bad:
    return kz_fail(err, KZ_EUSAGE, "--listen %s: expected HOST:PORT with an IPv4 address, "
                                   "[IPv6]:PORT or localhost:PORT (e.g. 127.0.0.1:8443)",
                   s ? s : "(none)");
}

/* Binds and listens on la; *fd is the socket and *port the port it got. */
static kz_rc bind_listen(const listen_addr *la, int *fd, unsigned *port, kz_err *err)
{
    struct sockaddr_storage got;
    socklen_t gotlen = sizeof got;
    int s, one = 1;
    kz_rc rc = KZ_EIO;

    *fd = -1;
    if ((s = socket(la->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return kz_fail(err, KZ_EIO, "cannot make a socket: %s", strerror(errno));
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (la->v6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)) {
        rc = kz_fail(err, KZ_EIO, "setsockopt: %s", strerror(errno));
        goto out;
    }
    if (bind(s, (const struct sockaddr *)&la->sa, la->salen) != 0) {
        rc = kz_fail(err, KZ_EIO, "cannot listen on %s:%u: %s", la->host,
                     ntohs(la->v6 ? ((const struct sockaddr_in6 *)(const void *)&la->sa)->sin6_port
                                  : ((const struct sockaddr_in *)(const void *)&la->sa)->sin_port),
                     strerror(errno));
        goto out;
    }
    if (listen(s, 512) != 0 || getsockname(s, (struct sockaddr *)&got, &gotlen) != 0) {
        rc = kz_fail(err, KZ_EIO, "cannot listen on %s: %s", la->host, strerror(errno));
        goto out;
    }
    *port = ntohs(got.ss_family == AF_INET6
                      ? ((struct sockaddr_in6 *)(void *)&got)->sin6_port
                      : ((struct sockaddr_in *)(void *)&got)->sin_port);
    *fd = s;
    s = -1;
    rc = KZ_OK;
out:
    if (s >= 0)
        close(s);
    return rc;
}

/* ---- the server ------------------------------------------------------------------------------ */

/* The safe defaults of every setting (see kz_taxii_config in taxii.h). */
kz_taxii_config kz_taxii_config_default(void)
{
    kz_taxii_config c;

    memset(&c, 0, sizeof c);
    c.listen = "127.0.0.1:8443";
    c.title = "Kizuna TAXII 2.1";
    c.max_body = 32u << 20;
    c.max_body_anonymous = 64u << 10;
    c.max_objects = 10000;
    c.max_header = 16u << 10;
    c.max_connections = 512;
    c.max_per_client = 64;
    c.timeout_s = 30;
    c.rate = 200;
    c.burst = 400;
    c.threads = 0;
    c.page_max = 1000;
    c.cache_bytes = 16 << 20;
    c.cred_cache_s = 60;
    c.lim = kz_limits_default();
    return c;
}

/* Sets the flag the main loop of kz_taxii_serve polls; async-signal-safe. */
void kz_taxii_stop(void)
{
    stop_requested = 1;
}

/* SIGINT and SIGTERM: a clean stop. */
static void on_signal(int sig)
{
    (void)sig;
    kz_taxii_stop();
}

/* Appends one option to the MHD option array (which has room: see kz_taxii_serve). */
static void opt(struct MHD_OptionItem *o, size_t *n, enum MHD_OPTION what, intptr_t value,
                void *ptr)
{
    o[*n].option = what;
    o[*n].value = value;
    o[*n].ptr_value = ptr;
    (*n)++;
}

/* Starts the daemon, prints where it listens, waits for the stop flag, frees everything. */
kz_rc kz_taxii_serve(const kz_taxii_config *cfg, kz_err *err)
{
    server srv;
    listen_addr la;
    struct MHD_OptionItem o[24];
    struct MHD_Daemon *d = NULL;
    struct sigaction sa, old_int, old_term, old_pipe;
    kz_store *probe = NULL;
    char *cert = NULL, *key = NULL, *ca = NULL, fp[96] = "";
    unsigned port = 0, threads = cfg->threads, flags;
    bool key_made = false, mu_made = false, signals_set = false;
    size_t n = 0, pool;
    long cpus;
    int fd = -1;
    kz_rc rc;

    memset(&srv, 0, sizeof srv);
    srv.cfg = cfg;
    stop_requested = 0;
    if ((rc = parse_listen(cfg->listen, &la, err)) != KZ_OK)
        goto out;
    if (cfg->plain_http && !la.loopback) {
        rc = kz_fail(err, KZ_EUSAGE, "--plain-http is refused on %s: without TLS, passwords and "
                                     "tokens would cross the network in clear; use it only on "
                                     "a loopback address (127.0.0.1, [::1]) or drop it",
                     la.host);
        goto out;
    }
    if ((rc = kz_store_open(cfg->db_url, &probe, err)) != KZ_OK) {
        kz_err_prefix(err, "cannot open the store");
        goto out;
    }
    kz_store_free(probe);
    if (!cfg->plain_http &&
        (rc = kz_tls_load(cfg, la.bare, &cert, &key, &ca, fp, err)) != KZ_OK)
        goto out;
    srv.mtls = ca != NULL;
    srv.body_max = cfg->max_body;
    srv.body_max_anon = cfg->max_body_anonymous < cfg->max_body ? cfg->max_body_anonymous
                                                                : cfg->max_body;
    if ((rc = kz_routes_new(cfg, &srv.routes, err)) != KZ_OK ||
        (rc = kz_auth_new(cfg->cred_cache_s, &srv.auth, err)) != KZ_OK)
        goto out;
    if ((srv.buckets = calloc(RL_SLOTS, sizeof *srv.buckets)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory");
        goto out;
    }
    if (pthread_mutex_init(&srv.stores_mu, NULL) != 0 ||
        pthread_mutex_init(&srv.rl_mu, NULL) != 0 || pthread_mutex_init(&srv.log_mu, NULL) != 0) {
        rc = kz_fail(err, KZ_ENOMEM, "cannot make a mutex");
        goto out; /* glibc's default mutexes cannot fail to be made; nothing to destroy */
    }
    mu_made = true;
    if (pthread_key_create(&srv.store_key, store_node_free) != 0) {
        rc = kz_fail(err, KZ_ENOMEM, "cannot make a thread key");
        goto out;
    }
    key_made = true;
    if ((rc = bind_listen(&la, &fd, &port, err)) != KZ_OK)
        goto out;
    if (threads == 0) {
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 && cpus < 1024 ? (unsigned)cpus : 1;
    }
    /* The connection's memory pool holds the request line and headers, MHD's read buffer, and
     * the answer's headers: twice the header limit leaves room for all of them. */
    pool = cfg->max_header * 2 + 4096;
    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (la.v6)
        flags |= MHD_USE_IPv6;
    if (!cfg->plain_http)
        flags |= MHD_USE_TLS;
    opt(o, &n, MHD_OPTION_LISTEN_SOCKET, fd, NULL);
    opt(o, &n, MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, &srv);
    opt(o, &n, MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, &srv);
    opt(o, &n, MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL);
    opt(o, &n, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_client, NULL);
    opt(o, &n, MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, NULL);
    opt(o, &n, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)pool, NULL);
    opt(o, &n, MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
    if (threads > 1)
        opt(o, &n, MHD_OPTION_THREAD_POOL_SIZE, threads, NULL);
    if (!cfg->plain_http) {
        opt(o, &n, MHD_OPTION_HTTPS_MEM_CERT, 0, cert);
        opt(o, &n, MHD_OPTION_HTTPS_MEM_KEY, 0, key);
        opt(o, &n, MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES);
        if (ca != NULL)
            opt(o, &n, MHD_OPTION_HTTPS_MEM_TRUST, 0, ca);
    }
    opt(o, &n, MHD_OPTION_END, 0, NULL);
    /* The logger goes first: MHD logs through its own until it has seen this option. */
    d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_EXTERNAL_LOGGER,
                         on_mhd_log, &srv, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
    if (d == NULL) {
        rc = kz_fail(err, KZ_EIO, "cannot start the HTTP server on %s%s%s", la.host,
                     srv.last_mhd_msg[0] ? ": " : "", srv.last_mhd_msg);
        goto out;
    }
    fd = -1; /* MHD closes it at stop */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGINT, &sa, &old_int) != 0 ||
        sigaction(SIGTERM, &sa, &old_term) != 0) {
        rc = kz_fail(err, KZ_EIO, "sigaction: %s", strerror(errno));
        goto out;
    }
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, &old_pipe) != 0) {
        rc = kz_fail(err, KZ_EIO, "sigaction: %s", strerror(errno));
        (void)sigaction(SIGINT, &old_int, NULL);
        (void)sigaction(SIGTERM, &old_term, NULL);
        goto out;
    }
    signals_set = true;
    printf("listening on %s://%s:%u/taxii2/\n", cfg->plain_http ? "http" : "https", la.host,
           port);
    if (!cfg->plain_http)
        printf("tls certificate sha256 fingerprint: %s\n", fp);
    if (fflush(stdout) != 0) {
        rc = kz_fail(err, KZ_EIO, "standard output: %s", strerror(errno));
        goto out;
    }
    while (!stop_requested) {
        struct timespec ts = {0, POLL_NS};
        if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
            break;
    }
    rc = KZ_OK;
out:
    if (d != NULL)
        MHD_stop_daemon(d); /* joins the workers: their thread-key destructors free stores */
    if (signals_set) {
        (void)sigaction(SIGINT, &old_int, NULL);
        (void)sigaction(SIGTERM, &old_term, NULL);
        (void)sigaction(SIGPIPE, &old_pipe, NULL);
    }
    if (fd >= 0)
        (void)close(fd);
    if (mu_made) {
        while (srv.stores != NULL)
            store_node_free(srv.stores);
    }
    if (key_made)
        (void)pthread_key_delete(srv.store_key);
    if (mu_made) {
        (void)pthread_mutex_destroy(&srv.stores_mu);
        (void)pthread_mutex_destroy(&srv.rl_mu);
        (void)pthread_mutex_destroy(&srv.log_mu);
    }
    free(srv.buckets);
    kz_auth_free(srv.auth);
    kz_routes_free(srv.routes);
    if (key != NULL) {
        explicit_bzero(key, strlen(key));
        free(key);
    }
    free(cert);
    free(ca);
    return rc;
}
