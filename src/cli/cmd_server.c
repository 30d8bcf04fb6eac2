/* cmd_server.c: `vigil server` (not yet implemented; see its issue). */
#include <stdio.h>

#include "cli/commands.h"

int vg_cmd_server(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil server: not implemented yet\n");
    return 2;
}
