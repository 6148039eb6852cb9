/*
 * cmd_validate.c - `kizuna validate FILE...`: checks every object against STIX 2.1 and prints
 * one line per problem. Exit 0 when everything is valid, 1 when anything is not, 3 on I/O errors.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

int cmd_validate(cli_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_tally t = {0};
    int o, code = EXIT_OK;

    c->verbose = true; /* notes (whether an SCO's UUIDv5 id is the deterministic one) too */
    optind = 0;
    while ((o = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
        switch (o) {
            case 'v': c->verbose = true; break;
            case 'q': c->quiet = true; c->verbose = false; break;
            case 'h': cli_help(stdout, "validate"); return EXIT_OK;
            default: cli_help(stderr, "validate"); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("validate: no input: give one or more files, or - for standard input");
        return EXIT_USAGE;
    }
    code = cli_walk(c, argv + optind, argc - optind, NULL, NULL, &t);
    if (!c->quiet)
        fprintf(stderr, "%llu objects read, %llu valid, %llu invalid, %llu warnings\n",
                (unsigned long long)t.read, (unsigned long long)(t.read - t.invalid),
                (unsigned long long)t.invalid, (unsigned long long)t.warnings);
    if (t.env_error || code == EXIT_ENV)
        return EXIT_ENV;
    return t.invalid || t.input_error ? EXIT_INPUT : EXIT_OK;
}
