#include "core/paths.h"

#include <stdio.h>
#include <stdlib.h>

const char *vg_datadir(void)
{
    const char *e = getenv("VIGIL_DATADIR");
    return e && e[0] ? e : VG_DATADIR;
}

char *vg_datapath(char *out, size_t cap, const char *rel)
{
    snprintf(out, cap, "%s/%s", vg_datadir(), rel);
    return out;
}
