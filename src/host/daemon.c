/* daemon.c: `vigil host -c vigil.yaml` (collection + rules + FIM). */
#include "host/host.h"

#include <stdio.h>

int vg_host_daemon_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil host: daemon mode is not implemented yet (use `vigil host logtest`)\n");
    return 2;
}
