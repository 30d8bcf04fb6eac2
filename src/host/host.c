/* host.c: ruleset location and loading for the `vigil host` commands. */
#include "host/host.h"

#include "core/paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#ifndef VG_HOST_DATADIR
#define VG_HOST_DATADIR "/usr/local/share/vigil/host"
#endif
#ifndef VG_HOST_SRCDATADIR
#define VG_HOST_SRCDATADIR "data/host"
#endif

static bool is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *vg_host_default_rules_dir(void)
{
    const char *e = getenv("VIGIL_HOST_RULES");
    if (e && *e)
        return e;
    /* $VIGIL_DATADIR/host (the project-wide data location), then the
     * installed and source-tree copies */
    static char dd[4096];
    const char *d = getenv("VIGIL_DATADIR");
    if (d && *d) {
        vg_datapath(dd, sizeof(dd), "host");
        return dd;
    }
    if (is_dir(VG_HOST_DATADIR "/rules"))
        return VG_HOST_DATADIR;
    return VG_HOST_SRCDATADIR;
}

int vg_host_load_ruleset(vg_hruleset **out, const char *dir, char *errbuf)
{
    *out = NULL;
    if (!dir)
        dir = vg_host_default_rules_dir();
    vg_hruleset *rs;
    int rc = vg_hruleset_new(&rs);
    if (rc < 0)
        return vg_err(errbuf, rc, "out of memory");
    /* as Wazuh's default configuration: the time-of-day policy rules are
     * excluded unless an operator adds them */
    if ((rc = vg_hruleset_exclude(rs, "0215-policy_rules.xml")) < 0 ||
        (rc = vg_hruleset_load_dir(rs, dir, errbuf)) < 0 || (rc = vg_hruleset_finish(rs, errbuf)) < 0) {
        vg_hruleset_free(rs);
        return rc;
    }
    if (vg_hruleset_nrules(rs) == 0) {
        vg_hruleset_free(rs);
        return vg_err(errbuf, VG_EINVAL, "%s: no rules found", dir);
    }
    *out = rs;
    return VG_OK;
}
