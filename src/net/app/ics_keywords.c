/*
 * ics_keywords.c: the rule keywords of the industrial protocols, with
 * Suricata 8's syntax and semantics:
 *
 *   modbus: function <num>[, subfunction <num>]
 *   modbus: function [!]<assigned|unassigned|public|user|reserved|all>
 *   modbus: access <read|write> [discretes|coils|input|holding]
 *                  [, address <range>[, value <range>]]
 *   modbus: unit <range>[, <function ...|access ...>]
 *   dnp3_func: <num|name>      dnp3_ind: <name>[,<name>...]
 *   dnp3_obj: <group>,<variation>      dnp3_data (sticky buffer)
 *
 * A <range> is N, <N, >N or N<>M (bounds excluded).  The modbus keyword
 * tests the request of a transaction (to server); the dnp3 keywords test
 * each message, either side (dnp3_ind only matches responses, which carry
 * the indications).  Like dns.opcode, they sit in the match list and are
 * evaluated on the transaction being inspected (dt->app_tx).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/app/app.h"
#include "net/app/app_keywords.h"
#include "net/app/ics.h"
#include "net/detect/detect_int.h"

int vg_ics_buf_dnp3_data(void);
int vg_ics_buf_dnp3_data(void)
{
    return VG_ABUF_DNP3_DATA;
}

static const vg_app_tx *cur_tx(const vg_match_ctx *mc)
{
    return mc->dt ? mc->dt->app_tx : NULL;
}

static int tie(vg_sig *s, uint16_t alproto, const char *kw, char *errbuf)
{
    if (s->alproto && s->alproto != alproto)
        return vg_err(errbuf, VG_EINVAL, "conflicts with the rule's protocol %s (%s is %s)",
                      vg_app_proto_name(s->alproto) ? vg_app_proto_name(s->alproto) : "?", kw,
                      vg_app_proto_name(alproto));
    s->alproto = alproto;
    s->flags |= VG_SIG_APPLAYER | VG_SIG_NEED_FLOW;
    return VG_OK;
}

static int append(vg_sig *s, const vg_keyword *kw, void *c, char *errbuf)
{
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

/* ---- modbus ---- */

typedef struct mb_range {
    bool set;
    uint16_t lo, hi;            /* Suricata's half-open conventions, see rmatch() */
} mb_range;

typedef struct mb_ctx {
    mb_range unit, address, value;
    bool has_func, has_sub;
    uint8_t func;
    uint16_t sub;
    uint8_t category;           /* VG_MB_CAT_* set, 0 none */
    uint8_t access;             /* VG_MB_* set, 0 none */
} mb_ctx;

/* A value against a rule range: N exactly; <N below; >N above; N<>M
 * strictly between. */
static bool rmatch(const mb_range *r, uint16_t v)
{
    if (r->lo == r->hi)
        return v == r->lo;
    if (r->lo == 0)
        return v < r->hi;
    if (r->hi == 65535)
        return v > r->lo;
    return r->lo < v && v < r->hi;
}

/* A rule range against the addresses [a, b] a request touches. */
static bool rmatch_span(const mb_range *r, uint16_t a, uint16_t b)
{
    if (r->lo == r->hi)
        return r->lo >= a && r->lo <= b;
    if (r->lo == 0)
        return r->hi > a;
    if (r->hi == 65535)
        return r->lo < b;
    return r->lo < b && a < r->hi;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool word(const char **pp, const char *w)
{
    const char *p = skip_ws(*pp);
    size_t l = strlen(w);
    if (strncmp(p, w, l) != 0 || isalnum((unsigned char)p[l]))
        return false;
    *pp = p + l;
    return true;
}

static bool num(const char **pp, uint32_t max, uint32_t *out)
{
    const char *p = *pp;
    if (!isdigit((unsigned char)*p))
        return false;
    uint32_t v = 0;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (uint32_t)(*p++ - '0');
        if (v > max)
            return false;
    }
    *out = v;
    *pp = p;
    return true;
}

static bool range(const char **pp, mb_range *r)
{
    const char *p = skip_ws(*pp);
    char sign = 0;
    if (*p == '<' || *p == '>')
        sign = *p++;
    uint32_t a, b;
    if (!num(&p, 65535, &a))
        return false;
    r->set = true;
    if (!sign && p[0] == '<' && p[1] == '>') {
        p += 2;
        if (!num(&p, 65535, &b))
            return false;
        r->lo = (uint16_t)a;
        r->hi = (uint16_t)b;
    } else if (sign == '<') {
        r->lo = 0;
        r->hi = (uint16_t)a;
    } else if (sign == '>') {
        r->lo = (uint16_t)a;
        r->hi = 65535;
    } else {
        r->lo = r->hi = (uint16_t)a;
    }
    *pp = p;
    return true;
}

