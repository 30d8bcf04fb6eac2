/* cmd_inspect.c: `vigil inspect` (not yet implemented; see its issue). */
#include <stdio.h>

#include "cli/commands.h"

int vg_cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil inspect: not implemented yet\n");
    return 2;
}
