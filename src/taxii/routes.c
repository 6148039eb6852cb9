/*
 * routes.c - the TAXII 2.1 endpoints over the store: discovery, API roots, status, collections,
 * objects (GET, POST), one object (GET, DELETE), its versions, and the manifest.
 *
 * server.c gives each request here complete and authenticated; this file decides what the user
 * may see (a collection the user has no right on answers 404, as if it did not exist), reads the
 * filters, runs one store query and writes the answer. Stored objects are sent as their stored
 * text, never re-encoded. Every failure is a TAXII error message resource.
 *
 * Paging: a page is at most page_max rows; the query asks for one row more to know whether
 * there are more, and the `next` cursor is the seq of the last row given (request.c makes it
 * opaque). seq only grows and a batch becomes visible all at once, so paging on while others
 * add objects gives no duplicates and no skips, and needs no state on the server.
 *
 * A worker thread keeps the answers to its recent GETs (objects, manifest, versions) keyed by
 * the request line and media type, valid while the store's generation number is unchanged: a
 * repeated poll costs a hash lookup instead of a query. Rights are checked before the cache.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/stix.h"
#include "taxii_int.h"

#define MAX_SEGMENTS 8
#define CACHE_SLOTS 256

/* One kept answer. */
typedef struct {
    uint64_t hash;
    uint64_t gen;
    char *key; /* request line and media type */
    size_t key_n;
    kz_tresp resp; /* status 200 answers only */
} cache_entry;

typedef struct {
    cache_entry slot[CACHE_SLOTS];
    int64_t bytes; /* bodies kept */
} answer_cache;

struct kz_routes {
    const kz_taxii_config *cfg;
    pthread_key_t cache_key; /* this thread's answer_cache */
};

/* ---- responses ------------------------------------------------------------------------------ */

void kz_tresp_clear(kz_tresp *r)
{
    if (r == NULL)
        return;
    kz_buf_free(&r->body);
    memset(r, 0, sizeof *r);
}

void kz_tresp_error(kz_tresp *resp, int status, const char *title, const char *description)
{
    kz_rc rc;

    kz_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type = KZ_TAXII_MEDIA;
    resp->date_first[0] = resp->date_last[0] = '\0';
    rc = kz_buf_puts(&resp->body, "{\"title\":");
    if (rc == KZ_OK)
        rc = kz_buf_json_str(&resp->body, title, strlen(title));
    if (rc == KZ_OK && description != NULL && description[0] != '\0') {
        rc = kz_buf_puts(&resp->body, ",\"description\":");
        if (rc == KZ_OK)
            rc = kz_buf_json_str(&resp->body, description, strlen(description));
    }
    if (rc == KZ_OK)
        rc = kz_buf_printf(&resp->body, ",\"http_status\":\"%d\"}", status);
    if (rc != KZ_OK) {
        /* Out of memory: an answer with no body still tells the status. */
        kz_buf_free(&resp->body);
        resp->content_type = NULL;
    }
}

static void fail_oom(kz_tresp *resp)
{
    kz_tresp_error(resp, 500, "Internal error", "the server ran out of memory");
}

/* A store failure: the details go to the log, not to the client. */
static void fail_store(kz_routes *r, kz_tresp *resp, const kz_err *err)
{
    if (r->cfg->log != NULL)
        fprintf(r->cfg->log, "kizuna serve: store error: %s\n", err->msg);
    kz_tresp_error(resp, 500, "Internal error", "the store failed; the server log has details");
}

/* ---- the answer cache ----------------------------------------------------------------------- */

static void cache_free(void *p)
{
    answer_cache *c = p;

    if (c == NULL)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        free(c->slot[i].key);
        kz_tresp_clear(&c->slot[i].resp);
    }
    free(c);
}

static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The cache key of a GET: path, query and the media type of the answer. */
static kz_rc cache_key(const kz_treq *req, const char *media, kz_buf *key, uint64_t *hash)
{
    kz_rc rc;

    if ((rc = kz_buf_append(key, req->path.p, req->path.n)) != KZ_OK ||
        (rc = kz_buf_append(key, "?", 1)) != KZ_OK ||
        (rc = kz_buf_append(key, req->query.p, req->query.n)) != KZ_OK ||
        (rc = kz_buf_append(key, " ", 1)) != KZ_OK || (rc = kz_buf_puts(key, media)) != KZ_OK)
        return rc;
    *hash = fnv1a(14695981039346656037ull, key->p, key->n);
    return KZ_OK;
}

