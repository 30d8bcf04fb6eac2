/* cmd_up.c: `vigil up` (not yet implemented; see its issue). */
#include <stdio.h>

#include "cli/commands.h"

int vg_cmd_up(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil up: not implemented yet\n");
    return 2;
}
