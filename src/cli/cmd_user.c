/* cmd_user.c - placeholder while `kizuna user` is being written (replaced in this change). */
#include "cli.h"

int cmd_user(cli_ctx *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    cli_error("user: not built yet");
    return EXIT_USAGE;
}
