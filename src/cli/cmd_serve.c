/*
 * cmd_serve.c - `kizuna serve`: the TAXII 2.1 server over the store, until SIGINT or SIGTERM.
 *
 * Every limit of kz_taxii_config is a flag, each number parsed with an explicit range. The server
 * itself is kz_taxii_serve (src/taxii/server.c); this file only reads the command line, opens the
 * log, and turns the result into an exit code: 0 after a clean stop, 2 for a wrong command line,
 * 3 when the server cannot start (certificate, address in use, database).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/taxii.h"

#include "cli.h"

/* Parses a flag's number within [min, max]; prints why not and returns false when it is not. */
static bool num_arg(const char *flag, const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (kz_parse_i64(kz_sv_c(s), min, max, out) != KZ_OK) {
        cli_error("serve: --%s %s: expected a whole number from %lld to %lld", flag, s,
                  (long long)min, (long long)max);
        return false;
    }
    return true;
}

/* `kizuna serve`: reads the flags into a kz_taxii_config and runs the server. */
int cmd_serve(cli_ctx *c, int argc, char **argv)
{
    enum {
        O_LISTEN = 256, O_CERT, O_KEY, O_PLAIN, O_CLIENT_CA, O_THREADS, O_PAGE_MAX, O_MAX_BODY,
        O_MAX_OBJECTS, O_RATE, O_BURST, O_TIMEOUT, O_MAX_CONN, O_LOG, O_CACHE
    };
    static const struct option opts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"plain-http", no_argument, NULL, O_PLAIN},
        {"tls-client-ca", required_argument, NULL, O_CLIENT_CA},
        {"threads", required_argument, NULL, O_THREADS},
        {"page-max", required_argument, NULL, O_PAGE_MAX},
        {"max-body", required_argument, NULL, O_MAX_BODY},
        {"max-objects", required_argument, NULL, O_MAX_OBJECTS},
        {"rate", required_argument, NULL, O_RATE},
        {"burst", required_argument, NULL, O_BURST},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"max-connections", required_argument, NULL, O_MAX_CONN},
        {"log", required_argument, NULL, O_LOG},
        {"cache-bytes", required_argument, NULL, O_CACHE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    kz_taxii_config cfg = kz_taxii_config_default();
    const char *log_path = NULL;
    FILE *log = NULL;
    int64_t v;
    int o, code = EXIT_USAGE;
    kz_err err;
    kz_rc rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (o) {
            case O_LISTEN: cfg.listen = optarg; break;
            case O_CERT: cfg.tls_cert = optarg; break;
            case O_KEY: cfg.tls_key = optarg; break;
            case O_PLAIN: cfg.plain_http = true; break;
            case O_CLIENT_CA: cfg.tls_client_ca = optarg; break;
            case O_THREADS:
                if (!num_arg("threads", optarg, 0, 1024, &v))
                    goto out;
                cfg.threads = (unsigned)v;
                break;
            case O_CACHE:
                if (!num_arg("cache-bytes", optarg, 0, (int64_t)1 << 32, &v))
                    goto out;
                cfg.cache_bytes = v;
                break;
            case O_PAGE_MAX:
                if (!num_arg("page-max", optarg, 1, 100000, &v))
                    goto out;
                cfg.page_max = v;
                break;
            case O_MAX_BODY:
                if (!num_arg("max-body", optarg, 1024, (int64_t)1 << 32, &v))
                    goto out;
                cfg.max_body = (size_t)v;
                break;
            case O_MAX_OBJECTS:
                if (!num_arg("max-objects", optarg, 1, 10000000, &v))
                    goto out;
                cfg.max_objects = (size_t)v;
                break;
            case O_RATE:
                if (!num_arg("rate", optarg, 0, 1000000, &v))
                    goto out;
                cfg.rate = (double)v;
                break;
            case O_BURST:
                if (!num_arg("burst", optarg, 1, 1000000, &v))
                    goto out;
                cfg.burst = (unsigned)v;
                break;
            case O_TIMEOUT:
                if (!num_arg("timeout", optarg, 1, 3600, &v))
                    goto out;
                cfg.timeout_s = (unsigned)v;
                break;
            case O_MAX_CONN:
                if (!num_arg("max-connections", optarg, 1, 100000, &v))
                    goto out;
                cfg.max_connections = (unsigned)v;
                break;
            case O_LOG: log_path = optarg; break;
            case 'q': c->quiet = true; break;
            case 'h': cli_help(stdout, "serve"); code = EXIT_OK; goto out;
            default: cli_help(stderr, "serve"); goto out;
        }
    }
    if (optind < argc) {
        cli_error("serve: unexpected argument \"%s\"; `kizuna help serve` lists the options",
                  argv[optind]);
        goto out;
    }
    if (cfg.plain_http && (cfg.tls_cert != NULL || cfg.tls_key != NULL)) {
        cli_error("serve: --plain-http and --tls-cert/--tls-key exclude each other");
        goto out;
    }
    if (cfg.plain_http && cfg.tls_client_ca != NULL) {
        cli_error("serve: --tls-client-ca needs TLS; drop --plain-http");
        goto out;
    }
    if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL)) {
        cli_error("serve: give both --tls-cert and --tls-key, or neither (a self-signed "
                  "certificate is then made beside the database)");
        goto out;
    }
    if (cfg.max_body_anonymous > cfg.max_body)
        cfg.max_body_anonymous = cfg.max_body;
    if (cfg.max_per_client > cfg.max_connections)
        cfg.max_per_client = cfg.max_connections;
    if (log_path != NULL && strcmp(log_path, "-") != 0) {
        if ((log = fopen(log_path, "a")) == NULL) {
            cli_error("serve: --log %s: %s", log_path, strerror(errno));
            code = EXIT_ENV;
            goto out;
        }
        cfg.log = log;
    } else if (log_path != NULL || !c->quiet) {
        cfg.log = stderr;
    }
    cfg.db_url = c->db;
    cfg.lim = c->lim;
    if ((rc = kz_taxii_serve(&cfg, &err)) != KZ_OK) {
        cli_error("serve: %s", err.msg);
        code = rc == KZ_EUSAGE ? EXIT_USAGE : EXIT_ENV;
        goto out;
    }
    code = EXIT_OK;
out:
    if (log != NULL && fclose(log) != 0 && code == EXIT_OK) {
        cli_error("serve: --log %s: %s", log_path, strerror(errno));
        code = EXIT_ENV;
    }
    return code;
}
