/* cmd_serve.c - placeholder while `kizuna serve` is being written (replaced in this change). */
#include "cli.h"

int cmd_serve(cli_ctx *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    cli_error("serve: not built yet");
    return EXIT_USAGE;
}
