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
     "  serve               the TAXII 2.1 server over the store (HTTPS)\n"
     "  scan LOG...         match indicators against logs; store sightings\n"
     "  pattern match PATTERN FILE\n"
     "                      does a STIX pattern match the observed-data in FILE?\n"
     "  user add|passwd|token|cert|list|del|revoke-tokens\n"
     "                      TAXII users and their passwords, API tokens and certificates\n"
     "  collection add|list TAXII collections\n"
     "  root add|list       TAXII API roots\n"
     "  grant USER COLLECTION RIGHTS, grant list [USER]\n"
     "                      who may read and write which collection\n"
     "  revoke USER COLLECTION [RIGHTS]\n"
     "                      take rights away\n"
     "  vuln import|show|search|export-stix|match\n"
     "                      the IoT/ICS vulnerability knowledge base (CSAF, CVE, KEV, OSV, JVN)\n"
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
    {"scan",
     "usage: kizuna [--db URL] scan (--indicators FILE | --collection ID)\n"
     "                              [--format zeek|eve|text|stix|auto]\n"
     "                              [--sightings COLLECTION [--identity NAME]]\n"
     "                              [--threads N] [--timing] [-q] LOG...\n"
     "\n"
     "Compiles every active indicator (not revoked, valid_from <= now < valid_until) of a\n"
     "STIX file or a stored collection into one index and matches it against each LOG\n"
     "(- for standard input; gzip-compressed files are read as they are): Zeek TSV or JSON,\n"
     "Suricata EVE JSON, plain text (whole tokens: IP addresses, domains, URLs, e-mail\n"
     "addresses, MD5/SHA-1/SHA-256) or STIX observed-data. One JSON line per match on\n"
     "standard output: indicator, name, type, path, value, file, line, log, time.\n"
     "Malformed records are counted and reported at the end, never a stop.\n"
     "\n"
     "  --sightings COLLECTION  also store one STIX sighting per matched indicator (count,\n"
     "                          first_seen, last_seen, up to 100 observed-data behind it,\n"
     "                          where_sighted_refs: this node's identity), ready to share\n"
     "  --identity NAME         the node's identity name (default: the host name)\n"
     "  --threads N             threads that parse and look up text and EVE lines, and\n"
     "                          read the indicators of --indicators (1-64; default: the\n"
     "                          online CPUs; 1: all on one thread). The index, the matches\n"
     "                          and their order are the same for every N\n"
     "  --timing                time of reading the indicators, building the index and\n"
     "                          scanning each LOG (and its MB/s) on standard error\n"
     "\n"
     "exit: 0 something matched, 1 nothing did, 2 usage, 3 an input or the store failed\n"
     "(a truncated gzip stream is reported with its offset).\n"},
    {"serve",
     "usage: kizuna [--db URL] serve [--listen HOST:PORT]\n"
     "                               [--tls-cert FILE --tls-key FILE | --plain-http]\n"
     "                               [--tls-client-ca FILE] [--threads N] [--page-max N]\n"
     "                               [--max-body BYTES] [--max-objects N] [--rate R]\n"
     "                               [--burst N] [--timeout S] [--max-connections N]\n"
     "                               [--cache-bytes N] [--log FILE|-] [--quiet]\n"
     "\n"
     "Serves the store over TAXII 2.1 until SIGINT or SIGTERM. Once listening it prints\n"
     "\"listening on https://HOST:PORT/taxii2/\" and the certificate's SHA-256 fingerprint.\n"
     "\n"
     "  --listen HOST:PORT  an IPv4 address, [IPv6] or localhost (default 127.0.0.1:8443);\n"
     "                      port 0 takes any free port\n"
     "  --tls-cert, --tls-key FILE\n"
     "                      the server's PEM certificate (chain) and key. Without them a\n"
     "                      self-signed ECDSA certificate is made on first start in\n"
     "                      <db file>.tls/ (key.pem mode 0600) and reused after; clients can\n"
     "                      pin it by the printed fingerprint or trust cert.pem\n"
     "  --plain-http        no TLS; refused unless HOST is loopback (127.0.0.0/8, [::1]),\n"
     "                      as passwords and tokens would cross the network in clear\n"
     "  --tls-client-ca FILE\n"
     "                      ask for client certificates chaining to these PEM CAs (mutual\n"
     "                      TLS); a verified one mapped by `kizuna user cert` authenticates\n"
     "  --threads N         worker threads (default: one per core)\n"
     "  --page-max N        objects per page at most, and by default (1000)\n"
     "  --cache-bytes N     answers to repeated GETs kept per worker thread until the next\n"
     "                      write (16 MiB; 0: none)\n"
     "  --max-body BYTES    request body (32 MiB; 413 past it). Before authentication a body\n"
     "                      is never read past 64 KiB\n"
     "  --max-objects N     objects in one POSTed envelope (10000; 413 past it)\n"
     "  --rate R, --burst N requests per second per client address, and the burst allowed\n"
     "                      (200 and 400; 429 with Retry-After past them; --rate 0: no limit)\n"
     "  --timeout S         an idle connection is closed after S seconds (30)\n"
     "  --max-connections N connections at once (512; 64 from one address)\n"
     "  --log FILE|-        one line per request: time, client, method, path, status, bytes,\n"
     "                      milliseconds, user (default: standard error; never a credential)\n"
     "  -q, --quiet         no request log unless --log is given\n"
     "\n"
     "Request headers are limited to 16 KiB (431). Exit 0 after a clean stop, 2 usage, 3 when\n"
     "the server cannot start (certificate, address in use, database).\n"},
    {"user",
     "usage: kizuna [--db URL] user add NAME [--no-password]\n"
     "       kizuna [--db URL] user passwd NAME\n"
     "       kizuna [--db URL] user token NAME [--label TEXT]\n"
     "       kizuna [--db URL] user cert NAME (--fingerprint HEX | --subject DN |\n"
     "                                         --cert FILE.pem)\n"
     "       kizuna [--db URL] user list | del NAME | revoke-tokens NAME\n"
     "\n"
     "Users of the TAXII server (names of 1 to 63 of A-Z a-z 0-9 . _ @ -).\n"
     "  add, passwd     the password is the first line of standard input (at most 255\n"
     "                  bytes, not empty); on a terminal it is asked twice, unechoed. Only\n"
     "                  an argon2id hash is stored. --no-password: token or certificate only\n"
     "  token           prints a new API token (Authorization: Bearer ...) on standard\n"
     "                  output; it is shown once: only its SHA-256 is stored\n"
     "  cert            maps a TLS client certificate to the user: by the SHA-256 of its\n"
     "                  DER (64 hex digits, ':' allowed), by subject DN (RFC 4514), or read\n"
     "                  from a PEM file\n"
     "  list            name, creation time, password yes/no, tokens and certificates\n"
     "  del             removes the user with their credentials and grants\n"
     "  revoke-tokens   removes every API token of the user\n"
     "\n"
     "Exit 0 on success, 1 when the user is unknown (or exists, for add) or the input is\n"
     "wrong, 2 usage, 3 database error.\n"},
    {"collection",
     "usage: kizuna [--db URL] collection add TITLE [--description TEXT] [--root NAME]\n"
     "       kizuna [--db URL] collection list\n"
     "\n"
     "add makes a TAXII collection in API root NAME (default: api) and prints its id alone\n"
     "on standard output. list prints id, API root and title, tab-separated.\n"},
    {"root",
     "usage: kizuna [--db URL] root add NAME [--title T] [--description D]\n"
     "       kizuna [--db URL] root list\n"
     "\n"
     "TAXII API roots: NAME is the URL path segment (/NAME/; 1 to 63 of A-Z a-z 0-9 . _ -,\n"
     "not taxii2). The root \"api\" always exists. list prints name, title and description,\n"
     "tab-separated.\n"},
    {"grant",
     "usage: kizuna [--db URL] grant USER COLLECTION read|write|read,write\n"
     "       kizuna [--db URL] grant list [USER]\n"
     "\n"
     "Gives USER rights on COLLECTION (an id or a title); rights add up to those the user\n"
     "has. Prints user, collection id, title and the rights now held. grant list prints\n"
     "every grant (or USER's) the same way. A user without rights on a collection does not\n"
     "see it.\n"
     "\n"
     "Exit 0 on success, 1 when the user or collection does not exist, 2 usage, 3 database\n"
     "error.\n"},
    {"revoke",
     "usage: kizuna [--db URL] revoke USER COLLECTION [read|write|read,write]\n"
     "\n"
     "Takes the rights named (all, when none is named) of USER on COLLECTION (an id or a\n"
     "title). Prints user, collection id, title and the rights left.\n"},
    {"vuln",
     "usage: kizuna [--db URL] vuln import [-q] PATH...\n"
     "       kizuna [--db URL] vuln show [--lang en|ja] [--json] ID\n"
     "       kizuna [--db URL] vuln search (--cpe CPE | --purl PURL |\n"
     "                                      --product TEXT [--vendor TEXT])\n"
     "       kizuna [--db URL] vuln export-stix [--collection NAME|ID | -o FILE]\n"
     "       kizuna [--db URL] vuln match [--format text|json|csaf-vex] [--lang en|ja] INVENTORY\n"
     "\n"
     "The vulnerability knowledge base: advisories and catalogues as records, one per\n"
     "vulnerability per source document, merged when shown.\n"
     "\n"
     "  import       files and folders (walked in name order; .json and .xml files). The\n"
     "               format is found from the content: CSAF 2.0, CVE JSON 5, the CISA KEV\n"
     "               catalogue, OSV JSON, JVN VULDEF or JVNRSS XML. A folder holding a\n"
     "               provider-metadata.json is read through its feeds. A later revision of\n"
     "               a document replaces the earlier one; an older one is skipped. Problems\n"
     "               in a file print as FILE: WHERE: MESSAGE and do not stop it; -q prints\n"
     "               only the summary. Files of other formats found in folders are skipped.\n"
     "  show         one vulnerability (a CVE id, JVNDB id, advisory id or other alias) from\n"
     "               every source: texts in --lang (else the other language, with a note),\n"
     "               CWEs, CVSS scores (computed, and as published), known exploitation\n"
     "               (KEV), affected products and versions, remediations, references and\n"
     "               sources. --json prints the merged record.\n"
     "  search       vulnerabilities naming a product: by CPE (vendor and product), package\n"
     "               URL (type/namespace/name) or product name (with --vendor: both), names\n"
     "               compared as matching does. One line each: id, top score, title\n"
     "  export-stix  STIX 2.1 vulnerability, course-of-action and mitigates relationship\n"
     "               objects, marked TLP:CLEAR, with deterministic ids: a bundle on standard\n"
     "               output (or FILE), or stored and validated into a collection\n"
     "  match        an inventory (CycloneDX, SPDX or CSV) against the knowledge base\n"
     "\n"
     "Exit 0 on success, 1 when a file could not be imported or nothing was found, 2 usage,\n"
     "3 I/O or database error.\n"},
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
