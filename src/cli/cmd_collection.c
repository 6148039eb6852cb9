/* cmd_collection.c - placeholder while `kizuna collection|root` is being written. */
#include "cli.h"

int cmd_collection(cli_ctx *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    cli_error("collection: not built yet");
    return EXIT_USAGE;
}

int cmd_root(cli_ctx *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    cli_error("root: not built yet");
    return EXIT_USAGE;
}
