/*
 * tls.c - the TLS material of `kizuna serve`: the server's certificate and key (given as PEM
 * files, or a self-signed pair made on first start beside the database), the CA certificates
 * client certificates must chain to, and the certificate's SHA-256 fingerprint that is printed
 * at start so that clients can pin it.
 *
 * The self-signed pair lives in "<db file>.tls/": key.pem (0600) and cert.pem (0644), an ECDSA
 * P-256 key and an X.509 v3 certificate for localhost, 127.0.0.1, ::1 and the listen host. It is
 * made once and reused on later starts. The key text is a secret: wiped before it is freed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "taxii_int.h"

#define PEM_MAX (1u << 20)           /* a PEM file larger than this is not a certificate */
#define CERT_DAYS 825                /* the most browsers accept for a server certificate */

/* Reads a whole file of at most PEM_MAX bytes into a NUL-terminated heap string (*out). */
static kz_rc read_pem(const char *path, const char *what, char **out, kz_err *err)
{
    kz_buf b;
    char chunk[4096];
    struct stat st;
    FILE *f = NULL;
    size_t n;
    kz_rc rc = KZ_EIO;

    *out = NULL;
    kz_buf_init(&b, PEM_MAX);
    if ((f = fopen(path, "rb")) == NULL) {
        rc = kz_fail(err, KZ_EIO, "%s %s: %s", what, path, strerror(errno));
        goto out;
    }
    /* Room for the whole file at once: a key never sits in memory realloc let go of. */
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < (off_t)PEM_MAX &&
        kz_buf_reserve(&b, (size_t)st.st_size + 1) != KZ_OK) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory");
        goto out;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if ((rc = kz_buf_append(&b, chunk, n)) != KZ_OK) {
            rc = kz_fail(err, rc == KZ_ELIMIT ? KZ_EIO : rc, "%s %s: %s", what, path,
                         rc == KZ_ELIMIT ? "larger than 1 MiB: not a PEM file" : "out of memory");
            goto out;
        }
    }
    if (ferror(f)) {
        rc = kz_fail(err, KZ_EIO, "%s %s: read error", what, path);
        goto out;
    }
    if (b.n == 0 || strstr(b.p, "-----BEGIN ") == NULL) {
        rc = kz_fail(err, KZ_EIO, "%s %s: not a PEM file (no -----BEGIN line)", what, path);
        goto out;
    }
    *out = b.p;
    b.p = NULL; /* ownership moved to the caller */
    rc = KZ_OK;
out:
    explicit_bzero(chunk, sizeof chunk);
    if (b.p != NULL)
        explicit_bzero(b.p, b.cap);
    kz_buf_free(&b);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* Frees a heap string that may hold a secret, wiping it first. */
