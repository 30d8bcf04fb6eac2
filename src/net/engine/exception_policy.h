/*
 * exception_policy.h: Suricata 8's exception policies, resolved once at
 * start-up from the configuration and the engine mode (IDS or IPS).
 *
 * Settings: the master switch `exception-policy` (default auto),
 * stream.memcap-policy, stream.reassembly.memcap-policy,
 * stream.midstream-policy, flow.memcap-policy, defrag.memcap-policy and
 * app-layer.error-policy.  A specific setting wins over the master switch.
 * `auto` (and an unset master switch) means: in IPS mode drop-flow, or
 * drop-packet where only the packet can be acted on (flow and defrag memcap),
 * and for midstream ignore when stream.midstream is on; in IDS mode ignore.
 * In IDS mode the master switch's drop-packet/drop-flow mean ignore.  Values
 * Suricata refuses to start with (drop-flow as midstream policy in IDS mode,
 * packet actions as midstream policy, anything but pass-flow/ignore with
 * stream.midstream on) are errors naming the key and its file:line.
 */
#ifndef VG_NET_ENGINE_EXCEPTION_POLICY_H
#define VG_NET_ENGINE_EXCEPTION_POLICY_H

#include "core/conf.h"

typedef enum vg_exception_policy {
    VG_EP_IGNORE = 0,
    VG_EP_DROP_PACKET,
    VG_EP_DROP_FLOW,
    VG_EP_REJECT,
    VG_EP_BYPASS,
    VG_EP_PASS_PACKET,
    VG_EP_PASS_FLOW,
    VG_EP_AUTO,      /* only while parsing the master switch */
} vg_exception_policy;

typedef struct vg_exception_policies {
    vg_exception_policy stream_memcap;      /* stream.memcap-policy */
    vg_exception_policy reassembly_memcap;  /* stream.reassembly.memcap-policy */
    vg_exception_policy midstream;          /* stream.midstream-policy */
    vg_exception_policy flow_memcap;        /* flow.memcap-policy (packet only) */
    vg_exception_policy defrag_memcap;      /* defrag.memcap-policy (packet only) */
    vg_exception_policy applayer_error;     /* app-layer.error-policy */
} vg_exception_policies;

int vg_exception_policies_load(vg_exception_policies *out, const vg_conf *conf, bool ips,
                               char *errbuf) VG_WARN_UNUSED;
/* Write the resolved values back into conf under their keys, so that every
 * module reading conf sees the effective policy ("ignore", "drop-flow"...). */
int vg_exception_policies_store(const vg_exception_policies *ep, vg_conf *conf);
/* Suricata's spelling ("drop-flow", ...). */
const char *vg_exception_policy_name(vg_exception_policy p);
/* Parse one value; VG_EINVAL if unknown.  "auto" only when allow_auto. */
int vg_exception_policy_parse(const char *s, bool allow_auto, vg_exception_policy *out);

#endif
