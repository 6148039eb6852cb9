/*
 * cmd_user.c - `kizuna user add|passwd|token|cert|list|del|revoke-tokens`: the people and
 * programs that may use the TAXII server, and their credentials.
 *
 * A thin caller of store.h and of the authentication half of taxii.h. Passwords are read from
 * standard input (with echo off when it is a terminal), hashed with argon2id and wiped; only the
 * hash is stored. A new API token is printed once and only its SHA-256 is stored. Nothing here
 * ever prints a password or a hash.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "kizuna/taxii.h"

#define PW_MAX 255 /* bytes of a password */

static int usage(void)
{
    cli_help(stderr, "user");
    return EXIT_USAGE;
}

/* Prints the message for a failed store call and returns its exit code. */
static int store_failed(const char *what, kz_rc rc, const kz_err *err)
{
    cli_error("user %s: %s", what, err->msg);
    return cli_exit_for(rc);
}

/*
 * Reads one line (without its newline) from fd into pw (PW_MAX + 1 bytes) with read(2), so that
 * no copy stays in a stdio buffer. Returns its length, or -1 when it is longer than PW_MAX, or
 * -2 on a read error.
 */
static long read_line(int fd, char pw[PW_MAX + 1])
{
    size_t n = 0;
    bool too_long = false;
    char ch;

    for (;;) {
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -2;
        if (r == 0 || ch == '\n')
            break;
        if (n < PW_MAX)
            pw[n++] = ch;
        else
            too_long = true;
    }
    pw[n] = '\0';
    ch = 0;
    return too_long ? -1 : (long)n;
}

