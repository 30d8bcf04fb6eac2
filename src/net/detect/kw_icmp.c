/*
 * kw_icmp.c: ICMP keywords itype, icode, icmp_id, icmp_seq (ICMPv4 and
 * ICMPv6; id/seq only on echo request/reply, as Suricata).
 */
#include <stdlib.h>

#include "net/detect/detect_int.h"

static bool is_icmp(const vg_packet *p)
{
    return (p->proto == 1 || p->proto == 58) && p->l4 != NULL;
}

static int setup_u(vg_sig *s, const vg_keyword *kw, const char *arg, uint64_t max, char *errbuf)
{
    vg_uint *u = vg_uint_new(arg, max, errbuf);
    if (!u)
        return VG_EINVAL;
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, u)) {
        free(u);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

extern const vg_keyword vg_kw_itype, vg_kw_icode, vg_kw_icmp_id, vg_kw_icmp_seq;
static int itype_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return setup_u(s, &vg_kw_itype, arg, 255, errbuf);
}
static int itype_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_icmp(mc->p) && vg_uint_match(sm->ctx, mc->p->icmp_type);
}
static int icode_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return setup_u(s, &vg_kw_icode, arg, 255, errbuf);
}
static int icode_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_icmp(mc->p) && vg_uint_match(sm->ctx, mc->p->icmp_code);
}
static int icmp_id_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return setup_u(s, &vg_kw_icmp_id, arg, 65535, errbuf);
}
static int icmp_id_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_icmp(mc->p) && mc->p->icmp_has_idseq && vg_uint_match(sm->ctx, mc->p->icmp_id);
}
static int icmp_seq_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return setup_u(s, &vg_kw_icmp_seq, arg, 65535, errbuf);
}
static int icmp_seq_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_icmp(mc->p) && mc->p->icmp_has_idseq && vg_uint_match(sm->ctx, mc->p->icmp_seq);
}

const vg_keyword vg_kw_itype = {"itype", "icmp.type", 0, itype_setup, itype_match, free};
const vg_keyword vg_kw_icode = {"icode", "icmp.code", 0, icode_setup, icode_match, free};
const vg_keyword vg_kw_icmp_id = {"icmp_id", NULL, 0, icmp_id_setup, icmp_id_match, free};
const vg_keyword vg_kw_icmp_seq = {"icmp_seq", NULL, 0, icmp_seq_setup, icmp_seq_match, free};
