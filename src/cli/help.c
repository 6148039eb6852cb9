/*
 * help.c - `kizuna help [COMMAND]`: one text per command, kept beside each other so that the
 * whole public interface can be read in one place.
 */
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    const char *text;
} helps[] = {
    {NULL,
     "usage: kizuna [--db URL] COMMAND [ARGS]\n"
     "\n"
     "Kizuna stores, validates and shares STIX 2.1 cyber-threat information.\n"
     "\n"
     "commands:\n"
     "  validate FILE...    check STIX 2.1 objects; one line per problem\n"
     "  import FILE...      validate and store objects, keeping every version\n"
     "  export              write stored objects as a STIX bundle\n"
     "  stats               what the store holds\n"
     "  pattern match PATTERN FILE\n"
     "                      does a STIX pattern match the observed-data in FILE?\n"
     "  help [COMMAND]      this text, or a command's\n"
     "\n"
     "options:\n"
     "  --db URL            the store: sqlite:///path/kizuna.db or a path\n"
     "                      (default: $KIZUNA_DB, else ./kizuna.db)\n"
     "  --version           print the version\n"
     "\n"
     "exit codes: 0 success, 1 the input had problems (reported), 2 usage error,\n"
     "3 I/O or database error.\n"},
    {"validate",
     "usage: kizuna validate [-q] FILE...\n"
     "\n"
     "Checks every object of each FILE (- for standard input) against STIX 2.1: common\n"
     "properties, every SDO, SRO, SCO and meta object, markings, extensions and STIX patterns.\n"
     "A FILE is a bundle, a JSON array of objects, or JSON lines; large bundles are read\n"
     "object by object. Each problem is one line on standard output:\n"
     "  FILE: objects[12] (indicator--...): created: \"2024-03-01 10:00\" is not an RFC 3339 ...\n"
     "\n"
     "Warnings (a SHOULD of the specification not followed) and notes (e.g. whether an SCO's\n"
     "UUIDv5 id is the deterministic one) are printed too, marked as such; they do not make\n"
     "an object invalid.\n"
     "\n"
     "  -q, --quiet     print errors only: no warnings, notes or summary\n"
     "\n"
     "Exit 0 when every object is valid, 1 when any is not, 2 usage, 3 I/O error.\n"},
    {"import",
     "usage: kizuna [--db URL] import [--collection NAME|ID] FILE...\n"
     "\n"
     "Validates each object and stores it in the collection (default: \"default\"; created\n"
     "when missing). Every version of an object is kept: a version is (id, modified), or\n"
     "(id, created) for types without modified. Importing the same version again changes\n"
     "nothing; a different content under a stored version is a conflict and the stored one\n"
     "is kept. Objects are committed in batches: an interrupted import keeps what it committed.\n"
     "Prints objects read, new objects, new versions, unchanged and rejected.\n"
     "\n"
     "Exit 0 when everything was stored, 1 when anything was rejected, 3 on I/O or\n"
     "database errors.\n"},
    {"export",
     "usage: kizuna [--db URL] export [--collection NAME|ID] [--type TYPE]\n"
     "                                [--added-after TIMESTAMP] [--all-versions]\n"
     "\n"
     "Writes a STIX 2.1 bundle of the stored objects to standard output: the latest version\n"
     "of each, or every version with --all-versions. --added-after keeps objects this node\n"
     "stored strictly after the RFC 3339 timestamp. Without --collection every collection is\n"
     "exported, and an object stored in several of them appears once.\n"},
    {"pattern",
     "usage: kizuna pattern match [--stix-version 2.0|2.1] PATTERN FILE\n"
     "\n"
     "Evaluates the STIX 2.1 pattern over the observed-data in FILE (- for standard input): a\n"
     "bundle, a JSON array of objects or of bundles, or JSON lines. SCOs are found through\n"
     "object_refs (STIX 2.1) or embedded objects (STIX 2.0); observations are taken in the\n"
     "order of their first_observed. Prints the ids of the observed-data objects of the first\n"
     "binding that satisfies the pattern, one per line. --stix-version insists on one form.\n"
     "\n"
     "Exit 0 when it matches, 1 when it does not, 2 when the pattern is invalid or cannot be\n"
     "evaluated, or FILE cannot be read (the reason on standard error), as grep does.\n"},
    {"stats",
     "usage: kizuna [--db URL] stats\n"
     "\n"
     "Prints the collections, and objects and versions per type.\n"},
};

bool cli_help(FILE *f, const char *command)
{
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++) {
        if ((command == NULL && helps[i].name == NULL) ||
            (command != NULL && helps[i].name != NULL && strcmp(command, helps[i].name) == 0)) {
            fputs(helps[i].text, f);
            return true;
        }
    }
    return false;
}

int cmd_help(cli_ctx *c, int argc, char **argv)
{
    (void)c;
    if (argc < 2) {
        cli_help(stdout, NULL);
        return EXIT_OK;
    }
    if (!cli_help(stdout, argv[1])) {
        cli_error("help: no command \"%s\"; `kizuna help` lists them", argv[1]);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}
