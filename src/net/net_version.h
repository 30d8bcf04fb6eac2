/* net_version.h: which Suricata behaviour vigil net follows. */
#ifndef VG_NET_VERSION_H
#define VG_NET_VERSION_H
const char *vg_net_suricata_compat(void);
#endif