/* Prompts on standard error and reads a line from the terminal on fd with echo off. */
static long read_hidden(int fd, const char *prompt, char pw[PW_MAX + 1])
{
    struct termios old, quiet;
    bool restore = false;
    long n;

    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(fd, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    n = read_line(fd, pw);
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    else
        fputc('\n', stderr);
    return n;
}

/*
 * Reads a new password: the first line of standard input, or, from a terminal, typed twice with
 * echo off. Returns EXIT_OK with the password in pw (the caller wipes it), else an exit code.
 */
static int read_password(const char *name, char pw[PW_MAX + 1], size_t *len)
{
    char again[PW_MAX + 1];
    int code = EXIT_INPUT;
    long n, m;

    *len = 0;
    if (isatty(STDIN_FILENO)) {
        char prompt[128];
        snprintf(prompt, sizeof prompt, "password for %s: ", name);
        n = read_hidden(STDIN_FILENO, prompt, pw);
        if (n > 0) {
            m = read_hidden(STDIN_FILENO, "again: ", again);
            if (m != n || memcmp(pw, again, (size_t)n) != 0) {
                cli_error("user: the two passwords differ; nothing was changed");
                goto out;
            }
        }
    } else {
        n = read_line(STDIN_FILENO, pw);
    }
    if (n == -2) {
        cli_error("user: cannot read the password from standard input: %s", strerror(errno));
        code = EXIT_ENV;
        goto out;
    }
    if (n == -1) {
        cli_error("user: the password is longer than %d bytes", PW_MAX);
        goto out;
    }
    if (n == 0) {
        cli_error("user: empty password; give it on the first line of standard input, e.g. "
                  "`kizuna user add %s < password-file`",
                  name);
        goto out;
    }
    *len = (size_t)n;
    code = EXIT_OK;
out:
    explicit_bzero(again, sizeof again);
    if (code != EXIT_OK)
        explicit_bzero(pw, PW_MAX + 1);
    return code;
}

/* EXIT_OK when the user exists; else prints how to add them and returns an exit code. */
static int need_user(kz_store *s, const char *name)
{
    char hash[KZ_PWHASH_MAX];
    kz_err err;
    kz_rc rc = kz_store_user_get(s, name, hash, &err);

    explicit_bzero(hash, sizeof hash);
    if (rc == KZ_ENOTFOUND) {
        cli_error("user \"%s\" does not exist; add it with `kizuna user add %s`", name, name);
        return EXIT_INPUT;
    }
    if (rc != KZ_OK)
        return store_failed("lookup", rc, &err);
    return EXIT_OK;
}

/* user add NAME [--no-password] / user passwd NAME. */
static int user_set_password(kz_store *s, const char *name, bool update, bool no_password)
{
    char pw[PW_MAX + 1], hash[KZ_PWHASH_MAX];
    size_t n = 0;
    int code;
    kz_err err;
    kz_rc rc;

    pw[0] = hash[0] = '\0';
    if (update) {
        if ((code = need_user(s, name)) != EXIT_OK)
            goto out;
    } else {
        rc = kz_store_user_get(s, name, hash, &err);
        if (rc == KZ_OK) {
            cli_error("user \"%s\" exists; set a new password with `kizuna user passwd %s`", name,
                      name);
            code = EXIT_INPUT;
            goto out;
        }
        if (rc != KZ_ENOTFOUND) {
            code = store_failed("add", rc, &err);
            goto out;
        }
    }
    if (!no_password) {
        if ((code = read_password(name, pw, &n)) != EXIT_OK)
            goto out;
        if ((rc = kz_auth_hash_password(pw, n, hash, &err)) != KZ_OK) {
            code = store_failed(update ? "passwd" : "add", rc, &err);
            goto out;
        }
    }
    rc = kz_store_user_put(s, name, no_password ? NULL : hash, update, &err);
    if (rc == KZ_ECONFLICT) {
        cli_error("user \"%s\" exists; set a new password with `kizuna user passwd %s`", name,
                  name);
        code = EXIT_INPUT;
        goto out;
    }
    if (rc != KZ_OK) {
        code = store_failed(update ? "passwd" : "add", rc, &err);
        goto out;
    }
    fprintf(stderr, "%s user %s\n", update ? "new password for" : "added", name);
    code = EXIT_OK;
out:
    explicit_bzero(pw, sizeof pw);
    explicit_bzero(hash, sizeof hash);
    return code;
}

/* user token NAME [--label TEXT]: prints the new token, once. */
static int user_token(kz_store *s, const char *name, const char *label)
{
    char token[KZ_TOKEN_MAX], hash[65];
    int code;
    kz_err err;
    kz_rc rc;

    token[0] = hash[0] = '\0';
    if ((code = need_user(s, name)) != EXIT_OK)
        goto out;
    if ((rc = kz_auth_token_new(token, hash, &err)) != KZ_OK) {
        code = store_failed("token", rc, &err);
        goto out;
    }
    if ((rc = kz_store_cred_add(s, name, "token", hash, label, &err)) != KZ_OK) {
        code = store_failed("token", rc, &err);
        goto out;
    }
    printf("%s\n", token);
    fflush(stdout);
    fprintf(stderr,
            "new API token for %s: shown once, only its hash is stored; send it as "
            "\"Authorization: Bearer <token>\"\n",
            name);
    code = EXIT_OK;
out:
    explicit_bzero(token, sizeof token);
    explicit_bzero(hash, sizeof hash);
    return code;
}

/* Normalises a SHA-256 fingerprint (64 hex digits, optional ':' between bytes, optional
 * "sha256:" prefix, either case) to "sha256:<lower-case hex>". False when it is not one. */
static bool fingerprint_norm(const char *in, char out[7 + 65])
{
    size_t n = 0;

    if (strncmp(in, "sha256:", 7) == 0 || strncmp(in, "SHA256:", 7) == 0)
        in += 7;
    memcpy(out, "sha256:", 7);
    for (; *in != '\0'; in++) {
        int v = kz_hexval((unsigned char)*in);
        if (*in == ':')
            continue;
        if (v < 0 || n >= 64)
            return false;
        out[7 + n++] = "0123456789abcdef"[v];
    }
    out[7 + n] = '\0';
    return n == 64;
}

/* "sha256:<hex of the DER's SHA-256>" of the first certificate in a PEM file. */
static int cert_file_fingerprint(const char *path, char out[7 + 65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509 *x = NULL;
    FILE *f;
    int code = EXIT_INPUT;

    if ((f = fopen(path, "r")) == NULL) {
        cli_error("user cert: %s: cannot open: %s", path, strerror(errno));
        code = EXIT_ENV;
        goto out;
    }
    if ((x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
        cli_error("user cert: %s: no PEM certificate (expected -----BEGIN CERTIFICATE-----)", path);
        goto out;
    }
    if (X509_digest(x, EVP_sha256(), md, &len) != 1 || len != 32) {
        cli_error("user cert: %s: cannot compute the certificate's SHA-256", path);
        code = EXIT_ENV;
        goto out;
    }
    memcpy(out, "sha256:", 7);
    for (unsigned int i = 0; i < len; i++) {
        out[7 + 2 * i] = "0123456789abcdef"[md[i] >> 4];
        out[7 + 2 * i + 1] = "0123456789abcdef"[md[i] & 15];
    }
    out[7 + 64] = '\0';
    code = EXIT_OK;
out:
    X509_free(x);
    if (f != NULL)
        fclose(f);
    return code;
}

/* user cert NAME (--fingerprint HEX | --subject DN | --cert FILE.pem). */
static int user_cert(kz_store *s, const char *name, const char *fp, const char *subject,
                     const char *file)
{
    char value[1100];
    int code;
    kz_err err;
    kz_rc rc;

    if ((fp != NULL) + (subject != NULL) + (file != NULL) != 1) {
        cli_error("user cert: give exactly one of --fingerprint, --subject and --cert");
        return usage();
    }
    if (fp != NULL && !fingerprint_norm(fp, value)) {
        cli_error("user cert: --fingerprint \"%.100s\" is not a SHA-256 fingerprint (expected 64 "
                  "hex digits, e.g. from `openssl x509 -noout -fingerprint -sha256`)",
                  fp);
        return EXIT_USAGE;
    }
    if (subject != NULL) {
        if (subject[0] == '\0' || strlen(subject) > 1000) {
            cli_error("user cert: --subject needs an RFC 4514 DN of 1 to 1000 bytes, e.g. "
                      "\"CN=alice,O=Example\"");
            return EXIT_USAGE;
        }
        snprintf(value, sizeof value, "subject:%s", subject);
    }
    if ((code = need_user(s, name)) != EXIT_OK)
        return code;
    if (file != NULL && (code = cert_file_fingerprint(file, value)) != EXIT_OK)
        return code;
    rc = kz_store_cred_add(s, name, "cert", value, NULL, &err);
    if (rc == KZ_ECONFLICT) {
        cli_error("user cert: %s is already mapped to a user; one certificate maps to one user",
                  value);
        return EXIT_INPUT;
    }
    if (rc != KZ_OK)
        return store_failed("cert", rc, &err);
    printf("%s\n", value);
    return EXIT_OK;
}

static kz_rc print_user(void *ctx, const char *name, const char *created, bool has_password,
                        int64_t tokens, int64_t certs)
{
    (void)ctx;
    printf("%s\tcreated %s\tpassword %s\ttokens %lld\tcerts %lld\n", name, created,
           has_password ? "yes" : "no", (long long)tokens, (long long)certs);
    return KZ_OK;
}

int cmd_user(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"label", required_argument, NULL, 'l'},
        {"fingerprint", required_argument, NULL, 'f'},
        {"subject", required_argument, NULL, 's'},
        {"cert", required_argument, NULL, 'c'},
        {"no-password", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *label = NULL, *fp = NULL, *subject = NULL, *file = NULL, *sub, *name;
    bool no_password = false;
    kz_store *s = NULL;
    int o, code = EXIT_USAGE, nargs;
    int64_t removed = 0;
    kz_err err;
    kz_rc rc;

    if (argc < 2)
        return usage();
    sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        cli_help(stdout, "user");
        return EXIT_OK;
    }
    optind = 0;
    while ((o = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        switch (o) {
            case 'l': label = optarg; break;
            case 'f': fp = optarg; break;
            case 's': subject = optarg; break;
            case 'c': file = optarg; break;
            case 'n': no_password = true; break;
            case 'h': cli_help(stdout, "user"); return EXIT_OK;
            default: return usage();
        }
    }
    /* What is left after the options: the NAME, if the subcommand takes one. */
    nargs = argc - 1 - optind;
    name = nargs > 0 ? argv[1 + optind] : NULL;
    if (strcmp(sub, "list") == 0 ? nargs != 0 : nargs != 1) {
        cli_error("user %s: %s", sub, nargs > 1 ? "too many arguments" : "which user?");
        return usage();
    }
    if ((label && strcmp(sub, "token") != 0) || (no_password && strcmp(sub, "add") != 0) ||
        ((fp || subject || file) && strcmp(sub, "cert") != 0)) {
        cli_error("user %s: an option that belongs to another subcommand", sub);
        return usage();
    }
    if (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 && strcmp(sub, "token") != 0 &&
        strcmp(sub, "cert") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "del") != 0 &&
        strcmp(sub, "revoke-tokens") != 0) {
        cli_error("user: no subcommand \"%s\" (add, passwd, token, cert, list, del, "
                  "revoke-tokens)",
                  sub);
        return usage();
    }
    if ((s = cli_open_store(c)) == NULL)
        return EXIT_ENV;
    if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0) {
        code = user_set_password(s, name, strcmp(sub, "passwd") == 0, no_password);
    } else if (strcmp(sub, "token") == 0) {
        code = user_token(s, name, label);
    } else if (strcmp(sub, "cert") == 0) {
        code = user_cert(s, name, fp, subject, file);
    } else if (strcmp(sub, "list") == 0) {
        rc = kz_store_users(s, print_user, NULL, &err);
        code = rc == KZ_OK ? EXIT_OK : store_failed("list", rc, &err);
    } else if (strcmp(sub, "del") == 0) {
        rc = kz_store_user_del(s, name, &err);
        if (rc == KZ_ENOTFOUND) {
            cli_error("user \"%s\" does not exist; `kizuna user list` shows the users", name);
            code = EXIT_INPUT;
        } else if (rc != KZ_OK) {
            code = store_failed("del", rc, &err);
        } else {
            fprintf(stderr, "deleted user %s with their credentials and grants\n", name);
            code = EXIT_OK;
        }
    } else { /* revoke-tokens */
        if ((code = need_user(s, name)) == EXIT_OK) {
            rc = kz_store_cred_del(s, name, "token", NULL, &removed, &err);
            if (rc != KZ_OK) {
                code = store_failed("revoke-tokens", rc, &err);
            } else {
                printf("revoked %lld tokens of %s\n", (long long)removed, name);
                code = EXIT_OK;
            }
        }
    }
    kz_store_free(s);
    return code;
}