static bool at_end(const char *p)
{
    return *skip_ws(p) == 0;
}

static bool comma(const char **pp)
{
    const char *p = skip_ws(*pp);
    if (*p != ',')
        return false;
    *pp = p + 1;
    return true;
}

static int parse_function(const char *p, mb_ctx *c, char *errbuf)
{
    if (!word(&p, "function"))
        return VG_DECLINED;
    p = skip_ws(p);
    uint32_t v;
    if (num(&p, 255, &v)) {
        if (v == 0)
            return vg_err(errbuf, VG_EINVAL, "invalid function 0");
        c->has_func = true;
        c->func = (uint8_t)v;
        if (comma(&p)) {
            if (!word(&p, "subfunction") || !num((p = skip_ws(p), &p), 65535, &v))
                return vg_err(errbuf, VG_EINVAL, "bad subfunction");
            c->has_sub = true;
            c->sub = (uint16_t)v;
        }
        return at_end(p) ? VG_OK : vg_err(errbuf, VG_EINVAL, "junk after function");
    }
    bool neg = false;
    if (*p == '!') {
        neg = true;
        p++;
    }
    static const struct { const char *n; uint8_t cat; } cats[] = {
        {"assigned", VG_MB_CAT_ASSIGNED}, {"unassigned", VG_MB_CAT_UNASSIGNED},
        {"public", VG_MB_CAT_ASSIGNED | VG_MB_CAT_UNASSIGNED}, {"user", VG_MB_CAT_USER},
        {"reserved", VG_MB_CAT_RESERVED}, {"all", 15},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(cats); i++) {
        const char *q = p;
        if (word(&q, cats[i].n) && at_end(q)) {
            c->category = neg ? (uint8_t)(~cats[i].cat & 15) : cats[i].cat;
            if (!c->category)
                c->category = 0x80; /* !all: nothing matches */
            return VG_OK;
        }
    }
    /* function names as EVE writes them (RdCoils...), a vigil extension */
    if (!neg) {
        size_t l = strcspn(p, " ,\t");
        for (unsigned f = 1; f < 128; f++) {
            const char *n = vg_modbus_func_name((uint8_t)f);
            if (strcmp(n, "Unknown") != 0 && strlen(n) == l && strncasecmp(n, p, l) == 0 &&
                at_end(p + l)) {
                c->has_func = true;
                c->func = (uint8_t)f;
                return VG_OK;
            }
        }
    }
    return vg_err(errbuf, VG_EINVAL, "unknown function \"%s\"", p);
}

static int parse_access(const char *p, mb_ctx *c, char *errbuf)
{
    if (!word(&p, "access"))
        return VG_DECLINED;
    if (word(&p, "read"))
        c->access = VG_MB_READ;
    else if (word(&p, "write"))
        c->access = VG_MB_WRITE;
    else
        return vg_err(errbuf, VG_EINVAL, "access needs read or write");
    static const struct { const char *n; uint8_t bit; } tbl[] = {
        {"discretes", VG_MB_DISCRETES}, {"coils", VG_MB_COILS}, {"input", VG_MB_INPUT},
        {"holding", VG_MB_HOLDING},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(tbl); i++)
        if (word(&p, tbl[i].n)) {
            if (c->access == VG_MB_WRITE && (tbl[i].bit & (VG_MB_DISCRETES | VG_MB_INPUT)))
                return vg_err(errbuf, VG_EINVAL, "%s access is only read access",
                              tbl[i].n);
            c->access |= tbl[i].bit;
            break;
        }
    if (comma(&p)) {
        if (!word(&p, "address") || !range(&p, &c->address))
            return vg_err(errbuf, VG_EINVAL, "bad address");
        if (comma(&p)) {
            if (!word(&p, "value") || !range(&p, &c->value))
                return vg_err(errbuf, VG_EINVAL, "bad value");
            if (c->address.lo != c->address.hi)
                return vg_err(errbuf, VG_EINVAL, "value needs one address, not a range");
            if (!(c->access & VG_MB_WRITE))
                return vg_err(errbuf, VG_EINVAL, "value only works with write access");
        }
    }
    return at_end(p) ? VG_OK : vg_err(errbuf, VG_EINVAL, "junk after access");
}

