/*
 * taxii_int.h - private to src/taxii: what server.c (HTTP, TLS, limits, authentication) hands to
 * routes.c (the TAXII endpoints) and what it gets back. server.c owns connections and threads;
 * routes.c sees one complete, authenticated request at a time and never touches libmicrohttpd.
 */
#ifndef KIZUNA_TAXII_INT_H
#define KIZUNA_TAXII_INT_H

#include "kizuna/taxii.h"

/* Shared by every worker thread; made once by server.c at start. */
typedef struct kz_routes kz_routes;

KZ_NODISCARD kz_rc kz_routes_new(const kz_taxii_config *cfg, kz_routes **out, kz_err *err);
void kz_routes_free(kz_routes *r);

/* True when the path is one that needs no authentication (discovery, "/taxii2/"). */
bool kz_routes_public(kz_sv path);

/* One complete request. Views are valid during kz_routes_handle only. */
typedef struct {
    const char *method;  /* "GET", "POST", "DELETE", "HEAD", ... */
    kz_sv path;          /* as sent, without the query; percent-encoding not yet decoded */
    kz_sv query;         /* after '?', may be empty */
    kz_sv accept;        /* Accept header, empty when absent */
    kz_sv content_type;  /* Content-Type header, empty when absent */
    kz_sv body;
    const char *user;    /* the authenticated user; NULL on a public path without credentials */
    kz_store *store;     /* this worker thread's own store handle */
} kz_treq;

/* The answer. routes.c fills it; server.c sends it and frees it with kz_tresp_clear. */
typedef struct {
    int status;                /* HTTP status */
    const char *content_type;  /* static string; NULL with an empty body */
    kz_buf body;
    char date_first[KZ_TIME_MAX]; /* X-TAXII-Date-Added-First, when not empty */
    char date_last[KZ_TIME_MAX];  /* X-TAXII-Date-Added-Last, when not empty */
    const char *allow;         /* Allow header for 405, static */
} kz_tresp;

void kz_tresp_clear(kz_tresp *r);

/*
 * Answers one request: every outcome, errors included, is a response (TAXII error resources for
 * 4xx and 5xx). Thread-safe: called concurrently from every worker thread.
 */
void kz_routes_handle(kz_routes *r, const kz_treq *req, kz_tresp *resp);

/*
 * Fills resp with a TAXII error message resource: {"title", "description", "http_status"}.
 * Used by server.c too, for answers it gives before routing (401, 413, 429, ...).
 */
void kz_tresp_error(kz_tresp *resp, int status, const char *title, const char *description);

/*
 * tls.c: the server's TLS material as PEM text: --tls-cert/--tls-key, or (both NULL) the
 * self-signed pair beside the database, made on first start for listen_host; *ca_pem is
 * cfg->tls_client_ca's text or NULL. fp gets the certificate's SHA-256 as "AB:CD:...". The
 * caller frees the three strings, wiping *key_pem (explicit_bzero) first. KZ_EUSAGE when only
 * one of the files is given or the store is not a file; KZ_EIO when a file is missing or bad.
 */
KZ_NODISCARD kz_rc kz_tls_load(const kz_taxii_config *cfg, const char *listen_host,
                               char **cert_pem, char **key_pem, char **ca_pem, char fp[96],
                               kz_err *err);

#endif
