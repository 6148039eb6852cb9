/*
 * taxii_api.c - the TAXII 2.1 server end to end: the real `kizuna serve` started on a free
 * loopback port, users and rights made with the real administration commands, and every request
 * made over real HTTP with libcurl. Covers each endpoint, filter, status code and header, the
 * authentication matrix (Basic, Bearer, client certificates), paging while others post,
 * concurrent readers and writers, limits, malformed input, and kill -9 during a POST.
 *
 * Environment: KIZUNA (the binary), KZ_SOURCE_DIR (for data/demo/bundle.json).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);              \
            failures++;                                                                           \
        }                                                                                         \
    } while (0)
#define REQUIRE(cond)                                                                             \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s:%d: required check failed: %s\n", __FILE__, __LINE__, #cond);     \
            finish(1);                                                                            \
        }                                                                                         \
    } while (0)

#define TAXII "application/taxii+json;version=2.1"
#define STIX "application/stix+json;version=2.1"

static int failures;
static const char *kizuna;
static char dir[64], db[128], logpath[160];
static pid_t server = -1;
static int port;
static char base[64]; /* http://127.0.0.1:PORT */
static char tls_ca[200];  /* with TLS: the server's certificate, for CURLOPT_CAINFO */
static char client_cert[200], client_key[200];
static char shared_id[64], secret_id[64], readonly_id[64], carol_token[80];

static void stop_server(void)
{
    int st;

    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, &st, 0);
        server = -1;
    }
}

static void finish(int code)
{
    char cmd[200];

    stop_server();
    if (getenv("KZ_KEEP") == NULL) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    if (code == 0 && failures > 0)
        code = 1;
    if (code == 0)
        printf("taxii_api: all checks passed\n");
    exit(code);
}