int vg_ics_modbus_parse_arg(const char *arg, void *out, char *errbuf);
int vg_ics_modbus_parse_arg(const char *arg, void *out, char *errbuf)
{
    mb_ctx *c = out;
    memset(c, 0, sizeof(*c));
    const char *p = arg;
    if (word(&p, "unit")) {
        if (!range(&p, &c->unit))
            return vg_err(errbuf, VG_EINVAL, "bad unit");
        if (at_end(p))
            return VG_OK;
        if (!comma(&p))
            return vg_err(errbuf, VG_EINVAL, "junk after unit");
        mb_range u = c->unit;
        int rc = parse_function(p, c, errbuf);
        if (rc == VG_DECLINED)
            rc = parse_access(p, c, errbuf);
        c->unit = u;
        return rc == VG_DECLINED ? vg_err(errbuf, VG_EINVAL, "invalid option \"%s\"", p)
                                 : rc;
    }
    int rc = parse_function(p, c, errbuf);
    if (rc == VG_DECLINED)
        rc = parse_access(p, c, errbuf);
    if (rc == VG_DECLINED)
        return vg_err(errbuf, VG_EINVAL, "expected function, access or unit");
    return rc;
}

extern const vg_keyword vg_ics_kw_modbus;

static int modbus_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char buf[256];
    if (!arg || vg_rule_unquote(arg, buf, sizeof buf) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "needs a value");
    mb_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    int rc = vg_ics_modbus_parse_arg(buf, c, errbuf);
    if (rc == VG_OK)
        rc = tie(s, VG_ALPROTO_MODBUS, "modbus", errbuf);
    if (rc != VG_OK) {
        free(c);
        return rc;
    }
    return append(s, &vg_ics_kw_modbus, c, errbuf);
}

int vg_ics_modbus_match(const void *ctx, const vg_modbus_msg *m);
int vg_ics_modbus_match(const void *ctx, const vg_modbus_msg *m)
{
    const mb_ctx *c = ctx;
    if (!m)
        return 0;
    if (c->unit.set && !rmatch(&c->unit, m->unit))
        return 0;
    if (c->access) {
        uint8_t rw = c->access & (VG_MB_READ | VG_MB_WRITE);
        uint8_t tbl = c->access & (VG_MB_DISCRETES | VG_MB_COILS | VG_MB_INPUT | VG_MB_HOLDING);
        if (!(m->access & rw) || (tbl && !(m->access & tbl)))
            return 0;
        if (!c->address.set)
            return 1;
        uint16_t a, q;
        if ((rw & VG_MB_WRITE) && m->has_write) {
            a = m->wr_addr;
            q = m->wr_kind == 2 ? m->wr_qty : 1;
        } else if (m->has_read) {
            a = m->rd_addr;
            q = m->rd_qty;
        } else {
            return 0;
        }
        uint32_t end = (uint32_t)a + (q ? q : 1) - 1;
        if (!rmatch_span(&c->address, a, (uint16_t)(end > 65535 ? 65535 : end)))
            return 0;
        if (!c->value.set)
            return 1;
        uint16_t v;
        return vg_modbus_write_value(m, c->address.lo, &v) == VG_OK && rmatch(&c->value, v);
    }
    if (c->category)
        return (m->category & c->category) != 0;
    if (c->has_func) {
        if (m->func != c->func)
            return 0;
        if (c->has_sub)
            return m->func == 8 && m->has_sub && m->sub == c->sub;
        return 1;
    }
    return 1;
}

static int modbus_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return vg_ics_modbus_match(sm->ctx, vg_ics_modbus_req(cur_tx(mc)));
}

const vg_keyword vg_ics_kw_modbus = {"modbus", NULL, VG_KW_QUOTES_OK, modbus_setup, modbus_match,
                                     free};

/* ---- dnp3 ---- */

typedef struct d3_ctx {
    uint16_t mask;              /* dnp3_ind */
    uint8_t a, b;               /* dnp3_func: a; dnp3_obj: group a, variation b */
} d3_ctx;

extern const vg_keyword vg_ics_kw_dnp3_func, vg_ics_kw_dnp3_ind, vg_ics_kw_dnp3_obj,
    vg_ics_kw_dnp3_data;

