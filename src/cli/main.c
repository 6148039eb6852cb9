/*
 * main.c - `kizuna`: global options, then one command. Each command lives in its own file and is
 * a thin caller of the library's public headers.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*run)(cli_ctx *c, int argc, char **argv);
} commands[] = {
    {"validate", cmd_validate},
    {"import", cmd_import},
    {"export", cmd_export},
    {"stats", cmd_stats},
    {"pattern", cmd_pattern},
    {"serve", cmd_serve},
    {"scan", cmd_scan},
    {"user", cmd_user},
    {"collection", cmd_collection},
    {"root", cmd_root},
    {"grant", cmd_grant},
    {"revoke", cmd_revoke},
    {"vuln", cmd_vuln},
    {"help", cmd_help},
};

int main(int argc, char **argv)
{
    cli_ctx c = {0};
    const char *env = getenv("KIZUNA_DB");
    int i = 1;

    c.db = env && *env ? env : "kizuna.db";
    c.lim = kz_limits_default();
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= argc) {
                cli_error("--db needs a URL, e.g. --db sqlite:///var/lib/kizuna/kizuna.db");
                return EXIT_USAGE;
            }
            c.db = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            c.db = argv[i] + 5;
            i++;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("kizuna %s\n", KZ_VERSION);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_help(stdout, NULL);
            return EXIT_OK;
        } else {
            cli_error("unknown option \"%s\"; `kizuna help` lists the options", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        cli_help(stderr, NULL);
        return EXIT_USAGE;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[i], commands[k].name) == 0)
            return commands[k].run(&c, argc - i, argv + i);
    }
    cli_error("unknown command \"%s\"; `kizuna help` lists the commands", argv[i]);
    return EXIT_USAGE;
}
