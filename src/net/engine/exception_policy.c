/* exception_policy.c: resolution of Suricata 8's exception policies (see the header). */
#include "net/engine/exception_policy.h"

#include <string.h>

static const char *const names[] = {
    [VG_EP_IGNORE] = "ignore",       [VG_EP_DROP_PACKET] = "drop-packet",
    [VG_EP_DROP_FLOW] = "drop-flow", [VG_EP_REJECT] = "reject",
    [VG_EP_BYPASS] = "bypass",       [VG_EP_PASS_PACKET] = "pass-packet",
    [VG_EP_PASS_FLOW] = "pass-flow", [VG_EP_AUTO] = "auto",
};

const char *vg_exception_policy_name(vg_exception_policy p)
{
    return (unsigned)p < VG_ARRAY_LEN(names) ? names[p] : "ignore";
}

int vg_exception_policy_parse(const char *s, bool allow_auto, vg_exception_policy *out)
{
    if (!s)
        return VG_EINVAL;
    /* an empty value (`exception-policy:` with nothing after it) is unset */
    if (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0) {
        *out = allow_auto ? VG_EP_AUTO : VG_EP_IGNORE;
        return VG_OK;
    }
    for (size_t i = 0; i < VG_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i]) == 0) {
            if (i == VG_EP_AUTO && !allow_auto)
                return VG_EINVAL;
            *out = (vg_exception_policy)i;
            return VG_OK;
        }
    return VG_EINVAL;
}

/* Flow actions turned into their packet form, for settings that can only
 * act on the packet (flow.memcap, defrag.memcap). */
static vg_exception_policy packet_only(vg_exception_policy p)
{
    switch (p) {
    case VG_EP_DROP_FLOW: return VG_EP_DROP_PACKET;
    case VG_EP_PASS_FLOW: return VG_EP_PASS_PACKET;
    case VG_EP_BYPASS: return VG_EP_PASS_PACKET;
    case VG_EP_REJECT: return VG_EP_DROP_PACKET; /* reject of the packet */
    default: return p;
    }
}

typedef struct master {
    bool set;
    vg_exception_policy p;
} master;

static vg_exception_policy pick_auto(bool ips, bool midstream, bool support_flow)
{
    if (ips && !midstream)
        return support_flow ? VG_EP_DROP_FLOW : VG_EP_DROP_PACKET;
    return VG_EP_IGNORE;
}

static vg_exception_policy by_default(const master *m, bool ips, bool midstream, bool support_flow)
{
    vg_exception_policy p;
    if (m->set) {
        /* the master switch applies as set, also to allowed midstream pickups
         * (Suricata: exception-policy: bypass bypasses them) */
        p = m->p == VG_EP_AUTO ? pick_auto(ips, midstream, support_flow) : m->p;
    } else {
        p = pick_auto(ips, midstream, support_flow);
    }
    return support_flow ? p : packet_only(p);
}

static int one(const vg_conf *conf, const char *key, const master *m, bool ips, bool support_flow,
               vg_exception_policy *out, char *errbuf)
{
    const vg_conf_node *n = vg_conf_node_get(conf, key);
    if (!n || !n->value || !*n->value) {
        *out = by_default(m, ips, false, support_flow);
        return VG_OK;
    }
    vg_exception_policy p;
    char where[300];
    if (vg_exception_policy_parse(n->value, false, &p) != VG_OK)
        return vg_err(errbuf, VG_EINVAL,
                      "%s: %s: \"%s\" is not an exception policy (drop-packet, drop-flow, reject, "
                      "bypass, pass-packet, pass-flow, ignore)",
                      vg_conf_node_where(n, where, sizeof where), key, n->value);
    *out = support_flow ? p : packet_only(p);
    return VG_OK;
}

int vg_exception_policies_load(vg_exception_policies *out, const vg_conf *conf, bool ips,
                               char *errbuf)
{
    memset(out, 0, sizeof(*out));
    master m = {false, VG_EP_IGNORE};
    char where[300];
    const vg_conf_node *mn = vg_conf_node_get(conf, "exception-policy");
    if (mn && mn->value) {
        if (vg_exception_policy_parse(mn->value, true, &m.p) != VG_OK)
            return vg_err(errbuf, VG_EINVAL,
                          "%s: exception-policy: \"%s\" is not an exception policy (auto, "
                          "drop-packet, drop-flow, reject, bypass, pass-packet, pass-flow, ignore)",
                          vg_conf_node_where(mn, where, sizeof where), mn->value);
        m.set = true;
        if (!ips && (m.p == VG_EP_DROP_PACKET || m.p == VG_EP_DROP_FLOW))
            m.p = VG_EP_IGNORE;
    }
    int rc;
    if ((rc = one(conf, "stream.memcap-policy", &m, ips, true, &out->stream_memcap, errbuf)) ||
        (rc = one(conf, "stream.reassembly.memcap-policy", &m, ips, true, &out->reassembly_memcap,
                  errbuf)) ||
        (rc = one(conf, "flow.memcap-policy", &m, ips, false, &out->flow_memcap, errbuf)) ||
        (rc = one(conf, "defrag.memcap-policy", &m, ips, false, &out->defrag_memcap, errbuf)) ||
        (rc = one(conf, "app-layer.error-policy", &m, ips, true, &out->applayer_error, errbuf)))
        return rc;

    /* midstream: its own rules */
    bool midstream = vg_conf_get_bool(conf, "stream.midstream", false);
    const vg_conf_node *n = vg_conf_node_get(conf, "stream.midstream-policy");
    if (!n || !n->value || !*n->value) {
        out->midstream = by_default(&m, ips, midstream, true);
        return VG_OK;
    }
    vg_exception_policy p;
    vg_conf_node_where(n, where, sizeof where);
    if (vg_exception_policy_parse(n->value, true, &p) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "%s: stream.midstream-policy: \"%s\" is not an exception "
                      "policy", where, n->value);
    if (p == VG_EP_AUTO)
        p = pick_auto(ips, midstream, true);
    else if (midstream && p != VG_EP_IGNORE && p != VG_EP_PASS_FLOW)
        return vg_err(errbuf, VG_EINVAL, "%s: stream.midstream-policy: \"%s\" is not valid when "
                      "stream.midstream is enabled (pass-flow or ignore)", where, n->value);
    if (!ips && p == VG_EP_DROP_FLOW)
        return vg_err(errbuf, VG_EINVAL, "%s: stream.midstream-policy: \"%s\" is not valid in IDS "
                      "mode", where, n->value);
    if (p == VG_EP_DROP_PACKET || p == VG_EP_PASS_PACKET)
        return vg_err(errbuf, VG_EINVAL, "%s: stream.midstream-policy: \"%s\" is not valid: the "
                      "midstream policy applies to the whole flow", where, n->value);
    out->midstream = p;
    return VG_OK;
}

int vg_exception_policies_store(const vg_exception_policies *ep, vg_conf *conf)
{
    struct { const char *key; vg_exception_policy p; } kv[] = {
        {"stream.memcap-policy", ep->stream_memcap},
        {"stream.reassembly.memcap-policy", ep->reassembly_memcap},
        {"stream.midstream-policy", ep->midstream},
        {"flow.memcap-policy", ep->flow_memcap},
        {"defrag.memcap-policy", ep->defrag_memcap},
        {"app-layer.error-policy", ep->applayer_error},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(kv); i++) {
        int rc = vg_conf_set(conf, kv[i].key, vg_exception_policy_name(kv[i].p));
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}
