/* cmd_appraise.c: `vigil appraise` (not yet implemented; see its issue). */
#include <stdio.h>

#include "cli/commands.h"

int vg_cmd_appraise(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil appraise: not implemented yet\n");
    return 2;
}