/* Runs a shell command (the administration CLI); returns its exit code, stdout into out. */
static int run(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    FILE *p;
    size_t n = 0;
    int st;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if ((p = popen(cmd, "r")) == NULL)
        return -1;
    if (out != NULL) {
        n = fread(out, 1, cap - 1, p);
        out[n] = '\0';
        while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
            out[--n] = '\0';
    } else {
        char sink[4096];
        while (fread(sink, 1, sizeof sink, p) > 0)
            ;
    }
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts `kizuna serve` with extra flags; learns the port from its first line. */
static void start_server(const char *flags)
{
    int fds[2];
    char line[256], *p;
    FILE *f;

    REQUIRE(pipe(fds) == 0);
    server = fork();
    REQUIRE(server >= 0);
    if (server == 0) {
        char cmd[1024];
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        snprintf(cmd, sizeof cmd,
                 "exec '%s' --db '%s' serve --listen 127.0.0.1:0 --log '%s' %s", kizuna, db,
                 logpath, flags);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    REQUIRE(f != NULL);
    line[0] = '\0';
    while (fgets(line, sizeof line, f) != NULL && strstr(line, "listening on ") == NULL)
        ;
    p = strstr(line, "://127.0.0.1:");
    if (p == NULL) {
        fprintf(stderr, "server did not start: \"%s\"\n", line);
        finish(1);
    }
    port = atoi(p + 13);
    snprintf(base, sizeof base, "%s://127.0.0.1:%d", strncmp(line, "listening on https", 18) == 0
                                                          ? "https"
                                                          : "http",
             port);
    /* Keep reading its stdout in the background so the server never blocks on a full pipe. */
    if (fork() == 0) {
        while (fgets(line, sizeof line, f) != NULL)
            ;
        _exit(0);
    }
    fclose(f);
}

/* ---- HTTP ------------------------------------------------------------------------------------ */

typedef struct {
    long status;
    char *body;
    size_t n;
    char content_type[128];
    char date_first[64], date_last[64];
    char www_auth[128];
    char allow[64];
    json_t *json;
} resp;

typedef struct {
    const char *method;  /* default GET */
    const char *user;    /* "name:password" for Basic */
    const char *bearer;
    const char *accept;  /* default TAXII; "" for none */
    const char *content_type;
    const char *body;
    size_t body_n;
    bool client_cert;
} req;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    resp *r = ctx;
    char *nb = realloc(r->body, r->n + size * n + 1);

    if (nb == NULL)
        return 0;
    r->body = nb;
    memcpy(r->body + r->n, p, size * n);
    r->n += size * n;
    r->body[r->n] = '\0';
    return size * n;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t ln = strlen(name), k;

    if (n <= ln || strncasecmp(line, name, ln) != 0)
        return;
    line += ln;
    n -= ln;
    while (n > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        n--;
    }
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    k = n < cap - 1 ? n : cap - 1;
    memcpy(out, line, k);
    out[k] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    resp *r = ctx;
    size_t len = size * n;

    header_value(p, len, "content-type:", r->content_type, sizeof r->content_type);
    header_value(p, len, "x-taxii-date-added-first:", r->date_first, sizeof r->date_first);
    header_value(p, len, "x-taxii-date-added-last:", r->date_last, sizeof r->date_last);
    header_value(p, len, "www-authenticate:", r->www_auth, sizeof r->www_auth);
    header_value(p, len, "allow:", r->allow, sizeof r->allow);
    return len;
}

static void resp_free(resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

/* One request; the answer's body is parsed as JSON when it is. */
static resp http(const char *path, const req *q)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[2048], hdr[256];
    resp r;
    CURLcode cc;

    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    snprintf(url, sizeof url, "%s%s", base, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (tls_ca[0]) {
        curl_easy_setopt(c, CURLOPT_CAINFO, tls_ca);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (q->client_cert) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, client_cert);
        curl_easy_setopt(c, CURLOPT_SSLKEY, client_key);
    }
    if (q->method && strcmp(q->method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
    if (q->method && strcmp(q->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (q->user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, q->user);
    }
    if (q->bearer) {
        snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", q->bearer);
        h = curl_slist_append(h, hdr);
    }
    if (q->accept == NULL)
        h = curl_slist_append(h, "Accept: " TAXII);
    else if (q->accept[0] != '\0') {
        snprintf(hdr, sizeof hdr, "Accept: %s", q->accept);
        h = curl_slist_append(h, hdr);
    }
    if (q->body != NULL) {
        snprintf(hdr, sizeof hdr, "Content-Type: %s", q->content_type ? q->content_type : TAXII);
        h = curl_slist_append(h, hdr);
        h = curl_slist_append(h, "Expect:");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(q->body_n ? q->body_n : strlen(q->body)));
        if (q->method == NULL)
            curl_easy_setopt(c, CURLOPT_POST, 1L);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    else
        r.status = -(long)cc;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (r.body != NULL)
        r.json = json_loadb(r.body, r.n, 0, NULL);
    return r;
}

static resp get_as(const char *path, const char *user)
{
    req q = {0};
    q.user = user;
    return http(path, &q);
}

static resp post_as(const char *path, const char *user, const char *body)
{
    req q = {0};
    q.user = user;
    q.body = body;
    return http(path, &q);
}

/* True when r is a TAXII error message resource with this status. */
static bool is_error(const resp *r, long status)
{
    char want[8];

    snprintf(want, sizeof want, "%ld", status);
    return r->status == status && r->json != NULL &&
           json_is_string(json_object_get(r->json, "title")) &&
           json_string_value(json_object_get(r->json, "http_status")) != NULL &&
           strcmp(json_string_value(json_object_get(r->json, "http_status")), want) == 0 &&
           strncmp(r->content_type, "application/taxii+json", 22) == 0;
}

/* ---- content --------------------------------------------------------------------------------- */

/* A valid indicator with a deterministic id: indicator--<k as 8 hex>-...; version on day d. */
static void indicator(char *out, size_t cap, unsigned k, int day)
{
    snprintf(out, cap,
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
             "\"id\":\"indicator--%08x-0000-4000-8000-000000000000\","
             "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-%02dT00:00:00.000Z\","
             "\"name\":\"test %u\",\"pattern\":\"[ipv4-addr:value = '198.51.100.%u']\","
             "\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"}",
             k, day, k, k % 250);
}

/* An envelope of n indicators from k0 (version day 1), plus `extra` text appended. */
static char *envelope(unsigned k0, unsigned n, const char *extra)
{
    size_t cap = (size_t)n * 400 + 64 + (extra ? strlen(extra) : 0), len;
    char *b = malloc(cap), one[400];

    REQUIRE(b != NULL);
    len = (size_t)snprintf(b, cap, "{\"objects\":[");
    for (unsigned i = 0; i < n; i++) {
        indicator(one, sizeof one, k0 + i, 1);
        len += (size_t)snprintf(b + len, cap - len, "%s%s", i ? "," : "", one);
    }
    if (extra)
        len += (size_t)snprintf(b + len, cap - len, "%s%s", n ? "," : "", extra);
    snprintf(b + len, cap - len, "]}");
    return b;
}

static char *path_of(const char *coll, const char *rest)
{
    static __thread char p[512];
    snprintf(p, sizeof p, "/api/collections/%s/%s", coll, rest);
    return p;
}

static size_t count_objects(const resp *r)
{
    return json_array_size(json_object_get(r->json, "objects"));
}

/* ---- setup ------------------------------------------------------------------------------------ */

static void setup(void)
{
    char out[512];

    REQUIRE(run(shared_id, sizeof shared_id, "'%s' --db '%s' collection add Shared "
                                             "--description 'shared with members'",
                kizuna, db) == 0);
    REQUIRE(run(secret_id, sizeof secret_id, "'%s' --db '%s' collection add Secret", kizuna,
                db) == 0);
    REQUIRE(run(readonly_id, sizeof readonly_id, "'%s' --db '%s' collection add ReadOnly", kizuna,
                db) == 0);
    REQUIRE(strlen(shared_id) == 36 && strlen(secret_id) == 36 && strlen(readonly_id) == 36);
    REQUIRE(run(NULL, 0, "printf 'pw-alice\\n' | '%s' --db '%s' user add alice", kizuna, db) == 0);
    REQUIRE(run(NULL, 0, "printf 'pw-bob\\n' | '%s' --db '%s' user add bob", kizuna, db) == 0);
    REQUIRE(run(NULL, 0, "printf 'pw-carol\\n' | '%s' --db '%s' user add carol", kizuna, db) == 0);
    REQUIRE(run(carol_token, sizeof carol_token, "'%s' --db '%s' user token carol", kizuna, db) ==
            0);
    REQUIRE(strlen(carol_token) >= 40);
    REQUIRE(run(NULL, 0, "'%s' --db '%s' grant alice Shared read,write", kizuna, db) == 0);
    REQUIRE(run(NULL, 0, "'%s' --db '%s' grant alice ReadOnly read", kizuna, db) == 0);
    REQUIRE(run(NULL, 0, "'%s' --db '%s' grant bob Shared read", kizuna, db) == 0);
    REQUIRE(run(NULL, 0, "'%s' --db '%s' grant carol Shared write", kizuna, db) == 0);
    REQUIRE(run(out, sizeof out, "'%s' --db '%s' grant list", kizuna, db) == 0);
}

/* ---- the checks ------------------------------------------------------------------------------- */

static void test_discovery_and_api_root(void)
{
    resp r = get_as("/taxii2/", NULL);
    CHECK(r.status == 200);
    CHECK(strcmp(r.content_type, TAXII) == 0);
    CHECK(json_is_string(json_object_get(r.json, "title")));
    CHECK(strcmp(json_string_value(json_object_get(r.json, "default")), "/api/") == 0);
    CHECK(json_array_size(json_object_get(r.json, "api_roots")) >= 1);
    resp_free(&r);

    r = get_as("/api/", NULL);
    CHECK(is_error(&r, 401));
    CHECK(strncmp(r.www_auth, "Basic", 5) == 0);
    resp_free(&r);
    r = get_as("/api/", "alice:wrong");
    CHECK(is_error(&r, 401));
    resp_free(&r);
    r = get_as("/api/", "nobody:pw-alice");
    CHECK(is_error(&r, 401));
    resp_free(&r);
    r = get_as("/api/", "alice:pw-alice");
    CHECK(r.status == 200);
    CHECK(json_is_integer(json_object_get(r.json, "max_content_length")));
    CHECK(strcmp(json_string_value(json_array_get(json_object_get(r.json, "versions"), 0)),
                 TAXII) == 0);
    resp_free(&r);
    r = get_as("/nosuchroot/", "alice:pw-alice");
    CHECK(is_error(&r, 404));
    resp_free(&r);
    r = get_as("/api/", "alice:pw-alice"); /* the second time from the credential cache */
    CHECK(r.status == 200);
    resp_free(&r);
}

static json_t *find_collection(json_t *list, const char *id)
{
    size_t i;
    json_t *c;

    json_array_foreach(list, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
            return c;
    }
    return NULL;
}

static void test_collections_and_rights(void)
{
    resp r = get_as("/api/collections/", "alice:pw-alice");
    json_t *list = json_object_get(r.json, "collections"), *c;

    CHECK(r.status == 200);
    CHECK(json_array_size(list) == 2);
    c = find_collection(list, shared_id);
    CHECK(c != NULL && json_is_true(json_object_get(c, "can_read")) &&
          json_is_true(json_object_get(c, "can_write")));
    CHECK(c != NULL && strcmp(json_string_value(json_object_get(c, "title")), "Shared") == 0);
    CHECK(c != NULL &&
          strcmp(json_string_value(json_array_get(json_object_get(c, "media_types"), 0)), STIX) ==
              0);
    c = find_collection(list, readonly_id);
    CHECK(c != NULL && json_is_true(json_object_get(c, "can_read")) &&
          json_is_false(json_object_get(c, "can_write")));
    CHECK(find_collection(list, secret_id) == NULL);
    resp_free(&r);

    r = get_as("/api/collections/", "bob:pw-bob");
    CHECK(json_array_size(json_object_get(r.json, "collections")) == 1);
    resp_free(&r);

    /* A collection the user may not see is 404, exactly as one that does not exist. */
    char p[200];
    snprintf(p, sizeof p, "/api/collections/%s/", secret_id);
    r = get_as(p, "alice:pw-alice");
    CHECK(is_error(&r, 404));
    resp_free(&r);
    r = get_as("/api/collections/11111111-2222-4333-8444-555555555555/", "alice:pw-alice");
    CHECK(is_error(&r, 404));
    resp_free(&r);
    r = get_as(path_of(secret_id, "objects/"), "alice:pw-alice");
    CHECK(is_error(&r, 404));
    resp_free(&r);
    snprintf(p, sizeof p, "/api/collections/%s/", shared_id);
    r = get_as(p, "bob:pw-bob");
    CHECK(r.status == 200 && json_is_false(json_object_get(r.json, "can_write")));
    resp_free(&r);
}

static char status_id[64];

static void test_post_and_status(void)
{
    char bad[] = "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
                 "ffffffff-0000-4000-8000-000000000000\",\"created\":\"not a time\"}";
    char *env = envelope(0, 3, bad);
    char p[200];
    resp r;

    r = post_as(path_of(shared_id, "objects/"), "alice:pw-alice", env);
    CHECK(r.status == 202);
    CHECK(strcmp(r.content_type, TAXII) == 0);
    CHECK(json_integer_value(json_object_get(r.json, "total_count")) == 4);
    CHECK(json_integer_value(json_object_get(r.json, "success_count")) == 3);
    CHECK(json_integer_value(json_object_get(r.json, "failure_count")) == 1);
    CHECK(json_integer_value(json_object_get(r.json, "pending_count")) == 0);
    CHECK(strcmp(json_string_value(json_object_get(r.json, "status")), "complete") == 0);
    CHECK(json_array_size(json_object_get(r.json, "successes")) == 3);
    {
        json_t *f0 = json_array_get(json_object_get(r.json, "failures"), 0);
        const char *msg = json_string_value(json_object_get(f0, "message"));
        CHECK(msg != NULL && strstr(msg, "created") != NULL);
    }
    snprintf(status_id, sizeof status_id, "%s",
             json_string_value(json_object_get(r.json, "id")) ? json_string_value(
                                                                    json_object_get(r.json, "id"))
                                                              : "");
    resp_free(&r);

    snprintf(p, sizeof p, "/api/status/%s/", status_id);
    r = get_as(p, "alice:pw-alice");
    CHECK(r.status == 200);
    CHECK(json_integer_value(json_object_get(r.json, "success_count")) == 3);
    resp_free(&r);
    r = get_as(p, "bob:pw-bob"); /* another user's status */
    CHECK(is_error(&r, 404));
    resp_free(&r);
    r = get_as("/api/status/11111111-2222-4333-8444-555555555555/", "alice:pw-alice");
    CHECK(is_error(&r, 404));
    resp_free(&r);

    /* The same objects again: idempotent successes. */
    r = post_as(path_of(shared_id, "objects/"), "alice:pw-alice", env);
    CHECK(r.status == 202 && json_integer_value(json_object_get(r.json, "success_count")) == 3);
    resp_free(&r);

    /* bob may read, not write; carol (a token) may write, not read. */
    r = post_as(path_of(shared_id, "objects/"), "bob:pw-bob", env);
    CHECK(is_error(&r, 403));
    resp_free(&r);
    r = post_as(path_of(readonly_id, "objects/"), "alice:pw-alice", env);
    CHECK(is_error(&r, 403));
    resp_free(&r);
    free(env);
    env = envelope(100, 2, NULL);
    {
        req q = {0};
        q.bearer = carol_token;
        q.body = env;
        r = http(path_of(shared_id, "objects/"), &q);
        CHECK(r.status == 202 && json_integer_value(json_object_get(r.json, "success_count")) == 2);
        resp_free(&r);
        q.body = NULL;
        r = http(path_of(shared_id, "objects/"), &q);
        CHECK(is_error(&r, 403));
        resp_free(&r);
        q.bearer = "not-a-real-token-not-a-real-token-not-a-real";
        r = http(path_of(shared_id, "objects/"), &q);
        CHECK(is_error(&r, 401));
        resp_free(&r);
    }
    free(env);
}

static void test_post_errors(void)
{
    req q = {0};
    resp r;

    q.user = "alice:pw-alice";
    q.body = "{\"objects\":[{\"type\":";
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(is_error(&r, 400));
    resp_free(&r);
    q.body = "[1,2,3]";
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(is_error(&r, 400));
    resp_free(&r);
    q.body = "{\"objects\":[]}";
    q.content_type = "application/json";
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(is_error(&r, 415));
    resp_free(&r);
    q.content_type = NULL;
    q.accept = "application/xml";
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(is_error(&r, 406));
    resp_free(&r);
    q.accept = NULL;
    q.method = "PUT";
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(is_error(&r, 405));
    CHECK(strstr(r.allow, "POST") != NULL);
    resp_free(&r);

    /* Past --max-body (1 MiB here): 413, and nothing stored. */
    char *big = envelope(5000, 4000, NULL);
    memset(&q, 0, sizeof q);
    q.user = "alice:pw-alice";
    q.body = big;
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(is_error(&r, 413) || r.status == 413);
    resp_free(&r);
    free(big);
    /* Past --max-objects (500 here). */
    big = envelope(6000, 501, NULL);
    q.body = big;
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(is_error(&r, 413));
    resp_free(&r);
    free(big);
    r = get_as(path_of(shared_id, "objects/?match[id]=indicator--00001770-0000-4000-8000-"
                                  "000000000000"),
               "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 0);
    resp_free(&r);
}

static void test_get_objects_and_filters(void)
{
    req q = {0};
    resp r, r2;
    char p[512];
    size_t total;

    q.user = "alice:pw-alice";
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(r.status == 200);
    CHECK(strcmp(r.content_type, TAXII) == 0);
    total = count_objects(&r);
    CHECK(total == 5);
    CHECK(json_is_false(json_object_get(r.json, "more")));
    CHECK(r.date_first[0] != '\0' && r.date_last[0] != '\0');
    CHECK(strcmp(r.date_first, r.date_last) <= 0);

    /* added_after is exclusive. */
    snprintf(p, sizeof p, "objects/?added_after=%s", r.date_last);
    r2 = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(r2.status == 200 && count_objects(&r2) == 0);
    resp_free(&r2);
    snprintf(p, sizeof p, "objects/?added_after=%s", r.date_first);
    r2 = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(r2.status == 200 && count_objects(&r2) > 0 && count_objects(&r2) < total);
    resp_free(&r2);
    r2 = get_as(path_of(shared_id, "objects/?added_after=yesterday"), "alice:pw-alice");
    CHECK(is_error(&r2, 400));
    resp_free(&r2);
    resp_free(&r);

    /* HEAD: the same status and headers, no body. */
    q.method = "HEAD";
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(r.status == 200 && r.n == 0 && strcmp(r.content_type, TAXII) == 0);
    CHECK(r.date_first[0] != '\0');
    resp_free(&r);
    q.method = NULL;

    /* STIX media type on request. */
    q.accept = STIX;
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(r.status == 200 && strcmp(r.content_type, STIX) == 0);
    resp_free(&r);
    q.accept = "application/taxii+json;version=2.0";
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(is_error(&r, 406));
    resp_free(&r);

    /* limit and next: every object once. */
    {
        char next[128] = "";
        size_t seen = 0, pages = 0;
        do {
            if (next[0])
                snprintf(p, sizeof p, "objects/?limit=2&next=%s", next);
            else
                snprintf(p, sizeof p, "objects/?limit=2");
            r = get_as(path_of(shared_id, p), "alice:pw-alice");
            CHECK(r.status == 200);
            seen += count_objects(&r);
            pages++;
            next[0] = '\0';
            if (json_is_true(json_object_get(r.json, "more")))
                snprintf(next, sizeof next, "%s",
                         json_string_value(json_object_get(r.json, "next")));
            resp_free(&r);
        } while (next[0] && pages < 20);
        CHECK(seen == total);
        CHECK(pages == 3);
    }
    r = get_as(path_of(shared_id, "objects/?next=garbage"), "alice:pw-alice");
    CHECK(is_error(&r, 400));
    resp_free(&r);
    r = get_as(path_of(shared_id, "objects/?limit=0"), "alice:pw-alice");
    CHECK(is_error(&r, 400));
    resp_free(&r);

    /* match[...] */
    r = get_as(path_of(shared_id, "objects/?match[type]=malware"), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 0);
    resp_free(&r);
    r = get_as(path_of(shared_id, "objects/?match[type]=malware,indicator"), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == total);
    resp_free(&r);
    r = get_as(path_of(shared_id, "objects/?match%5Bid%5D=indicator--00000001-0000-4000-8000-"
                                  "000000000000,indicator--00000002-0000-4000-8000-000000000000"),
               "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 2);
    resp_free(&r);
    r = get_as(path_of(shared_id, "objects/?match[spec_version]=2.0"), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 0);
    resp_free(&r);
    r = get_as(path_of(shared_id, "objects/?match[spec_version]=2.1"), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == total);
    resp_free(&r);
    r = get_as(path_of(shared_id, "objects/?match[colour]=red"), "alice:pw-alice");
    CHECK(is_error(&r, 400));
    resp_free(&r);
}

static void test_versions_object_manifest_delete(void)
{
    const char *id = "indicator--00000001-0000-4000-8000-000000000000";
    char one[400], body[900], p[300];
    resp r;

    /* Two more versions of indicator 1. */
    indicator(one, sizeof one, 1, 5);
    snprintf(body, sizeof body, "{\"objects\":[%s]}", one);
    r = post_as(path_of(shared_id, "objects/"), "alice:pw-alice", body);
    CHECK(r.status == 202 && json_integer_value(json_object_get(r.json, "success_count")) == 1);
    resp_free(&r);
    indicator(one, sizeof one, 1, 3);
    snprintf(body, sizeof body, "{\"objects\":[%s]}", one);
    r = post_as(path_of(shared_id, "objects/"), "alice:pw-alice", body);
    CHECK(r.status == 202);
    resp_free(&r);
    /* A clash: the same version with other content is a failure in the status. */
    snprintf(body, sizeof body, "{\"objects\":[%s]}", one);
    {
        char *c = strstr(body, "test 1");
        if (c)
            c[5] = '9';
    }
    r = post_as(path_of(shared_id, "objects/"), "alice:pw-alice", body);
    CHECK(r.status == 202 && json_integer_value(json_object_get(r.json, "failure_count")) == 1);
    resp_free(&r);

    snprintf(p, sizeof p, "objects/%s/", id);
    r = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 1);
    CHECK(strcmp(json_string_value(json_object_get(json_array_get(json_object_get(r.json,
                                                                                  "objects"),
                                                                   0),
                                                   "modified")),
                 "2024-01-05T00:00:00.000Z") == 0);
    resp_free(&r);
    snprintf(p, sizeof p, "objects/%s/?match[version]=all", id);
    r = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 3);
    resp_free(&r);
    snprintf(p, sizeof p, "objects/%s/?match[version]=first", id);
    r = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 1);
    resp_free(&r);
    snprintf(p, sizeof p, "objects/%s/?match[version]=2024-01-03T00:00:00.000Z", id);
    r = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 1);
    resp_free(&r);
    snprintf(p, sizeof p, "objects/%s/?match[version]=2024-01-04T00:00:00Z", id);
    r = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(is_error(&r, 404));
    resp_free(&r);
    snprintf(p, sizeof p, "objects/%s/?match[type]=indicator", id); /* not on this endpoint */
    r = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(is_error(&r, 400));
    resp_free(&r);

    snprintf(p, sizeof p, "objects/%s/versions/", id);
    r = get_as(path_of(shared_id, p), "alice:pw-alice");
    CHECK(r.status == 200);
    CHECK(json_array_size(json_object_get(r.json, "versions")) == 3);
    CHECK(json_is_false(json_object_get(r.json, "more")));
    resp_free(&r);
    r = get_as(path_of(shared_id, "objects/indicator--99999999-0000-4000-8000-000000000000/"),
               "alice:pw-alice");
    CHECK(is_error(&r, 404));
    resp_free(&r);

    r = get_as(path_of(shared_id, "manifest/"), "alice:pw-alice");
    CHECK(r.status == 200);
    {
        json_t *objs = json_object_get(r.json, "objects"), *m;
        size_t i;
        CHECK(json_array_size(objs) == 5);
        json_array_foreach(objs, i, m) {
            CHECK(json_is_string(json_object_get(m, "id")));
            CHECK(json_is_string(json_object_get(m, "date_added")));
            CHECK(json_is_string(json_object_get(m, "version")));
            CHECK(strcmp(json_string_value(json_object_get(m, "media_type")), STIX) == 0);
        }
        CHECK(r.date_first[0] && r.date_last[0]);
    }
    resp_free(&r);
    r = get_as(path_of(shared_id, "manifest/?match[version]=all"), "alice:pw-alice");
    CHECK(r.status == 200 && count_objects(&r) == 7);
    resp_free(&r);

    /* DELETE: bob cannot; alice deletes one version, then the rest. */
    {
        req q = {0};
        q.method = "DELETE";
        q.user = "bob:pw-bob";
        snprintf(p, sizeof p, "objects/%s/", id);
        r = http(path_of(shared_id, p), &q);
        CHECK(is_error(&r, 403));
        resp_free(&r);
        q.user = "alice:pw-alice";
        snprintf(p, sizeof p, "objects/%s/?match[version]=2024-01-03T00:00:00.000Z", id);
        r = http(path_of(shared_id, p), &q);
        CHECK(r.status == 200);
        resp_free(&r);
        snprintf(p, sizeof p, "objects/%s/versions/", id);
        r = get_as(path_of(shared_id, p), "alice:pw-alice");
        CHECK(json_array_size(json_object_get(r.json, "versions")) == 2);
        resp_free(&r);
        snprintf(p, sizeof p, "objects/%s/", id);
        r = http(path_of(shared_id, p), &q);
        CHECK(r.status == 200);
        resp_free(&r);
        r = http(path_of(shared_id, p), &q);
        CHECK(is_error(&r, 404));
        resp_free(&r);
        r = get_as(path_of(shared_id, p), "alice:pw-alice");
        CHECK(is_error(&r, 404));
        resp_free(&r);
    }
}

/* ---- concurrency ------------------------------------------------------------------------------ */

#define WRITERS 2
#define POSTS 30
#define PER_POST 10

static volatile int writers_done;

static void *writer(void *arg)
{
    unsigned w = (unsigned)(size_t)arg;

    for (unsigned i = 0; i < POSTS; i++) {
        char *env = envelope(0x100000 * (w + 1) + i * PER_POST, PER_POST, NULL);
        resp r = post_as(path_of(readonly_id, "objects/"), "writer:pw-writer", env);
        if (r.status != 202 ||
            json_integer_value(json_object_get(r.json, "success_count")) != PER_POST) {
            fprintf(stderr, "writer %u post %u: %ld %s\n", w, i, r.status,
                    r.body ? r.body : "");
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
        }
        resp_free(&r);
        free(env);
    }
    __atomic_add_fetch(&writers_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

typedef struct {
    unsigned char seen[WRITERS][POSTS * PER_POST];
    size_t total;
    int dups;
} reader_state;

/* Pages with a small limit while the writers post; then polls with added_after. */
static void *reader(void *arg)
{
    reader_state *st = arg;
    char next[128] = "", after[64] = "", p[512];
    int idle_after_done = 0;

    while (idle_after_done < 2) {
        bool done = __atomic_load_n(&writers_done, __ATOMIC_SEQ_CST) == WRITERS;
        size_t got = 0;
        if (next[0])
            snprintf(p, sizeof p, "objects/?limit=7&next=%s", next);
        else if (after[0])
            snprintf(p, sizeof p, "objects/?limit=7&added_after=%s", after);
        else
            snprintf(p, sizeof p, "objects/?limit=7");
        resp r = get_as(path_of(readonly_id, p), "alice:pw-alice");
        if (r.status != 200) {
            fprintf(stderr, "reader: %ld %s\n", r.status, r.body ? r.body : "");
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
            resp_free(&r);
            break;
        }
        json_t *objs = json_object_get(r.json, "objects"), *o;
        size_t i;
        json_array_foreach(objs, i, o) {
            unsigned k = (unsigned)strtoul(json_string_value(json_object_get(o, "id")) + 11,
                                           NULL, 16);
            unsigned w = k / 0x100000 - 1, idx = k % 0x100000;
            if (w < WRITERS && idx < POSTS * PER_POST) {
                if (st->seen[w][idx]++)
                    st->dups++;
            }
            got++;
        }
        st->total += got;
        if (r.date_last[0])
            snprintf(after, sizeof after, "%s", r.date_last);
        next[0] = '\0';
        if (json_is_true(json_object_get(r.json, "more")))
            snprintf(next, sizeof next, "%s", json_string_value(json_object_get(r.json, "next")));
        resp_free(&r);
        if (!next[0] && got == 0) {
            if (done)
                idle_after_done++;
            else
                usleep(2000);
        }
    }
    return NULL;
}

static void test_paging_while_others_post(void)
{
    pthread_t w[WRITERS], rd[2];
    reader_state *st = calloc(2, sizeof *st);

    REQUIRE(st != NULL);
    REQUIRE(run(NULL, 0, "printf 'pw-writer\\n' | '%s' --db '%s' user add writer", kizuna, db) ==
            0);
    REQUIRE(run(NULL, 0, "'%s' --db '%s' grant writer ReadOnly read,write", kizuna, db) == 0);
    for (size_t i = 0; i < 2; i++)
        pthread_create(&rd[i], NULL, reader, &st[i]);
    for (size_t i = 0; i < WRITERS; i++)
        pthread_create(&w[i], NULL, writer, (void *)i);
    for (size_t i = 0; i < WRITERS; i++)
        pthread_join(w[i], NULL);
    for (size_t i = 0; i < 2; i++)
        pthread_join(rd[i], NULL);
    for (size_t i = 0; i < 2; i++) {
        size_t missing = 0;
        for (size_t a = 0; a < WRITERS; a++)
            for (size_t b = 0; b < POSTS * PER_POST; b++)
                missing += st[i].seen[a][b] == 0;
        if (missing || st[i].dups)
            fprintf(stderr, "reader %zu: %zu missing, %d duplicates, %zu total\n", i, missing,
                    st[i].dups, st[i].total);
        CHECK(missing == 0);
        CHECK(st[i].dups == 0);
        CHECK(st[i].total == WRITERS * POSTS * PER_POST);
    }
    free(st);
}

/* kill -9 while a large POST is being stored: nothing committed before is lost, and the POST is
 * stored whole or not at all. */
static void test_kill_during_post(void)
{
    char *env = envelope(0x900000, 400, NULL);
    pid_t child;
    resp r;
    size_t before, after;
    int st;

    r = get_as(path_of(shared_id, "manifest/?match[version]=all"), "alice:pw-alice");
    before = count_objects(&r);
    resp_free(&r);
    child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        resp cr = post_as(path_of(shared_id, "objects/"), "alice:pw-alice", env);
        _exit(cr.status == 202 ? 0 : 1);
    }
    usleep(60000);
    kill(server, SIGKILL);
    waitpid(server, &st, 0);
    server = -1;
    waitpid(child, &st, 0);
    start_server("--plain-http --max-body 1048576 --max-objects 500");
    r = get_as(path_of(shared_id, "manifest/?match[version]=all&limit=1000"), "alice:pw-alice");
    after = count_objects(&r);
    resp_free(&r);
    if (after != before && after != before + 400)
        fprintf(stderr, "kill during POST: %zu objects before, %zu after\n", before, after);
    CHECK(after == before || after == before + 400);
    r = get_as(path_of(readonly_id, "objects/?limit=1000"), "alice:pw-alice");
    CHECK(count_objects(&r) == WRITERS * POSTS * PER_POST);
    resp_free(&r);
    free(env);
}

/* ---- TLS -------------------------------------------------------------------------------------- */

static void test_tls_and_client_certificates(void)
{
    char ca[200], cmd[200];
    resp r;
    req q = {0};

    stop_server();
    /* A client CA and a client certificate, made with the openssl command. */
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(client_cert, sizeof client_cert, "%s/client.pem", dir);
    snprintf(client_key, sizeof client_key, "%s/client.key", dir);
    REQUIRE(run(NULL, 0,
                "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                "-nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca 2>&1 && "
                "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
                "client.key -out client.csr -subj /CN=dave/O=Member 2>&1 && "
                "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                "-out client.pem -days 2 2>&1",
                dir) == 0);
    REQUIRE(run(NULL, 0, "'%s' --db '%s' user add dave --no-password", kizuna, db) == 0);
    REQUIRE(run(NULL, 0, "'%s' --db '%s' user cert dave --cert '%s'", kizuna, db, client_cert) ==
            0);
    REQUIRE(run(NULL, 0, "'%s' --db '%s' grant dave Shared read", kizuna, db) == 0);
    snprintf(cmd, sizeof cmd, "--tls-client-ca '%s'", ca);
    start_server(cmd);
    CHECK(strncmp(base, "https://", 8) == 0);
    snprintf(tls_ca, sizeof tls_ca, "%s.tls/cert.pem", db);

    r = get_as("/taxii2/", NULL);
    CHECK(r.status == 200);
    resp_free(&r);
    r = get_as("/api/collections/", "alice:pw-alice");
    CHECK(r.status == 200);
    resp_free(&r);
    q.client_cert = true;
    r = http("/api/collections/", &q);
    CHECK(r.status == 200 && json_array_size(json_object_get(r.json, "collections")) == 1);
    resp_free(&r);
    r = http(path_of(shared_id, "objects/"), &q);
    CHECK(r.status == 200 && count_objects(&r) > 0);
    resp_free(&r);
    /* A certificate the node does not map to a user is no credential. */
    REQUIRE(run(NULL, 0, "'%s' --db '%s' user del dave", kizuna, db) == 0);
    r = http("/api/collections/", &q);
    CHECK(is_error(&r, 401));
    resp_free(&r);
    stop_server();
    tls_ca[0] = '\0';
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char flags[200];

    signal(SIGPIPE, SIG_IGN);
    kizuna = getenv("KIZUNA");
    if (kizuna == NULL) {
        fprintf(stderr, "KIZUNA (the kizuna binary) is not set\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s/kz_taxii_XXXXXX", tmp && strlen(tmp) < 30 ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return 2;
    snprintf(db, sizeof db, "%s/kizuna.db", dir);
    snprintf(logpath, sizeof logpath, "%s/serve.log", dir);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    setup();
    snprintf(flags, sizeof flags, "--plain-http --max-body 1048576 --max-objects 500");
    start_server(flags);
    test_discovery_and_api_root();
    test_collections_and_rights();
    test_post_and_status();
    test_post_errors();
    test_get_objects_and_filters();
    test_versions_object_manifest_delete();
    test_paging_while_others_post();
    test_kill_during_post();
    test_tls_and_client_certificates();
    {
        /* The log: one line per request, never a password or a token. */
        char out[64];
        CHECK(run(out, sizeof out, "grep -c -e pw-alice -e '%s' '%s'", carol_token, logpath) == 1);
        CHECK(run(out, sizeof out, "grep -c ' /api/' '%s'", logpath) == 0 && atoi(out) > 50);
    }
    curl_global_cleanup();
    finish(0);
    return 0;
}
