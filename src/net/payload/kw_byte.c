/*
 * kw_byte.c: byte_test, byte_jump, byte_extract and byte_math: parsing and
 * evaluation.
 *
 * All four read <nbytes> at <offset> (from the buffer start, or from the
 * previous match with `relative`), either as a big/little endian binary
 * number (1..8 bytes) or as an ASCII number (`string`, base hex/dec/oct,
 * up to 23 characters).  byte_jump, byte_extract and byte_math move the
 * cursor to the end of what they read (byte_jump then jumps); byte_test
 * does not.  byte_extract and byte_math store into a named variable that
 * later keywords use in place of a number.  `dce` needs DCERPC parsing and
 * is reported as unsupported.  Offsets are bounded to +-65535 as in
 * Suricata; every read is bounds-checked against the buffer.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net/payload/payload_int.h"

#define ARGS_MAX 16
#define ARG_COPY 512


static void byte_free(void *ctx)
{
    free(ctx);
}

static pl_byte *byte_new(uint8_t kind)
{
    pl_byte *bd = calloc(1, sizeof *bd);
    if (!bd)
        return NULL;
    bd->h.kind = kind;
    bd->nbytes.var = bd->offset.var = bd->value.var = -1;
    bd->result_var = -1;
    bd->multiplier = 1;
    return bd;
}

static int copy_args(const char *arg, char *buf, char **f, const char *kw, char *errbuf)
{
    (void)kw;
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "needs arguments");
    size_t n = strlen(arg);
    if (n >= ARG_COPY)
        return vg_err(errbuf, VG_EINVAL, "argument too long");
    memcpy(buf, arg, n + 1);
    int nf = pl_split(buf, f, ARGS_MAX);
    if (nf < 0)
        return vg_err(errbuf, VG_EINVAL, "too many options");
    return nf;
}

/* Parse the bitmask value (hex, with or without 0x). */
static int parse_bitmask(const char *v, pl_byte *bd, const char *kw, char *errbuf)
{
    (void)kw;
    while (isspace((unsigned char)*v))
        v++;
    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
        v += 2;
    char *end;
    if (!isxdigit((unsigned char)*v))
        return vg_err(errbuf, VG_EINVAL, "invalid bitmask");
    unsigned long long m = strtoull(v, &end, 16);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || m == 0 || m > 0xffffffffull)
        return vg_err(errbuf, VG_EINVAL, "invalid bitmask");
    bd->bitmask = m;
    bd->flags |= PLB_BITMASK;
    bd->shift = 0;
    while (!(m & 1)) {
        m >>= 1;
        bd->shift++;
    }
    return VG_OK;
}

static int parse_base(const char *v, pl_byte *bd)
{
    if (strcasecmp(v, "hex") == 0)
        bd->base = 16;
    else if (strcasecmp(v, "dec") == 0)
        bd->base = 10;
    else if (strcasecmp(v, "oct") == 0)
        bd->base = 8;
    else
        return -1;
    return 0;
}

/* Options common to byte_test, byte_jump and byte_extract.  Returns 1 when
 * handled, 0 when not recognised, negative on error. */
static int common_opt(const char *o, pl_byte *bd, const char *kw, char *errbuf)
{
    (void)kw;
    if (strcmp(o, "relative") == 0) {
        bd->flags |= PLB_RELATIVE;
    } else if (strcasecmp(o, "big") == 0) {
        bd->flags &= ~(uint32_t)PLB_LITTLE;
    } else if (strcasecmp(o, "little") == 0) {
        bd->flags |= PLB_LITTLE;
    } else if (strcasecmp(o, "string") == 0) {
        bd->flags |= PLB_STRING;
    } else if (strncasecmp(o, "string ", 7) == 0) {
        bd->flags |= PLB_STRING;
        if (parse_base(pl_trim((char *)o + 7), bd) != 0)
            return vg_err(errbuf, VG_EINVAL, "unknown string base '%s'", o + 7);
    } else if (parse_base(o, bd) == 0) {
        ;
    } else if (strcasecmp(o, "dce") == 0) {
        return vg_err(errbuf, VG_ENOTSUP, "'dce' needs DCERPC parsing (not supported yet)");
    } else if (strncasecmp(o, "bitmask ", 8) == 0 || strncasecmp(o, "bitmask\t", 8) == 0) {
        return parse_bitmask(o + 8, bd, kw, errbuf) == VG_OK ? 1 : VG_EINVAL;
    } else {
        return 0;
    }
    return 1;
}

