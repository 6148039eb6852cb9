/* cmd_grant.c - placeholder while `kizuna grant|revoke` is being written. */
#include "cli.h"

int cmd_grant(cli_ctx *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    cli_error("grant: not built yet");
    return EXIT_USAGE;
}

int cmd_revoke(cli_ctx *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    cli_error("revoke: not built yet");
    return EXIT_USAGE;
}
