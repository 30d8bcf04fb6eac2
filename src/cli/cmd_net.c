/* cmd_net.c: `vigil net` (the pipeline lands with the network engine). */
#include <stdio.h>

#include "cli/commands.h"

int vg_cmd_net(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil net: not implemented yet\n");
    return 2;
}