static int check_nbytes(pl_byte *bd, const char *kw, int maxbin, int maxstr, bool zero_ok,
                        char *errbuf)
{
    (void)kw;
    if (bd->base && !(bd->flags & PLB_STRING))
        return vg_err(errbuf, VG_EINVAL, "a base needs 'string'");
    if (bd->nbytes.var >= 0)
        return VG_OK;
    int64_t n = bd->nbytes.v;
    int max = (bd->flags & PLB_STRING) ? maxstr : maxbin;
    if (n > max || (n == 0 && !zero_ok))
        return vg_err(errbuf, VG_EINVAL, "can't read %lld bytes%s (1..%d)", (long long)n,
                      (bd->flags & PLB_STRING) ? " as a string" : "", max);
    return VG_OK;
}

static int append(vg_rule_parser *rp, vg_sig *s, const vg_keyword *kw, pl_byte *bd,
                  char *errbuf)
{
    vg_sm *sm = vg_sig_append_buf(rp, s, kw, bd);
    if (!sm) {
        free(bd);
        return vg_err(errbuf, VG_ENOMEM, "cannot append");
    }
    if (bd->flags & PLB_RELATIVE)
        pl_mark_anchor(sm, PL_NEXT_DISTANCE | PL_NEXT_WITHIN);
    return VG_OK;
}

static int byte_test_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char buf[ARG_COPY], *f[ARGS_MAX];
    int nf = copy_args(arg, buf, f, "byte_test", errbuf);
    if (nf < 0)
        return nf;
    if (nf < 4)
        return vg_err(errbuf, VG_EINVAL, "expected nbytes, operator, value, offset");
    pl_byte *bd = byte_new(PL_BYTE_TEST);
    if (!bd)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    int rc = VG_EINVAL;
    if (pl_parse_num(rp, f[0], 0, 23, &bd->nbytes, "nbytes", errbuf) != 0)
        goto fail;
    const char *op = f[1];
    if (*op == '!') {
        bd->flags |= PLB_NEGATE;
        op++;
    }
    while (isspace((unsigned char)*op))
        op++;
    if (*op == '\0' || strcmp(op, "=") == 0)
        bd->op = PLOP_EQ;
    else if (strcmp(op, "<") == 0)
        bd->op = PLOP_LT;
    else if (strcmp(op, ">") == 0)
        bd->op = PLOP_GT;
    else if (strcmp(op, "<=") == 0)
        bd->op = PLOP_LE;
    else if (strcmp(op, ">=") == 0)
        bd->op = PLOP_GE;
    else if (strcmp(op, "&") == 0)
        bd->op = PLOP_AND;
    else if (strcmp(op, "^") == 0)
        bd->op = PLOP_XOR;
    else {
        vg_err(errbuf, VG_EINVAL, "unknown operator '%s'", f[1]);
        goto fail;
    }
    if (*f[1] != '!' && *op == '\0') {
        vg_err(errbuf, VG_EINVAL, "missing operator");
        goto fail;
    }
    if (isalpha((unsigned char)*f[2])) {
        if (pl_parse_num(rp, f[2], 0, 0, &bd->value, "value", errbuf) != 0)
            goto fail;
    } else {
        /* values are u64; parse separately to keep the full range */
        const char *v = f[2];
        char *end;
        int base = (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) ? 16 : 10;
        if (!isxdigit((unsigned char)(base == 16 ? v[2] : v[0]))) {
            vg_err(errbuf, VG_EINVAL, "invalid value '%s'", v);
            goto fail;
        }
        unsigned long long x = strtoull(base == 16 ? v + 2 : v, &end, base);
        if (*end) {
            vg_err(errbuf, VG_EINVAL, "invalid value '%s'", v);
            goto fail;
        }
        bd->value.v = (int64_t)x;
    }
    if (pl_parse_num(rp, f[3], -65535, 65535, &bd->offset, "offset", errbuf) != 0)
        goto fail;
    for (int i = 4; i < nf; i++) {
        int r = common_opt(f[i], bd, "byte_test", errbuf);
        if (r < 0) {
            rc = r;
            goto fail;
        }
        if (r == 0) {
            vg_err(errbuf, VG_EINVAL, "unknown option '%s'", f[i]);
            goto fail;
        }
    }
    /* byte_test:0,...,string reads the whole rest of the buffer (up to 23
     * characters), as used on buffers like http.content_len */
    if ((rc = check_nbytes(bd, "byte_test", 8, 23, (bd->flags & PLB_STRING) != 0, errbuf)) !=
        VG_OK)
        goto fail;
    return append(rp, s, &vg_pl_kw_byte_test, bd, errbuf);