static answer_cache *thread_cache(kz_routes *r)
{
    answer_cache *c;

    if (r->cfg->cache_bytes <= 0)
        return NULL;
    if ((c = pthread_getspecific(r->cache_key)) != NULL)
        return c;
    if ((c = calloc(1, sizeof *c)) == NULL)
        return NULL;
    if (pthread_setspecific(r->cache_key, c) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

/* Copies a kept answer into resp when there is one for key at generation gen. */
static bool cache_get(answer_cache *c, const kz_buf *key, uint64_t hash, uint64_t gen,
                      kz_tresp *resp)
{
    cache_entry *e;

    if (c == NULL)
        return false;
    e = &c->slot[hash % CACHE_SLOTS];
    if (e->key == NULL || e->hash != hash || e->gen != gen || e->key_n != key->n ||
        memcmp(e->key, key->p, key->n) != 0)
        return false;
    kz_buf_reset(&resp->body);
    if (kz_buf_append(&resp->body, e->resp.body.p, e->resp.body.n) != KZ_OK)
        return false;
    resp->status = e->resp.status;
    resp->content_type = e->resp.content_type;
    memcpy(resp->date_first, e->resp.date_first, sizeof resp->date_first);
    memcpy(resp->date_last, e->resp.date_last, sizeof resp->date_last);
    return true;
}

/* Keeps a copy of a 200 answer, within the thread's byte budget. */
static void cache_put(kz_routes *r, answer_cache *c, const kz_buf *key, uint64_t hash,
                      uint64_t gen, const kz_tresp *resp)
{
    cache_entry *e, n;

    if (c == NULL || resp->status != 200 || (int64_t)resp->body.n > r->cfg->cache_bytes / 8)
        return;
    e = &c->slot[hash % CACHE_SLOTS];
    c->bytes -= (int64_t)e->resp.body.n;
    free(e->key);
    kz_tresp_clear(&e->resp);
    memset(e, 0, sizeof *e);
    if (c->bytes + (int64_t)resp->body.n > r->cfg->cache_bytes)
        return; /* over budget: the slot stays empty until others are replaced */
    memset(&n, 0, sizeof n);
    n.resp = *resp;
    kz_buf_init(&n.resp.body, 0);
    if ((n.key = malloc(key->n)) == NULL ||
        kz_buf_append(&n.resp.body, resp->body.p, resp->body.n) != KZ_OK) {
        free(n.key);
        kz_buf_free(&n.resp.body);
        return;
    }
    memcpy(n.key, key->p, key->n);
    n.key_n = key->n;
    n.hash = hash;
    n.gen = gen;
    *e = n;
    c->bytes += (int64_t)resp->body.n;
}

/* ---- setup ---------------------------------------------------------------------------------- */

kz_rc kz_routes_new(const kz_taxii_config *cfg, kz_routes **out, kz_err *err)
{
    kz_routes *r;

    *out = NULL;
    if ((r = calloc(1, sizeof *r)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory starting the server");
    r->cfg = cfg;
    if (pthread_key_create(&r->cache_key, cache_free) != 0) {
        free(r);
        return kz_fail(err, KZ_ENOMEM, "cannot make a thread key for the answer cache");
    }
    *out = r;
    return KZ_OK;
}

void kz_routes_free(kz_routes *r)
{
    if (r == NULL)
        return;
    /* The calling thread's cache; worker threads' caches went with their threads. */
    cache_free(pthread_getspecific(r->cache_key));
    pthread_key_delete(r->cache_key);
    free(r);
}

/* ---- paths ---------------------------------------------------------------------------------- */

/* Splits "/a/b/c/" into segments (percent-decoded into buf). A trailing '/' is optional. */
static bool split_path(kz_sv path, char buf[512], kz_sv seg[MAX_SEGMENTS], size_t *nseg)
{
    size_t i = 0, o = 0;

    *nseg = 0;
    if (path.n == 0 || path.p[0] != '/' || path.n >= 512)
        return false;
    i = 1;
    while (i < path.n) {
        size_t start = o;
        while (i < path.n && path.p[i] != '/') {
            char ch = path.p[i];
            if (ch == '%') {
                int hi = i + 2 < path.n ? kz_hexval(path.p[i + 1]) : -1;
                int lo = i + 2 < path.n ? kz_hexval(path.p[i + 2]) : -1;
                if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                    return false;
                ch = (char)(hi * 16 + lo);
                i += 2;
            }
            if (ch == '/') /* an encoded '/' inside a segment names nothing here */
                return false;
            buf[o++] = ch;
            i++;
        }
        if (o == start) /* "//" */
            return false;
        if (*nseg == MAX_SEGMENTS)
            return false;
        seg[*nseg].p = buf + start;
        seg[*nseg].n = o - start;
        (*nseg)++;
        i++; /* the '/' */
    }
    return true;
}

bool kz_routes_public(kz_sv path)
{
    return kz_sv_eq_c(path, "/taxii2/") || kz_sv_eq_c(path, "/taxii2");
}

/* Copies a segment into a NUL-terminated buffer; false when it does not fit. */
static bool seg_copy(kz_sv seg, char *out, size_t cap)
{
    if (seg.n >= cap || memchr(seg.p, '\0', seg.n) != NULL)
        return false;
    memcpy(out, seg.p, seg.n);
    out[seg.n] = '\0';
    return true;
}

/* ---- JSON writing helpers ------------------------------------------------------------------- */

static kz_rc put_str(kz_buf *b, const char *s)
{
    return kz_buf_json_str(b, s, strlen(s));
}

static kz_rc put_sv(kz_buf *b, kz_sv v)
{
    return kz_buf_json_str(b, v.p, v.n);
}

/* ---- discovery and API roots ---------------------------------------------------------------- */

typedef struct {
    kz_buf *b;
    size_t n;
    const char *want; /* api_root: the one to describe */
    bool found;
    const kz_taxii_config *cfg;
} roots_ctx;

static kz_rc root_url(void *ctx, const kz_api_root *root)
{
    roots_ctx *rc = ctx;
    kz_rc r;

    if ((r = kz_buf_puts(rc->b, rc->n++ ? ",\"/" : "\"/")) != KZ_OK ||
        (r = kz_buf_puts(rc->b, root->name)) != KZ_OK)
        return r;
    return kz_buf_puts(rc->b, "/\"");
}

static void get_discovery(kz_routes *r, const kz_treq *req, kz_tresp *resp)
{
    const kz_taxii_config *cfg = r->cfg;
    roots_ctx ctx = {&resp->body, 0, NULL, false, cfg};
    kz_err err;
    kz_rc rc;

    rc = kz_buf_puts(&resp->body, "{\"title\":");
    if (rc == KZ_OK)
        rc = put_str(&resp->body, cfg->title ? cfg->title : "Kizuna TAXII 2.1");
    if (rc == KZ_OK && cfg->description) {
        rc = kz_buf_puts(&resp->body, ",\"description\":");
        if (rc == KZ_OK)
            rc = put_str(&resp->body, cfg->description);
    }
    if (rc == KZ_OK && cfg->contact) {
        rc = kz_buf_puts(&resp->body, ",\"contact\":");
        if (rc == KZ_OK)
            rc = put_str(&resp->body, cfg->contact);
    }
    if (rc == KZ_OK)
        rc = kz_buf_puts(&resp->body, ",\"default\":\"/" KZ_ROOT_DEFAULT "/\",\"api_roots\":[");
    if (rc != KZ_OK)
        return fail_oom(resp);
    if ((rc = kz_store_roots(req->store, root_url, &ctx, &err)) != KZ_OK)
        return fail_store(r, resp, &err);
    if (kz_buf_puts(&resp->body, "]}") != KZ_OK)
        return fail_oom(resp);
    resp->status = 200;
}

static kz_rc root_find(void *ctx, const kz_api_root *root)
{
    roots_ctx *c = ctx;
    kz_rc rc;

    if (strcmp(root->name, c->want) != 0)
        return KZ_OK;
    c->found = true;
    rc = kz_buf_puts(c->b, "{\"title\":");
    if (rc == KZ_OK)
        rc = put_str(c->b, root->title);
    if (rc == KZ_OK && root->description[0] != '\0') {
        rc = kz_buf_puts(c->b, ",\"description\":");
        if (rc == KZ_OK)
            rc = put_str(c->b, root->description);
    }
    if (rc == KZ_OK)
        rc = kz_buf_printf(c->b,
                           ",\"versions\":[\"" KZ_TAXII_MEDIA "\"],\"max_content_length\":%zu}",
                           c->cfg->max_body);
    return rc;
}

/* Looks up an API root; writes its resource into b when b is not NULL. */
static kz_rc find_root(kz_routes *r, kz_store *s, const char *name, kz_buf *b, bool *found,
                       kz_err *err)
{
    kz_buf scratch;
    roots_ctx ctx;
    kz_rc rc;

    kz_buf_init(&scratch, 0);
    memset(&ctx, 0, sizeof ctx);
    ctx.b = b ? b : &scratch;
    ctx.want = name;
    ctx.cfg = r->cfg;
    rc = kz_store_roots(s, root_find, &ctx, err);
    kz_buf_free(&scratch);
    *found = ctx.found;
    return rc;
}

/* ---- collections ---------------------------------------------------------------------------- */

typedef struct {
    kz_routes *r;
    const kz_treq *req;
    const char *root;
    kz_buf *b;
    size_t n;
    kz_err err;
} colls_ctx;

static kz_rc put_collection(kz_buf *b, const kz_collection *c, bool can_read, bool can_write)
{
    kz_rc rc;

    rc = kz_buf_puts(b, "{\"id\":");
    if (rc == KZ_OK)
        rc = put_str(b, c->id);
    if (rc == KZ_OK)
        rc = kz_buf_puts(b, ",\"title\":");
    if (rc == KZ_OK)
        rc = put_str(b, c->title);
    if (rc == KZ_OK && c->description && c->description[0]) {
        rc = kz_buf_puts(b, ",\"description\":");
        if (rc == KZ_OK)
            rc = put_str(b, c->description);
    }
    if (rc == KZ_OK)
        rc = kz_buf_printf(b,
                           ",\"can_read\":%s,\"can_write\":%s,\"media_types\":"
                           "[\"" KZ_STIX_MEDIA "\"]}",
                           can_read ? "true" : "false", can_write ? "true" : "false");
    return rc;
}

static kz_rc list_collection(void *ctx, const kz_collection *c)
{
    colls_ctx *cc = ctx;
    bool can_read, can_write;
    kz_rc rc;

    if (strcmp(c->root, cc->root) != 0)
        return KZ_OK;
    if ((rc = kz_store_rights(cc->req->store, cc->req->user, c->key, &can_read, &can_write,
                              &cc->err)) != KZ_OK)
        return rc;
    if (!can_read && !can_write)
        return KZ_OK;
    if ((rc = kz_buf_puts(cc->b, cc->n++ ? "," : "{\"collections\":[")) != KZ_OK)
        return rc;
    return put_collection(cc->b, c, can_read, can_write);
}

static void get_collections(kz_routes *r, const kz_treq *req, const char *root, kz_tresp *resp)
{
    colls_ctx cc;
    kz_rc rc;

    memset(&cc, 0, sizeof cc);
    cc.r = r;
    cc.req = req;
    cc.root = root;
    cc.b = &resp->body;
    rc = kz_store_collections(req->store, list_collection, &cc, &cc.err);
    if (rc == KZ_ENOMEM)
        return fail_oom(resp);
    if (rc != KZ_OK)
        return fail_store(r, resp, &cc.err);
    /* No collection: the key is omitted and the resource is an empty object. */
    if (kz_buf_puts(&resp->body, cc.n ? "]}" : "{}") != KZ_OK)
        return fail_oom(resp);
    resp->status = 200;
}

/*
 * Finds collection `id` in root for the request's user, with the user's rights. Answers 404 (and
 * returns false) when it does not exist, is in another root, or the user has no right on it.
 */
static bool open_collection(kz_routes *r, const kz_treq *req, const char *root, kz_sv id,
                            kz_collection *c, bool *can_read, bool *can_write, kz_tresp *resp)
{
    char idc[KZ_COLL_ID_MAX];
    kz_err err;
    kz_rc rc;

    memset(c, 0, sizeof *c);
    if (!seg_copy(id, idc, sizeof idc) || kz_uuid_check(kz_sv_c(idc)) < 0)
        goto not_found;
    rc = kz_store_collection(req->store, idc, false, c, &err);
    if (rc == KZ_ENOTFOUND)
        goto not_found;
    if (rc != KZ_OK) {
        fail_store(r, resp, &err);
        return false;
    }
    /* The lookup takes titles too; a URL names a collection by its id only. */
    if (strcmp(c->id, idc) != 0 || strcmp(c->root, root) != 0)
        goto not_found;
    if ((rc = kz_store_rights(req->store, req->user, c->key, can_read, can_write, &err)) != KZ_OK) {
        fail_store(r, resp, &err);
        return false;
    }
    if (*can_read || *can_write)
        return true;
not_found:
    kz_collection_clear(c);
    kz_tresp_error(resp, 404, "Collection not found",
                   "there is no collection with this id in this API root that you may use");
    return false;
}

/* ---- objects, manifest, versions ------------------------------------------------------------ */

typedef enum { PAGE_OBJECTS, PAGE_MANIFEST, PAGE_VERSIONS } page_kind;

typedef struct {
    page_kind kind;
    kz_tresp *resp;
    int64_t limit;  /* rows to give; the query asks for one more */
    int64_t n;      /* rows seen */
    int64_t last_seq;
    bool more;
} page_ctx;

static kz_rc page_row(void *ctx, const kz_row *row)
{
    page_ctx *pc = ctx;
    kz_buf *b = &pc->resp->body;
    char version[KZ_TIME_MAX];
    kz_rc rc;

    if (pc->n == pc->limit) {
        pc->more = true;
        return KZ_ECONFLICT; /* stops the walk: the extra row only says there are more */
    }
    if (pc->n == 0) {
        rc = kz_buf_puts(b, pc->kind == PAGE_VERSIONS ? "\"versions\":[" : "\"objects\":[");
        if (rc != KZ_OK)
            return rc;
        if (row->date_added.n < KZ_TIME_MAX) {
            memcpy(pc->resp->date_first, row->date_added.p, row->date_added.n);
            pc->resp->date_first[row->date_added.n] = '\0';
        }
    } else if ((rc = kz_buf_append(b, ",", 1)) != KZ_OK) {
        return rc;
    }
    if (row->date_added.n < KZ_TIME_MAX) {
        memcpy(pc->resp->date_last, row->date_added.p, row->date_added.n);
        pc->resp->date_last[row->date_added.n] = '\0';
    }
    pc->n++;
    pc->last_seq = row->seq;
    /* An object without a version (an SCO) is versioned by when it was added. */
    if (row->version.n > 0)
        kz_taxii_version_text(row->version, version);
    else if (row->date_added.n < KZ_TIME_MAX) {
        memcpy(version, row->date_added.p, row->date_added.n);
        version[row->date_added.n] = '\0';
    } else {
        version[0] = '\0';
    }
    switch (pc->kind) {
        case PAGE_OBJECTS: return kz_buf_append(b, row->text.p, row->text.n);
        case PAGE_VERSIONS: return put_str(b, version);
        case PAGE_MANIFEST:
            if ((rc = kz_buf_puts(b, "{\"id\":")) != KZ_OK || (rc = put_sv(b, row->id)) != KZ_OK ||
                (rc = kz_buf_puts(b, ",\"date_added\":")) != KZ_OK ||
                (rc = put_sv(b, row->date_added)) != KZ_OK ||
                (rc = kz_buf_puts(b, ",\"version\":")) != KZ_OK ||
                (rc = put_str(b, version)) != KZ_OK ||
                (rc = kz_buf_puts(b, ",\"media_type\":\"application/stix+json;version=")) !=
                    KZ_OK ||
                (rc = kz_buf_append(b, row->spec_version.p, row->spec_version.n)) != KZ_OK)
                return rc;
            return kz_buf_puts(b, "\"}");
    }
    return KZ_OK;
}

/* What each endpoint takes. */
#define Q_OBJECTS                                                                               \
    (KZ_TQ_ADDED_AFTER | KZ_TQ_LIMIT | KZ_TQ_NEXT | KZ_TQ_MATCH_ID | KZ_TQ_MATCH_TYPE |         \
     KZ_TQ_MATCH_VERSION | KZ_TQ_MATCH_SPEC_VERSION)
#define Q_OBJECT                                                                                \
    (KZ_TQ_ADDED_AFTER | KZ_TQ_LIMIT | KZ_TQ_NEXT | KZ_TQ_MATCH_VERSION |                       \
     KZ_TQ_MATCH_SPEC_VERSION)
#define Q_VERSIONS (KZ_TQ_ADDED_AFTER | KZ_TQ_LIMIT | KZ_TQ_NEXT | KZ_TQ_MATCH_SPEC_VERSION)
#define Q_DELETE (KZ_TQ_MATCH_VERSION | KZ_TQ_MATCH_SPEC_VERSION)

/*
 * GET objects/, objects/{id}/, objects/{id}/versions/ and manifest/: one paged query. object_id
 * (NULL for the collection-wide ones) narrows it to one object, which must exist (404).
 */
static void get_page(kz_routes *r, const kz_treq *req, const kz_collection *c, page_kind kind,
                     const char *object_id, const char *media, kz_tresp *resp)
{
    unsigned allowed = object_id == NULL  ? Q_OBJECTS
                       : kind == PAGE_VERSIONS ? Q_VERSIONS
                                               : Q_OBJECT;
    answer_cache *cache = thread_cache(r);
    kz_taxii_filter f;
    page_ctx pc;
    kz_query q;
    uint64_t gen = 0, hash = 0;
    kz_buf key;
    kz_err err;
    kz_rc rc;

    memset(&f, 0, sizeof f);
    kz_buf_init(&key, 0);
    if (cache != NULL && (kz_store_generation(req->store, &gen, &err) != KZ_OK ||
                          cache_key(req, media, &key, &hash) != KZ_OK))
        cache = NULL;
    if (cache != NULL && cache_get(cache, &key, hash, gen, resp))
        goto out;
    if ((rc = kz_taxii_filter_parse(req->query, allowed, &f, &err)) != KZ_OK) {
        kz_tresp_error(resp, 400, "Bad filter", err.msg);
        goto out;
    }
    memset(&q, 0, sizeof q);
    kz_taxii_filter_to_query(&f, &q);
    q.coll = c->key;
    q.latest_spec_only = f.n_spec_versions == 0;
    if (object_id != NULL) {
        q.ids = &object_id;
        q.n_ids = 1;
    }
    if (kind == PAGE_VERSIONS) {
        q.ver_flags = KZ_VER_ALL;
        q.n_versions = 0;
    }
    memset(&pc, 0, sizeof pc);
    pc.kind = kind;
    pc.resp = resp;
    pc.limit = r->cfg->page_max;
    if ((f.given & KZ_TQ_LIMIT) && f.limit < pc.limit)
        pc.limit = f.limit;
    q.limit = pc.limit + 1;
    kz_buf_reset(&resp->body);
    if (kz_buf_puts(&resp->body, "{") != KZ_OK)
        goto oom;
    rc = kz_store_query(req->store, &q, page_row, &pc, &err);
    if (rc == KZ_ENOMEM)
        goto oom;
    if (rc != KZ_OK && rc != KZ_ECONFLICT) {
        fail_store(r, resp, &err);
        goto out;
    }
    if (pc.n == 0 && object_id != NULL && !(f.given & KZ_TQ_NEXT)) {
        kz_tresp_error(resp, 404, "Object not found",
                       "no version of this object in this collection matches the request");
        goto out;
    }
    if (pc.n > 0 && kz_buf_puts(&resp->body, "],") != KZ_OK)
        goto oom;
    if (pc.more) {
        char cursor[KZ_TAXII_CURSOR_MAX];
        kz_taxii_cursor_encode(pc.last_seq, cursor);
        if (kz_buf_printf(&resp->body, "\"more\":true,\"next\":\"%s\"}", cursor) != KZ_OK)
            goto oom;
    } else if (kz_buf_puts(&resp->body, "\"more\":false}") != KZ_OK) {
        goto oom;
    }
    resp->status = 200;
    resp->content_type = media;
    cache_put(r, cache, &key, hash, gen, resp);
    goto out;
oom:
    fail_oom(resp);
out:
    kz_taxii_filter_free(&f);
    kz_buf_free(&key);
}

static void delete_object(kz_routes *r, const kz_treq *req, const kz_collection *c,
                          const char *object_id, kz_tresp *resp)
{
    kz_taxii_filter f;
    int64_t deleted = 0;
    kz_query q;
    kz_err err;
    kz_rc rc;

    if ((rc = kz_taxii_filter_parse(req->query, Q_DELETE, &f, &err)) != KZ_OK) {
        kz_tresp_error(resp, 400, "Bad filter", err.msg);
        return;
    }
    memset(&q, 0, sizeof q);
    kz_taxii_filter_to_query(&f, &q);
    q.coll = c->key;
    q.ids = &object_id;
    q.n_ids = 1;
    /* Without match[version], deleting an object deletes every version of it. */
    if (!(f.given & KZ_TQ_MATCH_VERSION))
        q.ver_flags = KZ_VER_ALL;
    rc = kz_store_delete(req->store, &q, &deleted, &err);
    kz_taxii_filter_free(&f);
    if (rc != KZ_OK)
        return fail_store(r, resp, &err);
    if (deleted == 0)
        return kz_tresp_error(resp, 404, "Object not found",
                              "no version of this object in this collection matches the request");
    resp->status = 200;
}

/* ---- POST objects --------------------------------------------------------------------------- */

/* One object's outcome in a status resource. */
typedef struct {
    kz_buf ok, failed;
    size_t n_ok, n_failed;
    char first_error[400];
} post_tally;

static void first_error(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    post_tally *t = ctx;

    if (sev != KZ_STIX_ERROR || t->first_error[0] != '\0')
        return;
    snprintf(t->first_error, sizeof t->first_error, "%s%s%s", path, path[0] ? ": " : "", msg);
}

static kz_rc status_detail(kz_buf *b, size_t *n, const char *id, const char *version,
                           const char *message)
{
    kz_rc rc;

    if ((rc = kz_buf_puts(b, (*n)++ ? ",{\"id\":" : "{\"id\":")) != KZ_OK ||
        (rc = put_str(b, id)) != KZ_OK || (rc = kz_buf_puts(b, ",\"version\":")) != KZ_OK ||
        (rc = put_str(b, version)) != KZ_OK)
        return rc;
    if (message != NULL && ((rc = kz_buf_puts(b, ",\"message\":")) != KZ_OK ||
                            (rc = put_str(b, message)) != KZ_OK))
        return rc;
    return kz_buf_puts(b, "}");
}

/* Validates and stores one object of an envelope, recording its outcome. */
static kz_rc post_one(kz_routes *r, kz_store *s, int64_t coll, const json_t *obj, size_t index,
                      const char *now, post_tally *t, kz_err *err)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *type = json_string_value(json_object_get(obj, "type"));
    const char *spec = json_string_value(json_object_get(obj, "spec_version"));
    char version[KZ_STIX_VERSION_MAX], shown[KZ_TIME_MAX], label[64];
    kz_put_result res;
    char *text = NULL;
    kz_put p;
    kz_rc rc = KZ_OK;

    snprintf(label, sizeof label, "objects[%zu]", index);
    t->first_error[0] = '\0';
    if (kz_stix_validate(obj, &r->cfg->lim, first_error, t) > 0 || id == NULL || type == NULL) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s", label,
                 t->first_error[0] ? t->first_error : "not a STIX object (no id or type)");
        rc = status_detail(&t->failed, &t->n_failed, id ? id : label, "", msg);
        return rc == KZ_OK ? KZ_OK : kz_fail(err, rc, "out of memory");
    }
    if (kz_stix_version(obj, version) != KZ_OK)
        version[0] = '\0';
    if (version[0] != '\0')
        kz_taxii_version_text(kz_sv_c(version), shown);
    else
        snprintf(shown, sizeof shown, "%s", now);
    if ((text = json_dumps(obj, JSON_COMPACT)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory writing %s", label);
    p.id = kz_sv_c(id);
    p.type = kz_sv_c(type);
    p.version = kz_sv_c(version);
    p.spec_version = kz_sv_c(spec ? spec : "2.1");
    p.text = kz_sv_c(text);
    p.obj = obj;
    rc = kz_store_put(s, coll, &p, &res, err);
    free(text);
    if (rc != KZ_OK)
        return rc;
    if (res == KZ_PUT_CONFLICT)
        rc = status_detail(&t->failed, &t->n_failed, id, shown,
                           "this version is already stored with a different content; a new "
                           "version needs a later modified timestamp");
    else
        rc = status_detail(&t->ok, &t->n_ok, id, shown,
                           res == KZ_PUT_UNCHANGED ? "already stored" : NULL);
    return rc == KZ_OK ? KZ_OK : kz_fail(err, rc, "out of memory");
}

static void post_objects(kz_routes *r, const kz_treq *req, const char *root,
                         const kz_collection *c, kz_tresp *resp)
{
    char status_id[KZ_UUID_STR], now[KZ_TIME_MAX];
    kz_time t = kz_time_now();
    json_t *objects = NULL;
    bool in_batch = false;
    post_tally tally;
    size_t i, total;
    kz_err err;
    kz_rc rc;

    memset(&tally, 0, sizeof tally);
    kz_buf_init(&tally.ok, 0);
    kz_buf_init(&tally.failed, 0);
    kz_time_format(&t, 3, now);
    rc = kz_taxii_envelope_parse(req->body, r->cfg->max_objects, &r->cfg->lim, &objects, &err);
    if (rc == KZ_ELIMIT) {
        kz_tresp_error(resp, 413, "Envelope too large", err.msg);
        goto out;
    }
    if (rc != KZ_OK) {
        kz_tresp_error(resp, rc == KZ_ENOMEM ? 500 : 400, "Bad envelope", err.msg);
        goto out;
    }
    if (kz_uuid4(status_id) != KZ_OK) {
        kz_tresp_error(resp, 500, "Internal error", "no random numbers for a status id");
        goto out;
    }
    /* The objects and the status that reports on them commit together, or not at all. */
    if ((rc = kz_store_begin(req->store, &err)) != KZ_OK) {
        fail_store(r, resp, &err);
        goto out;
    }
    in_batch = true;
    total = json_array_size(objects);
    for (i = 0; i < total; i++) {
        if ((rc = post_one(r, req->store, c->key, json_array_get(objects, i), i, now, &tally,
                           &err)) != KZ_OK) {
            if (rc == KZ_ENOMEM)
                fail_oom(resp);
            else
                fail_store(r, resp, &err);
            goto out;
        }
    }
    kz_buf_reset(&resp->body);
    rc = kz_buf_printf(&resp->body,
                       "{\"id\":\"%s\",\"status\":\"complete\",\"request_timestamp\":\"%s\","
                       "\"total_count\":%zu,\"success_count\":%zu,",
                       status_id, now, total, tally.n_ok);
    if (rc == KZ_OK && tally.n_ok)
        rc = kz_buf_printf(&resp->body, "\"successes\":[%.*s],", (int)tally.ok.n, tally.ok.p);
    if (rc == KZ_OK)
        rc = kz_buf_printf(&resp->body, "\"failure_count\":%zu,", tally.n_failed);
    if (rc == KZ_OK && tally.n_failed)
        rc = kz_buf_printf(&resp->body, "\"failures\":[%.*s],", (int)tally.failed.n,
                           tally.failed.p);
    if (rc == KZ_OK)
        rc = kz_buf_puts(&resp->body, "\"pending_count\":0}");
    if (rc != KZ_OK) {
        fail_oom(resp);
        goto out;
    }
    if ((rc = kz_store_status_put(req->store, status_id, root, req->user,
                                  (kz_sv){resp->body.p, resp->body.n}, &err)) != KZ_OK ||
        (rc = kz_store_commit(req->store, &err)) != KZ_OK) {
        fail_store(r, resp, &err);
        goto out;
    }
    in_batch = false;
    resp->status = 202;
    resp->content_type = KZ_TAXII_MEDIA;
out:
    if (in_batch)
        kz_store_rollback(req->store);
    json_decref(objects);
    kz_buf_free(&tally.ok);
    kz_buf_free(&tally.failed);
}

/* ---- status --------------------------------------------------------------------------------- */

static void get_status(kz_routes *r, const kz_treq *req, const char *root, kz_sv id,
                       kz_tresp *resp)
{
    char idc[KZ_UUID_STR], *json = NULL;
    kz_err err;
    kz_rc rc;

    if (!seg_copy(id, idc, sizeof idc) || kz_uuid_check(kz_sv_c(idc)) < 0)
        return kz_tresp_error(resp, 404, "Status not found", "no status with this id");
    rc = kz_store_status_get(req->store, idc, root, req->user, &json, &err);
    if (rc == KZ_ENOTFOUND)
        return kz_tresp_error(resp, 404, "Status not found", "no status with this id");
    if (rc != KZ_OK)
        return fail_store(r, resp, &err);
    if (kz_buf_puts(&resp->body, json) != KZ_OK)
        fail_oom(resp);
    else
        resp->status = 200;
    free(json);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static bool method_is(const kz_treq *req, const char *m)
{
    return strcmp(req->method, m) == 0;
}

static bool refuse_method(const kz_treq *req, const char *allow, kz_tresp *resp)
{
    char msg[128];

    snprintf(msg, sizeof msg, "this resource takes %s, not %s", allow, req->method);
    kz_tresp_error(resp, 405, "Method not allowed", msg);
    resp->allow = allow;
    return true;
}

/* Routes below a collection: objects/..., manifest/. */
static void collection_routes(kz_routes *r, const kz_treq *req, const char *root,
                              const kz_sv *seg, size_t nseg, kz_tresp *resp)
{
    kz_collection c;
    bool can_read = false, can_write = false;
    bool stix_ok = nseg >= 4 && kz_sv_eq_c(seg[3], "objects") && nseg <= 5;
    const char *media = NULL;
    char object_id[300];
    bool is_get = method_is(req, "GET") || method_is(req, "HEAD");

    if (nseg == 4 && !kz_sv_eq_c(seg[3], "objects") && !kz_sv_eq_c(seg[3], "manifest"))
        return kz_tresp_error(resp, 404, "Not found", "no such resource");
    if (nseg >= 5 && !kz_sv_eq_c(seg[3], "objects"))
        return kz_tresp_error(resp, 404, "Not found", "no such resource");
    if (nseg == 6 && !kz_sv_eq_c(seg[5], "versions"))
        return kz_tresp_error(resp, 404, "Not found", "no such resource");
    if (nseg > 6)
        return kz_tresp_error(resp, 404, "Not found", "no such resource");
    if (!open_collection(r, req, root, seg[2], &c, &can_read, &can_write, resp))
        return;
    if (nseg == 3) { /* the collection itself */
        if (!is_get) {
            refuse_method(req, "GET, HEAD", resp);
            goto out;
        }
        if ((media = kz_taxii_accept(req->accept, false)) == NULL)
            goto not_acceptable;
        if (put_collection(&resp->body, &c, can_read, can_write) != KZ_OK) {
            fail_oom(resp);
            goto out;
        }
        resp->status = 200;
        resp->content_type = media;
        goto out;
    }
    if (nseg >= 5 && !seg_copy(seg[4], object_id, sizeof object_id)) {
        kz_tresp_error(resp, 404, "Object not found", "not a STIX identifier");
        goto out;
    }
    if (nseg == 4 && kz_sv_eq_c(seg[3], "objects") && method_is(req, "POST")) {
        if (!kz_taxii_content_type_ok(req->content_type)) {
            kz_tresp_error(resp, 415, "Unsupported media type",
                           "POST a TAXII envelope as " KZ_TAXII_MEDIA);
            goto out;
        }
        if (kz_taxii_accept(req->accept, false) == NULL)
            goto not_acceptable;
        if (!can_write) {
            kz_tresp_error(resp, 403, "Forbidden", "you may not write to this collection");
            goto out;
        }
        post_objects(r, req, root, &c, resp);
        goto out;
    }
    if (nseg == 5 && method_is(req, "DELETE")) {
        if (!can_read || !can_write) {
            kz_tresp_error(resp, 403, "Forbidden",
                           "deleting needs the rights to read and to write this collection");
            goto out;
        }
        delete_object(r, req, &c, object_id, resp);
        goto out;
    }
    if (!is_get) {
        refuse_method(req,
                      nseg == 4 && kz_sv_eq_c(seg[3], "objects") ? "GET, HEAD, POST"
                      : nseg == 5                                 ? "GET, HEAD, DELETE"
                                                                  : "GET, HEAD",
                      resp);
        goto out;
    }
    if ((media = kz_taxii_accept(req->accept, stix_ok && nseg != 6)) == NULL)
        goto not_acceptable;
    if (!can_read) {
        kz_tresp_error(resp, 403, "Forbidden", "you may not read this collection");
        goto out;
    }
    if (nseg == 4)
        get_page(r, req, &c, kz_sv_eq_c(seg[3], "manifest") ? PAGE_MANIFEST : PAGE_OBJECTS, NULL,
                 media, resp);
    else
        get_page(r, req, &c, nseg == 6 ? PAGE_VERSIONS : PAGE_OBJECTS, object_id, media, resp);
    goto out;
not_acceptable:
    kz_tresp_error(resp, 406, "Not acceptable",
                   "this resource is sent as " KZ_TAXII_MEDIA
                   " (objects also as " KZ_STIX_MEDIA ")");
out:
    kz_collection_clear(&c);
}

void kz_routes_handle(kz_routes *r, const kz_treq *req, kz_tresp *resp)
{
    kz_sv seg[MAX_SEGMENTS];
    char buf[512], root[KZ_NAME_MAX];
    const char *media;
    bool found, is_get = method_is(req, "GET") || method_is(req, "HEAD");
    size_t nseg;
    kz_err err;

    memset(resp, 0, sizeof *resp);
    kz_buf_init(&resp->body, 0);
    if (!split_path(req->path, buf, seg, &nseg) || nseg == 0)
        return kz_tresp_error(resp, 404, "Not found", "no such resource");
    if (nseg == 1 && kz_sv_eq_c(seg[0], "taxii2")) {
        if (!is_get)
            return (void)refuse_method(req, "GET, HEAD", resp);
        if ((media = kz_taxii_accept(req->accept, false)) == NULL)
            return kz_tresp_error(resp, 406, "Not acceptable", "discovery is sent as " KZ_TAXII_MEDIA);
        get_discovery(r, req, resp);
        resp->content_type = media;
        return;
    }
    if (req->user == NULL) /* server.c authenticates every other path; this is a second lock */
        return kz_tresp_error(resp, 401, "Unauthorized", "this resource needs credentials");
    if (!seg_copy(seg[0], root, sizeof root))
        return kz_tresp_error(resp, 404, "Not found", "no such API root");
    if (find_root(r, req->store, root, nseg == 1 ? &resp->body : NULL, &found, &err) != KZ_OK)
        return fail_store(r, resp, &err);
    if (!found) {
        kz_buf_reset(&resp->body);
        return kz_tresp_error(resp, 404, "Not found", "no such API root");
    }
    if (nseg == 1) {
        if (!is_get)
            return (void)refuse_method(req, "GET, HEAD", resp);
        if ((media = kz_taxii_accept(req->accept, false)) == NULL)
            return kz_tresp_error(resp, 406, "Not acceptable", "sent as " KZ_TAXII_MEDIA);
        resp->status = 200;
        resp->content_type = media;
        return;
    }
    if (kz_sv_eq_c(seg[1], "status") && nseg == 3) {
        if (!is_get)
            return (void)refuse_method(req, "GET, HEAD", resp);
        if ((media = kz_taxii_accept(req->accept, false)) == NULL)
            return kz_tresp_error(resp, 406, "Not acceptable", "sent as " KZ_TAXII_MEDIA);
        get_status(r, req, root, seg[2], resp);
        if (resp->status == 200)
            resp->content_type = media;
        return;
    }
    if (!kz_sv_eq_c(seg[1], "collections"))
        return kz_tresp_error(resp, 404, "Not found", "no such resource");
    if (nseg == 2) {
        if (!is_get)
            return (void)refuse_method(req, "GET, HEAD", resp);
        if ((media = kz_taxii_accept(req->accept, false)) == NULL)
            return kz_tresp_error(resp, 406, "Not acceptable", "sent as " KZ_TAXII_MEDIA);
        get_collections(r, req, root, resp);
        if (resp->status == 200)
            resp->content_type = media;
        return;
    }
    collection_routes(r, req, root, seg, nseg, resp);
}
