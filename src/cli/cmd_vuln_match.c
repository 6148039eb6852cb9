/* cmd_vuln_match.c - placeholder for `kizuna vuln match` while it is being written (replaced in
 * this change by its owner). */
#include "cli.h"

/* Says that the subcommand is not there yet. */
int cmd_vuln_match(cli_ctx *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    cli_error("vuln match: not built yet");
    return EXIT_USAGE;
}