fail:
    free(bd);
    return rc;
}

static int byte_jump_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char buf[ARG_COPY], *f[ARGS_MAX];
    int nf = copy_args(arg, buf, f, "byte_jump", errbuf);
    if (nf < 0)
        return nf;
    if (nf < 2)
        return vg_err(errbuf, VG_EINVAL, "expected nbytes, offset");
    pl_byte *bd = byte_new(PL_BYTE_JUMP);
    if (!bd)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    int rc = VG_EINVAL;
    if (pl_parse_num(rp, f[0], 0, 23, &bd->nbytes, "nbytes", errbuf) != 0 ||
        pl_parse_num(rp, f[1], -65535, 65535, &bd->offset, "offset", errbuf) != 0)
        goto fail;
    for (int i = 2; i < nf; i++) {
        int r = common_opt(f[i], bd, "byte_jump", errbuf);
        if (r < 0) {
            rc = r;
            goto fail;
        }
        if (r == 1)
            continue;
        int64_t v;
        if (strcasecmp(f[i], "align") == 0) {
            bd->flags |= PLB_ALIGN;
        } else if (strcasecmp(f[i], "from_beginning") == 0) {
            bd->flags |= PLB_BEGIN;
        } else if (strcasecmp(f[i], "from_end") == 0) {
            bd->flags |= PLB_END;
        } else if (strncasecmp(f[i], "multiplier ", 11) == 0) {
            if (pl_parse_int(f[i] + 11, 1, 65535, &v) != 0) {
                vg_err(errbuf, VG_EINVAL, "invalid multiplier");
                goto fail;
            }
            bd->multiplier = (uint32_t)v;
        } else if (strncasecmp(f[i], "post_offset ", 12) == 0) {
            if (pl_parse_int(f[i] + 12, -65535, 65535, &v) != 0) {
                vg_err(errbuf, VG_EINVAL, "invalid post_offset");
                goto fail;
            }
            bd->post_offset = (int32_t)v;
        } else {
            vg_err(errbuf, VG_EINVAL, "unknown option '%s'", f[i]);
            goto fail;
        }
    }
    if ((bd->flags & PLB_BEGIN) && (bd->flags & PLB_END)) {
        vg_err(errbuf, VG_EINVAL, "from_beginning and from_end are exclusive");
        goto fail;
    }
    if ((rc = check_nbytes(bd, "byte_jump", 8, 23, true, errbuf)) != VG_OK)
        goto fail;
    return append(rp, s, &vg_pl_kw_byte_jump, bd, errbuf);
fail:
    free(bd);
    return rc;
}

static int result_var(vg_rule_parser *rp, const char *name, pl_byte *bd, const char *kw,
                      char *errbuf)
{
    (void)kw;
    if (!isalpha((unsigned char)*name))
        return vg_err(errbuf, VG_EINVAL, "'%s' is not a variable name", name);
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
            return vg_err(errbuf, VG_EINVAL, "'%s' is not a variable name", name);
    int idx = vg_rule_parser_var(rp, name, true);
    if (idx < 0 || idx >= VG_MAX_BYTE_VARS)
        return vg_err(errbuf, VG_ELIMIT, "too many byte variables (max %d)",
                      VG_MAX_BYTE_VARS);
    bd->result_var = (int16_t)idx;
    return VG_OK;
}