static void free_secret(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* Writes n bytes to a new file made with the given mode; fails when the file exists. */
static kz_rc write_new(const char *path, const void *p, size_t n, mode_t mode, kz_err *err)
{
    const char *c = p;
    int fd;
    kz_rc rc = KZ_EIO;

    if ((fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)) < 0)
        return kz_fail(err, KZ_EIO, "%s: %s", path, strerror(errno));
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = kz_fail(err, KZ_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        c += w;
        n -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = kz_fail(err, KZ_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = KZ_OK;
out:
    if (close(fd) != 0 && rc == KZ_OK)
        rc = kz_fail(err, KZ_EIO, "%s: %s", path, strerror(errno));
    if (rc != KZ_OK)
        unlink(path);
    return rc;
}

/* Adds one X.509 v3 extension given in OpenSSL's configuration syntax. */
static bool add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;
    bool ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
        return false;
    ok = X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* True when s is an IPv4 or IPv6 address literal (no brackets). */
static bool is_ip_literal(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/*
 * Builds the subjectAltName value: localhost, 127.0.0.1, ::1, this machine's host name and the
 * listen host when it is a name or a specific (not wildcard) address.
 */
static kz_rc san_value(const char *listen_host, const char *hostname, kz_buf *san)
{
    kz_rc rc;

    if ((rc = kz_buf_puts(san, "DNS:localhost, IP:127.0.0.1, IP:::1")) != KZ_OK)
        return rc;
    if (hostname[0] != '\0' && strcmp(hostname, "localhost") != 0 &&
        strspn(hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
            strlen(hostname) &&
        (rc = kz_buf_printf(san, ", DNS:%s", hostname)) != KZ_OK)
        return rc;
    if (listen_host == NULL || listen_host[0] == '\0' || strcmp(listen_host, "localhost") == 0 ||
        strcmp(listen_host, "127.0.0.1") == 0 || strcmp(listen_host, "::1") == 0 ||
        strcmp(listen_host, "0.0.0.0") == 0 || strcmp(listen_host, "::") == 0 ||
        strcmp(listen_host, hostname) == 0)
        return KZ_OK;
    if (is_ip_literal(listen_host))
        return kz_buf_printf(san, ", IP:%s", listen_host);
    if (strspn(listen_host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
        strlen(listen_host))
        return KZ_OK; /* not a DNS name: leave it out rather than fail */
    return kz_buf_printf(san, ", DNS:%s", listen_host);
}

/* Encodes an OpenSSL memory BIO's content as a NUL-terminated heap string. */
static char *bio_text(BIO *bio)
{
    char *data = NULL, *s;
    long n = BIO_get_mem_data(bio, &data);

    if (n <= 0 || (s = malloc((size_t)n + 1)) == NULL)
        return NULL;
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

/*
 * Makes an ECDSA P-256 key and a self-signed server certificate for it, as PEM texts (*cert_pem,
 * *key_pem: heap strings; the key is a secret).
 */
static kz_rc make_self_signed(const char *listen_host, char **cert_pem, char **key_pem,
                              kz_err *err)
{
    EVP_PKEY *pkey = NULL;
    X509 *x = NULL;
    X509_NAME *name;
    BIGNUM *serial = NULL;
    BIO *cbio = NULL, *kbio = NULL;
    unsigned char rnd[16];
    char hostname[256] = "";
    char cn[300];
    kz_buf san;
    kz_rc rc = KZ_EIO; /* until the end: any failure is OpenSSL's */

    *cert_pem = *key_pem = NULL;
    kz_buf_init(&san, 4096);
    if (gethostname(hostname, sizeof hostname - 1) != 0)
        hostname[0] = '\0';
    hostname[sizeof hostname - 1] = '\0';
    if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
        (x = X509_new()) == NULL || X509_set_version(x, 2) != 1)
        goto out;
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        goto out;
    rnd[0] &= 0x7f; /* a positive serial number */
    rnd[0] |= 0x40; /* and a full 16 bytes long */
    if ((serial = BN_bin2bn(rnd, sizeof rnd, NULL)) == NULL ||
        BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL)
        goto out;
    if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), CERT_DAYS, 0, NULL) == NULL)
        goto out;
    snprintf(cn, sizeof cn, "kizuna %s", hostname[0] ? hostname : "localhost");
    cn[64] = '\0'; /* the upper bound of a commonName */
    if ((name = X509_get_subject_name(x)) == NULL ||
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"kizuna", -1,
                                   -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, pkey) != 1)
        goto out;
    if (san_value(listen_host, hostname, &san) != KZ_OK)
        goto out;
    if (!add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(x, NID_ext_key_usage, "serverAuth") ||
        !add_ext(x, NID_subject_key_identifier, "hash") ||
        !add_ext(x, NID_subject_alt_name, san.p))
        goto out;
    if (X509_sign(x, pkey, EVP_sha256()) <= 0)
        goto out;
    if ((cbio = BIO_new(BIO_s_mem())) == NULL || (kbio = BIO_new(BIO_s_secmem())) == NULL ||
        PEM_write_bio_X509(cbio, x) != 1 ||
        PEM_write_bio_PrivateKey(kbio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
        goto out;
    if ((*cert_pem = bio_text(cbio)) == NULL || (*key_pem = bio_text(kbio)) == NULL)
        goto out;
    rc = KZ_OK;
out:
    if (rc != KZ_OK) {
        kz_fail(err, rc, "cannot make a self-signed certificate (OpenSSL failed)");
        free(*cert_pem);
        free_secret(*key_pem);
        *cert_pem = *key_pem = NULL;
    }
    kz_buf_free(&san);
    BIO_free(cbio);
    BIO_free(kbio); /* a secure-heap BIO: cleared on free */
    BN_free(serial);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return rc;
}

/*
 * The default pair's paths: "<db file>.tls/cert.pem" and ".../key.pem". KZ_EUSAGE when the store
 * URL does not name a file.
 */
static kz_rc default_paths(const char *db_url, kz_buf *dir, kz_buf *cert, kz_buf *key,
                           kz_err *err)
{
    static const char prefix[] = "sqlite://";
    const char *file = db_url ? db_url : "";
    kz_rc rc;

    if (strncmp(file, prefix, sizeof prefix - 1) == 0)
        file += sizeof prefix - 1;
    else if (strstr(file, "://") != NULL)
        file = "";
    if (file[0] == '\0' || strcmp(file, ":memory:") == 0 || strncmp(file, "file:", 5) == 0)
        return kz_fail(err, KZ_EUSAGE,
                       "%s: the store is not a file, so there is no place for a self-signed "
                       "certificate; give --tls-cert FILE and --tls-key FILE",
                       db_url ? db_url : "(no store)");
    if ((rc = kz_buf_printf(dir, "%s.tls", file)) != KZ_OK ||
        (rc = kz_buf_printf(cert, "%s/cert.pem", dir->p)) != KZ_OK ||
        (rc = kz_buf_printf(key, "%s/key.pem", dir->p)) != KZ_OK)
        return kz_fail(err, rc, "certificate path too long");
    return KZ_OK;
}

/* The SHA-256 of the first certificate in pem, as "AB:CD:..." (95 characters and a NUL). */
static kz_rc fingerprint(const char *pem, const char *path, char fp[96], kz_err *err)
{
    static const char hex[] = "0123456789ABCDEF";
    BIO *bio = NULL;
    X509 *x = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    kz_rc rc = KZ_EIO;

    fp[0] = '\0';
    if ((bio = BIO_new_mem_buf(pem, -1)) == NULL ||
        (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
        rc = kz_fail(err, KZ_EIO, "%s: no X.509 certificate could be read from it", path);
        goto out;
    }
    if (X509_digest(x, EVP_sha256(), md, &mdn) != 1 || mdn != 32) {
        rc = kz_fail(err, KZ_EIO, "%s: cannot compute the certificate's fingerprint", path);
        goto out;
    }
    for (unsigned i = 0; i < mdn; i++) {
        fp[i * 3] = hex[md[i] >> 4];
        fp[i * 3 + 1] = hex[md[i] & 15];
        fp[i * 3 + 2] = i + 1 < mdn ? ':' : '\0';
    }
    rc = KZ_OK;
out:
    X509_free(x);
    BIO_free(bio);
    return rc;
}

/* Checks that the key in key_pem is the certificate's (a mismatch fails late and obscurely). */
static kz_rc check_pair(const char *cert_pem, const char *key_pem, const char *cert_path,
                        const char *key_path, kz_err *err)
{
    BIO *cb = NULL, *kb = NULL;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    kz_rc rc = KZ_EIO;

    if ((cb = BIO_new_mem_buf(cert_pem, -1)) == NULL ||
        (kb = BIO_new_mem_buf(key_pem, -1)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory");
        goto out;
    }
    if ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) == NULL) {
        rc = kz_fail(err, KZ_EIO, "%s: no X.509 certificate could be read from it", cert_path);
        goto out;
    }
    if ((k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL)) == NULL) {
        rc = kz_fail(err, KZ_EIO, "%s: no private key could be read from it (an encrypted key "
                                  "is not supported)", key_path);
        goto out;
    }
    if (X509_check_private_key(x, k) != 1) {
        rc = kz_fail(err, KZ_EIO, "%s is not the key of the certificate %s", key_path,
                     cert_path);
        goto out;
    }
    rc = KZ_OK;
out:
    EVP_PKEY_free(k);
    X509_free(x);
    BIO_free(kb);
    BIO_free(cb);
    return rc;
}

/* Makes the default pair at cert_path/key_path (in dir, made 0700) and prints where. */
static kz_rc generate(const char *listen_host, const char *dir, const char *cert_path,
                      const char *key_path, kz_err *err)
{
    char *cert = NULL, *key = NULL;
    kz_rc rc;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = kz_fail(err, KZ_EIO, "%s: cannot make the folder: %s", dir, strerror(errno));
        goto out;
    }
    if ((rc = make_self_signed(listen_host, &cert, &key, err)) != KZ_OK)
        goto out;
    if ((rc = write_new(key_path, key, strlen(key), 0600, err)) != KZ_OK)
        goto out;
    if ((rc = write_new(cert_path, cert, strlen(cert), 0644, err)) != KZ_OK) {
        unlink(key_path);
        goto out;
    }
    /* Standard error: the first line of standard output is "listening on ...", for scripts. */
    fprintf(stderr, "generated a self-signed certificate: %s\n", cert_path);
out:
    free(cert);
    free_secret(key);
    return rc;
}

/* The TLS material of the server: see taxii_int.h. */
kz_rc kz_tls_load(const kz_taxii_config *cfg, const char *listen_host, char **cert_pem,
                  char **key_pem, char **ca_pem, char fp[96], kz_err *err)
{
    kz_buf dir, cert_path, key_path;
    const char *cp = cfg->tls_cert, *kp = cfg->tls_key;
    struct stat st;
    bool have_cert, have_key;
    kz_rc rc = KZ_OK;

    *cert_pem = *key_pem = *ca_pem = NULL;
    fp[0] = '\0';
    kz_buf_init(&dir, 4096);
    kz_buf_init(&cert_path, 4096);
    kz_buf_init(&key_path, 4096);
    if ((cp == NULL) != (kp == NULL)) {
        rc = kz_fail(err, KZ_EUSAGE, "give both --tls-cert and --tls-key, or neither (for a "
                                     "self-signed certificate beside the database)");
        goto out;
    }
    if (cp == NULL) {
        if ((rc = default_paths(cfg->db_url, &dir, &cert_path, &key_path, err)) != KZ_OK)
            goto out;
        cp = cert_path.p;
        kp = key_path.p;
        have_cert = stat(cp, &st) == 0;
        have_key = stat(kp, &st) == 0;
        if (have_cert != have_key) {
            rc = kz_fail(err, KZ_EIO, "%s exists but %s does not; remove the folder %s to have "
                                      "a new pair made", have_cert ? cp : kp,
                         have_cert ? kp : cp, dir.p);
            goto out;
        }
        if (!have_cert && (rc = generate(listen_host, dir.p, cp, kp, err)) != KZ_OK)
            goto out;
    }
    if ((rc = read_pem(cp, "TLS certificate", cert_pem, err)) != KZ_OK ||
        (rc = read_pem(kp, "TLS key", key_pem, err)) != KZ_OK ||
        (rc = check_pair(*cert_pem, *key_pem, cp, kp, err)) != KZ_OK ||
        (rc = fingerprint(*cert_pem, cp, fp, err)) != KZ_OK)
        goto out;
    if (cfg->tls_client_ca != NULL &&
        (rc = read_pem(cfg->tls_client_ca, "client CA", ca_pem, err)) != KZ_OK)
        goto out;
out:
    if (rc != KZ_OK) {
        free(*cert_pem);
        free_secret(*key_pem);
        free(*ca_pem);
        *cert_pem = *key_pem = *ca_pem = NULL;
    }
    kz_buf_free(&dir);
    kz_buf_free(&cert_path);
    kz_buf_free(&key_path);
    return rc;
}