static int d3_setup(vg_sig *s, const char *arg, const vg_keyword *kw, char *errbuf)
{
    char buf[256];
    if (!arg || vg_rule_unquote(arg, buf, sizeof buf) != VG_OK || !buf[0])
        return vg_err(errbuf, VG_EINVAL, "needs a value");
    d3_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    const char *p = skip_ws(buf);
    uint32_t v, w;
    int rc = VG_OK;
    if (kw == &vg_ics_kw_dnp3_func) {
        if (num(&p, 255, &v) && at_end(p))
            c->a = (uint8_t)v;
        else if ((rc = vg_dnp3_func_lookup(skip_ws(buf))) >= 0)
            c->a = (uint8_t)rc, rc = VG_OK;
        else
            rc = vg_err(errbuf, VG_EINVAL, "unknown function \"%s\"", buf);
    } else if (kw == &vg_ics_kw_dnp3_obj) {
        if (num(&p, 255, &v) && comma(&p) && (p = skip_ws(p), num(&p, 255, &w)) && at_end(p)) {
            c->a = (uint8_t)v;
            c->b = (uint8_t)w;
        } else {
            rc = vg_err(errbuf, VG_EINVAL, "expected <group>,<variation>");
        }
    } else {
        for (char *tok = strtok(buf, ","); tok && rc == VG_OK; tok = strtok(NULL, ",")) {
            while (*tok == ' ')
                tok++;
            size_t l = strlen(tok);
            while (l && tok[l - 1] == ' ')
                tok[--l] = 0;
            int bit = vg_dnp3_iin_lookup(tok);
            if (bit < 0)
                rc = vg_err(errbuf, VG_EINVAL, "unknown indicator \"%s\"", tok);
            else
                c->mask |= (uint16_t)(1u << bit);
        }
        if (rc == VG_OK && !c->mask)
            rc = vg_err(errbuf, VG_EINVAL, "needs an indicator");
    }
    if (rc == VG_OK)
        rc = tie(s, VG_ALPROTO_DNP3, kw->name, errbuf);
    if (rc != VG_OK) {
        free(c);
        return rc;
    }
    return append(s, kw, c, errbuf);
}

static int func_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return d3_setup(s, arg, &vg_ics_kw_dnp3_func, errbuf);
}

static int ind_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return d3_setup(s, arg, &vg_ics_kw_dnp3_ind, errbuf);
}

static int obj_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return d3_setup(s, arg, &vg_ics_kw_dnp3_obj, errbuf);
}

static int func_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_dnp3_msg *m = vg_ics_dnp3_msg(cur_tx(mc));
    return m && m->fc == ((const d3_ctx *)sm->ctx)->a;
}

static int ind_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_dnp3_msg *m = vg_ics_dnp3_msg(cur_tx(mc));
    return m && m->has_iin && (m->iin & ((const d3_ctx *)sm->ctx)->mask) != 0;
}

static int obj_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_dnp3_msg *m = vg_ics_dnp3_msg(cur_tx(mc));
    const d3_ctx *c = sm->ctx;
    if (!m)
        return 0;
    for (uint32_t i = 0; i < m->nobjs; i++)
        if (m->objs[i].group == c->a && m->objs[i].variation == c->b)
            return 1;
    return 0;
}

static int data_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    int rc = tie(s, VG_ALPROTO_DNP3, "dnp3_data", errbuf);
    if (rc != VG_OK)
        return rc;
    return vg_rule_parser_set_buf(rp, s, VG_ABUF_DNP3_DATA, errbuf);
}

const vg_keyword vg_ics_kw_dnp3_func = {"dnp3_func", "dnp3.func", VG_KW_QUOTES_OK, func_setup,
                                        func_match, free};
const vg_keyword vg_ics_kw_dnp3_ind = {"dnp3_ind", "dnp3.ind", VG_KW_QUOTES_OK, ind_setup,
                                       ind_match, free};
const vg_keyword vg_ics_kw_dnp3_obj = {"dnp3_obj", "dnp3.obj", 0, obj_setup, obj_match, free};
const vg_keyword vg_ics_kw_dnp3_data = {"dnp3_data", "dnp3.data", VG_KW_NOOPT | VG_KW_STICKY,
                                        data_setup, NULL, NULL};

const vg_keyword *const vg_ics_keywords[] = {
    &vg_ics_kw_modbus, &vg_ics_kw_dnp3_func, &vg_ics_kw_dnp3_ind, &vg_ics_kw_dnp3_obj,
    &vg_ics_kw_dnp3_data, NULL,
};

int vg_ics_match_dir(const vg_keyword *kw)
{
    if (kw == &vg_ics_kw_modbus)
        return 0;
    if (kw == &vg_ics_kw_dnp3_func || kw == &vg_ics_kw_dnp3_ind || kw == &vg_ics_kw_dnp3_obj)
        return 2;
    return -1;
}