static int byte_extract_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char buf[ARG_COPY], *f[ARGS_MAX];
    int nf = copy_args(arg, buf, f, "byte_extract", errbuf);
    if (nf < 0)
        return nf;
    if (nf < 3)
        return vg_err(errbuf, VG_EINVAL, "expected nbytes, offset, name");
    pl_byte *bd = byte_new(PL_BYTE_EXTRACT);
    if (!bd)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    int rc = VG_EINVAL;
    int64_t v;
    if (pl_parse_int(f[0], 0, 23, &v) != 0) {
        vg_err(errbuf, VG_EINVAL, "invalid nbytes '%s'", f[0]);
        goto fail;
    }
    bd->nbytes.v = v;
    if (pl_parse_int(f[1], -65535, 65535, &v) != 0) {
        vg_err(errbuf, VG_EINVAL, "invalid offset '%s'", f[1]);
        goto fail;
    }
    bd->offset.v = v;
    for (int i = 3; i < nf; i++) {
        int r = common_opt(f[i], bd, "byte_extract", errbuf);
        if (r < 0) {
            rc = r;
            goto fail;
        }
        if (r == 1)
            continue;
        if (strncasecmp(f[i], "multiplier ", 11) == 0) {
            if (pl_parse_int(f[i] + 11, 1, 65535, &v) != 0) {
                vg_err(errbuf, VG_EINVAL, "invalid multiplier");
                goto fail;
            }
            bd->multiplier = (uint32_t)v;
        } else if (strncasecmp(f[i], "align ", 6) == 0) {
            if (pl_parse_int(f[i] + 6, 2, 4, &v) != 0 || v == 3) {
                vg_err(errbuf, VG_EINVAL, "align must be 2 or 4");
                goto fail;
            }
            bd->align = (uint8_t)v;
        } else {
            vg_err(errbuf, VG_EINVAL, "unknown option '%s'", f[i]);
            goto fail;
        }
    }
    if (bd->flags & PLB_BITMASK) {
        vg_err(errbuf, VG_EINVAL, "bitmask is not an option of byte_extract");
        goto fail;
    }
    if ((rc = check_nbytes(bd, "byte_extract", 8, 23, false, errbuf)) != VG_OK)
        goto fail;
    if ((bd->flags & PLB_STRING) && !bd->base)
        bd->base = 10; /* byte_extract's default base (byte_test/jump detect it) */
    rc = VG_EINVAL;
    if ((rc = result_var(rp, f[2], bd, "byte_extract", errbuf)) != VG_OK)
        goto fail;
    return append(rp, s, &vg_pl_kw_byte_extract, bd, errbuf);
fail:
    free(bd);
    return rc;
}

