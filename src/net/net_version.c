/* net_version.c: the version string Suricata-compatible tools ask for. */
#include "net/net_version.h"

const char *vg_net_suricata_compat(void) { return "8.0.6"; }
