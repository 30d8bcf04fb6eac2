/*
 * host.h: the `vigil host` role's entry points for the command line.
 *
 * vg_host_load_ruleset() loads and freezes a ruleset from a directory (a
 * Wazuh-style tree or a flat directory of .xml files), or vigil's default
 * ruleset when dir is NULL: $VIGIL_HOST_RULES, else $VIGIL_DATADIR/host,
 * else the installed share/vigil/host, else data/host of the source tree.
 * vg_host_daemon_main() runs `vigil host -c vigil.yaml`.
 */
#ifndef VG_HOST_HOST_H
#define VG_HOST_HOST_H

#include "host/ruleset.h"

const char *vg_host_default_rules_dir(void);
int vg_host_load_ruleset(vg_hruleset **out, const char *dir, char *errbuf) VG_WARN_UNUSED;
int vg_host_daemon_main(int argc, char **argv);

#endif