static int byte_math_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char buf[ARG_COPY], *f[ARGS_MAX];
    int nf = copy_args(arg, buf, f, "byte_math", errbuf);
    if (nf < 0)
        return nf;
    pl_byte *bd = byte_new(PL_BYTE_MATH);
    if (!bd)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    int rc = VG_EINVAL;
    bool have_bytes = false, have_off = false, have_rv = false;
    const char *result = NULL;
    for (int i = 0; i < nf; i++) {
        char *o = f[i];
        char *sp = o;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        char *val = *sp ? pl_trim(sp + 1) : sp;
        if (*sp)
            *sp = '\0';
        if (strcmp(o, "bytes") == 0) {
            if (pl_parse_num(rp, val, 1, 10, &bd->nbytes, "bytes", errbuf) != 0)
                goto fail;
            have_bytes = true;
        } else if (strcmp(o, "offset") == 0) {
            if (pl_parse_num(rp, val, -65535, 65535, &bd->offset, "offset", errbuf) != 0)
                goto fail;
            have_off = true;
        } else if (strcmp(o, "oper") == 0) {
            if (strcmp(val, "+") == 0) bd->op = PLOP_ADD;
            else if (strcmp(val, "-") == 0) bd->op = PLOP_SUB;
            else if (strcmp(val, "*") == 0) bd->op = PLOP_MUL;
            else if (strcmp(val, "/") == 0) bd->op = PLOP_DIV;
            else if (strcmp(val, "<<") == 0) bd->op = PLOP_SHL;
            else if (strcmp(val, ">>") == 0) bd->op = PLOP_SHR;
            else {
                vg_err(errbuf, VG_EINVAL, "unknown oper '%s'", val);
                goto fail;
            }
        } else if (strcmp(o, "rvalue") == 0) {
            if (pl_parse_num(rp, val, 0, UINT32_MAX, &bd->value, "rvalue", errbuf) != 0)
                goto fail;
            have_rv = true;
        } else if (strcmp(o, "result") == 0) {
            result = val;
        } else if (strcmp(o, "relative") == 0 && !*val) {
            bd->flags |= PLB_RELATIVE;
        } else if (strcmp(o, "endian") == 0) {
            if (strcmp(val, "big") == 0) {
                bd->flags &= ~(uint32_t)PLB_LITTLE;
            } else if (strcmp(val, "little") == 0) {
                bd->flags |= PLB_LITTLE;
            } else if (strcmp(val, "dce") == 0) {
                rc = vg_err(errbuf, VG_ENOTSUP, "'dce' needs DCERPC parsing");
                goto fail;
            } else {
                vg_err(errbuf, VG_EINVAL, "unknown endian '%s'", val);
                goto fail;
            }
        } else if (strcmp(o, "string") == 0) {
            bd->flags |= PLB_STRING;
            if (parse_base(val, bd) != 0) {
                vg_err(errbuf, VG_EINVAL, "unknown string base '%s'", val);
                goto fail;
            }
        } else if (strcmp(o, "dce") == 0 && !*val) {
            rc = vg_err(errbuf, VG_ENOTSUP, "'dce' needs DCERPC parsing");
            goto fail;
        } else if (strcmp(o, "bitmask") == 0) {
            if (parse_bitmask(val, bd, "byte_math", errbuf) != VG_OK)
                goto fail;
        } else {
            vg_err(errbuf, VG_EINVAL, "unknown option '%s'", o);
            goto fail;
        }
    }
    if (!have_bytes || !have_off || !bd->op || !have_rv || !result) {
        vg_err(errbuf, VG_EINVAL, "bytes, offset, oper, rvalue and result are required");
        goto fail;
    }
    if ((bd->flags & PLB_STRING) && !bd->base)
        bd->base = 10;
    if ((bd->op == PLOP_SHL || bd->op == PLOP_SHR) && bd->nbytes.var < 0 && bd->nbytes.v > 4) {
        vg_err(errbuf, VG_EINVAL, "bytes must be 1..4 with << and >>");
        goto fail;
    }
    if ((rc = result_var(rp, result, bd, "byte_math", errbuf)) != VG_OK)
        goto fail;
    return append(rp, s, &vg_pl_kw_byte_math, bd, errbuf);
fail:
    free(bd);
    return rc;
}

static int64_t num_val(const vg_inspect_ctx *ic, pl_num n)
{
    if (n.var < 0)
        return n.v;
    uint64_t v = ic->vars[n.var];
    return v > (uint64_t)INT32_MAX ? INT32_MAX : (int64_t)v;
}

