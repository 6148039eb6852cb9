/*
 * cli.h - what the `kizuna` commands share: the global options, exit codes, and the walk over
 * input files that reads, validates and reports every object the same way for validate and
 * import.
 */
#ifndef KIZUNA_CLI_H
#define KIZUNA_CLI_H

#include <stdio.h>

#include "kizuna/core.h"
#include "kizuna/stix.h"
#include "kizuna/store.h"

/* Exit codes: the public interface of every command (see DESIGN.md). */
enum {
    EXIT_OK = 0,    /* success */
    EXIT_INPUT = 1, /* the input had problems, each reported */
    EXIT_USAGE = 2, /* the command line is wrong */
    EXIT_ENV = 3,   /* I/O or database error */
};

typedef struct {
    const char *db; /* store URL: --db, else $KIZUNA_DB, else ./kizuna.db */
    kz_limits lim;
    bool verbose;   /* also print notes (e.g. SCO ids that are the deterministic UUIDv5) */
    bool quiet;     /* no warnings, no progress */
} cli_ctx;

/* One valid object read from an input, valid for the duration of the sink's call. */
typedef struct {
    const char *file;
    const char *label;  /* "objects[12]", "[12]" or "line 12" */
    kz_sv id;
    kz_sv type;
    kz_sv spec_version; /* "2.1" when the object has none (SCOs may omit it) */
    kz_sv version;      /* from kz_stix_version */
    kz_sv text;         /* minified JSON text */
} cli_obj;

/* What a command does with the objects, called on one thread, in input order. */
typedef struct {
    int (*object)(void *ctx, const cli_obj *o); /* EXIT_OK to go on, else an exit code */
    int (*end_of_file)(void *ctx, const char *file); /* may be NULL */
} cli_sink;

typedef struct {
    uint64_t read;     /* objects found in the input */
    uint64_t invalid;  /* rejected by the reader or the validator */
    uint64_t warnings;
    bool env_error;    /* an I/O error: exit 3 */
    bool input_error;  /* an input could not be read to its end */
} cli_tally;

/*
 * Reads every object of each path ("-" for standard input), validates it, prints one line per
 * problem on standard output, and gives each valid object to sink (may be NULL), in input
 * order. Parsing and validation run on every core. Returns EXIT_OK, or the exit code of a sink
 * that stopped the walk, or EXIT_ENV when an input cannot be opened.
 */
int cli_walk(cli_ctx *c, char **paths, int npaths, const cli_sink *sink, void *sink_ctx,
             cli_tally *t);

/* Prints "kizuna: " and the message on standard error. */
void cli_error(const char *fmt, ...) KZ_PRINTF(1, 2);

/* Opens the store named by c->db; prints the reason and returns NULL on failure. */
kz_store *cli_open_store(cli_ctx *c);

/* Milliseconds on the monotonic clock (for --timing). */
double cli_now_ms(void);

/* Exit code for a store or I/O failure. */
int cli_exit_for(kz_rc rc);

int cmd_validate(cli_ctx *c, int argc, char **argv);
int cmd_import(cli_ctx *c, int argc, char **argv);
int cmd_export(cli_ctx *c, int argc, char **argv);
int cmd_stats(cli_ctx *c, int argc, char **argv);
int cmd_pattern(cli_ctx *c, int argc, char **argv);
int cmd_help(cli_ctx *c, int argc, char **argv);
int cmd_serve(cli_ctx *c, int argc, char **argv);      /* cmd_serve.c */
int cmd_scan(cli_ctx *c, int argc, char **argv);       /* cmd_scan.c */
int cmd_user(cli_ctx *c, int argc, char **argv);       /* cmd_user.c */
int cmd_collection(cli_ctx *c, int argc, char **argv); /* cmd_collection.c */
int cmd_root(cli_ctx *c, int argc, char **argv);       /* cmd_collection.c */
int cmd_grant(cli_ctx *c, int argc, char **argv);      /* cmd_grant.c */
int cmd_revoke(cli_ctx *c, int argc, char **argv);     /* cmd_grant.c */
int cmd_vuln(cli_ctx *c, int argc, char **argv);       /* cmd_vuln.c */
int cmd_vuln_match(cli_ctx *c, int argc, char **argv); /* cmd_vuln_match.c */

/* Prints the help of one command (or the overview for NULL) to f; false if unknown. */
bool cli_help(FILE *f, const char *command);

#endif
