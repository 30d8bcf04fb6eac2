/* cmd_host.c: `vigil host` (not yet implemented; see its issue). */
#include <stdio.h>

#include "cli/commands.h"

int vg_cmd_host(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil host: not implemented yet\n");
    return 2;
}