int pl_byte_exec(vg_inspect_ctx *ic, const pl_byte *bd, const uint8_t *buf, uint32_t len,
                 uint32_t *off)
{
    int64_t nbytes = num_val(ic, bd->nbytes);
    int64_t offset = num_val(ic, bd->offset);
    bool string = bd->flags & PLB_STRING;
    if (nbytes < 0 || nbytes > (string ? 23 : 8))
        return 0;
    if (bd->h.kind == PL_BYTE_JUMP || bd->h.kind == PL_BYTE_MATH) {
        if (len == 0)
            return 0;
    }
    int64_t pos = offset;
    if (bd->flags & PLB_RELATIVE) {
        pos += *off;
        if ((nbytes || bd->h.kind != PL_BYTE_JUMP) && (int64_t)len - pos <= 0)
            return 0;
    }
    if (pos < 0 || nbytes > (int64_t)len - pos)
        return 0;
    const uint8_t *p = buf + pos;
    uint64_t val = 0;
    if (nbytes == 0 && string && bd->h.kind == PL_BYTE_TEST) {
        nbytes = (int64_t)len - pos;
        if (nbytes == 0 || nbytes > 23)
            return 0;
    }
    int ext = pl_extract(p, len - (uint32_t)pos, (int)nbytes, string, bd->base,
                         bd->flags & PLB_LITTLE, &val);
    if (ext < 0)
        return 0;
    switch (bd->h.kind) {
    case PL_BYTE_TEST: {
        if (bd->flags & PLB_BITMASK) {
            val &= bd->bitmask;
            val >>= bd->shift;
        }
        uint64_t v = bd->value.var >= 0 ? ic->vars[bd->value.var] : (uint64_t)bd->value.v;
        bool m = false;
        switch (bd->op) {
        case PLOP_LT: m = val < v; break;
        case PLOP_GT: m = val > v; break;
        case PLOP_EQ: m = val == v; break;
        case PLOP_LE: m = val <= v; break;
        case PLOP_GE: m = val >= v; break;
        case PLOP_AND: m = (val & v) != 0; break;
        case PLOP_XOR: m = (val ^ v) != 0; break;
        default: break;
        }
        if (bd->flags & PLB_NEGATE)
            m = !m;
        return m;
    }
    case PL_BYTE_JUMP: {
        if (bd->flags & PLB_BITMASK) {
            val &= bd->bitmask;
            val >>= bd->shift;
        }
        if (val > (uint64_t)INT32_MAX)
            return 0; /* far beyond any buffer */
        int64_t j = (int64_t)val * bd->multiplier;
        if ((bd->flags & PLB_ALIGN) && j % 4)
            j += 4 - j % 4;
        j += bd->post_offset;
        int64_t to;
        if (bd->flags & PLB_BEGIN)
            to = j;
        else if (bd->flags & PLB_END)
            to = (int64_t)len + j;
        else
            to = pos + ext + j;
        if (to < 0)
            to = 0;
        else if (to > (int64_t)len)
            return 0;
        *off = (uint32_t)to;
        return 1;
    }
    case PL_BYTE_EXTRACT: {
        val *= bd->multiplier;
        if (bd->align && val % bd->align)
            val += bd->align - val % bd->align;
        ic->vars[bd->result_var] = val;
        *off = (uint32_t)(pos + ext);
        return 1;
    }
    case PL_BYTE_MATH: {
        uint64_t rv = bd->value.var >= 0 ? ic->vars[bd->value.var] : (uint64_t)bd->value.v;
        switch (bd->op) {
        case PLOP_ADD: val += rv; break;
        case PLOP_SUB: val -= rv; break;
        case PLOP_MUL: val *= rv; break;
        case PLOP_DIV:
            if (rv == 0)
                return 0;
            val /= rv;
            break;
        case PLOP_SHL: val = rv >= 64 ? 0 : val << rv; break;
        case PLOP_SHR: val = rv >= 64 ? 0 : val >> rv; break;
        default: break;
        }
        if (bd->flags & PLB_BITMASK) {
            val &= bd->bitmask;
            if (val)
                val >>= bd->shift;
        }
        ic->vars[bd->result_var] = val;
        *off = (uint32_t)(pos + ext);
        return 1;
    }
    default:
        return 0;
    }
}

const vg_keyword vg_pl_kw_byte_test = {
    .name = "byte_test", .flags = VG_KW_PAYLOAD, .setup = byte_test_setup, .free = byte_free,
};
const vg_keyword vg_pl_kw_byte_jump = {
    .name = "byte_jump", .flags = VG_KW_PAYLOAD, .setup = byte_jump_setup, .free = byte_free,
};
const vg_keyword vg_pl_kw_byte_extract = {
    .name = "byte_extract", .flags = VG_KW_PAYLOAD, .setup = byte_extract_setup,
    .free = byte_free,
};
const vg_keyword vg_pl_kw_byte_math = {
    .name = "byte_math", .flags = VG_KW_PAYLOAD, .setup = byte_math_setup, .free = byte_free,
};

