/*
 * file_keywords.c: rule keywords on files (Suricata 8's file keywords).
 *
 *   file.name, file.magic      sticky buffers (multi: one entry per file of
 *                              the transaction)
 *   (file.data to the server)  multi: the content of each request file
 *                              (VG_FILE_DATA_BUF; the keyword is app_keywords.c's)
 *   filename:"x"               content "x" in file.name (nocase may follow)
 *   fileext:"x"                content ".x" at the end of file.name, nocase
 *   filemagic:"x"              content "x" in file.magic (nocase may follow)
 *   filesize:<uint>            a file of the transaction has that size
 *                              (CLOSED files; another only for '>', '>=')
 *   filemd5/filesha1/filesha256:[!]list   a closed file's hash is (not) in
 *                              the list file (one hex hash per line, '#'
 *                              comments; path absolute or relative to the
 *                              rule file's directory, then the cwd)
 *   filestore[:dir[,scope]]    after the whole rule matched: store the
 *                              files (dir: request/to_server, response/
 *                              to_client, both; scope: file, tx, ssn)
 *
 * The value keywords test the files of the transaction being inspected
 * (any file satisfying the keyword); they do not tie the rule to one file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/app/app_detect.h"
#include "net/app/app_int.h"
#include "net/app/file.h"
#include "net/detect/detect_int.h"

#define HASHES_MAX (4u << 20)   /* entries per hash list */

static vg_app_tx *cur_tx(const vg_match_ctx *mc)
{
    return mc->dt ? mc->dt->app_tx : NULL;
}

static void need_flow(vg_sig *s)
{
    s->flags |= VG_SIG_APPLAYER | VG_SIG_NEED_FLOW;
}

/* ---- buffers ---- */

int vg_file_get_buffer(const vg_app_tx *tx, uint16_t id, uint32_t idx, const uint8_t **d,
                       uint32_t *n)
{
    if (!tx)
        return VG_DECLINED;
    if (id == VG_FILE_DATA_BUF) {
        /* file.data to the server: the idx-th request file with content */
        for (vg_file *f = tx->files ? tx->files->head : NULL; f; f = f->next) {
            if (f->toclient || !f->data_len || idx-- > 0)
                continue;
            *d = f->data;
            *n = f->data_len;
            return VG_OK;
        }
        return VG_DECLINED;
    }
    if (id != VG_ABUF_FILE_NAME && id != VG_ABUF_FILE_MAGIC)
        return VG_DECLINED;
    vg_file *f = vg_file_list_get(tx->files, idx);
    if (!f)
        return VG_DECLINED;
    if (id == VG_ABUF_FILE_NAME) {
        *d = (const uint8_t *)f->name;
        *n = f->name_len;
        return VG_OK;
    }
    const char *m = vg_file_magic(f);
    if (!m[0] && f->state == VG_FILE_OPEN)
        return VG_DECLINED;
    *d = (const uint8_t *)m;
    *n = (uint32_t)strlen(m);
    return VG_OK;
}

static int set_buf(vg_rule_parser *rp, vg_sig *s, uint16_t id, char *errbuf)
{
    need_flow(s);
    return vg_rule_parser_set_buf(rp, s, id, errbuf);
}

static int file_name_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    return set_buf(rp, s, VG_ABUF_FILE_NAME, errbuf);
}

static int file_magic_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    return set_buf(rp, s, VG_ABUF_FILE_MAGIC, errbuf);
}

const vg_keyword vg_file_kw_file_name = {"file.name", NULL, VG_KW_NOOPT | VG_KW_STICKY,
                                         file_name_setup, NULL, NULL};
const vg_keyword vg_file_kw_file_magic = {"file.magic", NULL, VG_KW_NOOPT | VG_KW_STICKY,
                                          file_magic_setup, NULL, NULL};

/* content arg into buffer id, then the named modifiers */
static int content_in(vg_rule_parser *rp, vg_sig *s, uint16_t id, const char *arg,
                      const char *const *mods, const char *kwname, char *errbuf)
{
    const vg_keyword *content = vg_keyword_find("content");
    if (!content)
        return vg_err(errbuf, VG_ENOTSUP, "%s: no content keyword", kwname);
    if (!arg || !arg[0])
        return vg_err(errbuf, VG_EINVAL, "%s needs a value", kwname);
    int rc = set_buf(rp, s, id, errbuf);
    if (rc == VG_OK)
        rc = content->setup(rp, s, arg, errbuf);
    for (int i = 0; rc == VG_OK && mods && mods[i]; i++) {
        const vg_keyword *m = vg_keyword_find(mods[i]);
        if (!m)
            return vg_err(errbuf, VG_ENOTSUP, "%s: no %s keyword", kwname, mods[i]);
        rc = m->setup(rp, s, NULL, errbuf);
    }
    return rc;
}

static int filename_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return content_in(rp, s, VG_ABUF_FILE_NAME, arg, NULL, "filename", errbuf);
}

static int filemagic_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return content_in(rp, s, VG_ABUF_FILE_MAGIC, arg, NULL, "filemagic", errbuf);
}

static int fileext_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char ext[256];
    if (!arg || vg_rule_unquote(arg, ext, sizeof ext) != 0 || !ext[0])
        return vg_err(errbuf, VG_EINVAL, "fileext: needs an extension");
    bool neg = ext[0] == '!';
    const char *e = neg ? ext + 1 : ext;
    for (const char *c = e; *c; c++)
        if (*c == '"' || *c == ';' || *c == '|' || *c == '\\' || (unsigned char)*c < 0x20)
            return vg_err(errbuf, VG_EINVAL, "fileext: unsupported character in \"%s\"", e);
    char carg[300];
    snprintf(carg, sizeof carg, "%s\".%s\"", neg ? "!" : "", e);
    static const char *const mods[] = {"endswith", "nocase", NULL};
    return content_in(rp, s, VG_ABUF_FILE_NAME, carg, mods, "fileext", errbuf);
}

const vg_keyword vg_file_kw_filename = {"filename", NULL, VG_KW_PAYLOAD | VG_KW_QUOTES_OK,
                                        filename_setup, NULL, NULL};
const vg_keyword vg_file_kw_fileext = {"fileext", NULL, VG_KW_PAYLOAD | VG_KW_QUOTES_OK,
                                       fileext_setup, NULL, NULL};
const vg_keyword vg_file_kw_filemagic = {"filemagic", NULL, VG_KW_PAYLOAD | VG_KW_QUOTES_OK,
                                         filemagic_setup, NULL, NULL};

/* ---- filesize ---- */

extern const vg_keyword vg_file_kw_filesize;

static int filesize_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    /* sizes may carry a unit: 10KB, 1MB, 2GB */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", arg ? arg : "");
    vg_uint *u = vg_uint_new(buf, UINT64_MAX, errbuf);
    if (!u)
        return VG_EINVAL;
    need_flow(s);
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_file_kw_filesize, u)) {
        free(u);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

static int filesize_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_uint *u = sm->ctx;
    vg_app_tx *tx = cur_tx(mc);
    /* as Suricata: a CLOSED file's size is final; of a TRUNCATED or ERROR
     * one, only "more than" can be told (and of one still open, which the
     * flow's end will cut short) */
    bool gt = u->mode == VG_U_GT || u->mode == VG_U_GE;
    for (vg_file *f = tx && tx->files ? tx->files->head : NULL; f; f = f->next)
        if ((f->state == VG_FILE_CLOSED || gt) && vg_uint_match(u, f->size))
            return 1;
    return 0;
}

const vg_keyword vg_file_kw_filesize = {"filesize", NULL, 0, filesize_setup, filesize_match, free};

/* ---- hash lists ---- */

typedef struct hash_list {
    int which;                  /* 0 md5, 1 sha1, 2 sha256 */
    bool neg;
    uint32_t len;               /* digest bytes */
    uint8_t *h;                 /* n sorted digests */
    uint32_t n;
} hash_list;

static void hash_list_free(void *p)
{
    hash_list *hl = p;
    if (hl)
        free(hl->h);
    free(hl);
}

static int unhex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static uint32_t g_cmp_len;
static int cmp_hash(const void *a, const void *b)
{
    return memcmp(a, b, g_cmp_len);
}

static FILE *open_list(const vg_rule_parser *rp, const char *name, char *used, size_t usz)
{
    if (name[0] != '/' && rp && rp->file) {
        const char *slash = strrchr(rp->file, '/');
        if (slash) {
            snprintf(used, usz, "%.*s/%s", (int)(slash - rp->file), rp->file, name);
            FILE *f = fopen(used, "r");
            if (f)
                return f;
        }
    }
    snprintf(used, usz, "%s", name);
    return fopen(used, "r");
}

static int hash_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf, int which,
                      const vg_keyword *kw)
{
    static const uint32_t lens[3] = {16, 20, 32};
    char name[1024];
    if (!arg || vg_rule_unquote(arg, name, sizeof name) != 0 || !name[0])
        return vg_err(errbuf, VG_EINVAL, "%s: needs a file name", kw->name);
    hash_list *hl = calloc(1, sizeof(*hl));
    if (!hl)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    hl->which = which;
    hl->len = lens[which];
    const char *fname = name;
    if (*fname == '!') {
        hl->neg = true;
        fname++;
    }
    char path[2048];
    FILE *fp = open_list(rp, fname, path, sizeof path);
    if (!fp) {
        free(hl);
        return vg_err(errbuf, VG_EINVAL, "%s: cannot open hash list %s", kw->name, fname);
    }
    char line[512];
    uint32_t cap = 0, lineno = 0;
    int rc = VG_OK;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        char *e = p;
        while (*e && !isspace((unsigned char)*e))
            e++;
        *e = 0;
        if (strlen(p) != 2u * hl->len) {
            rc = vg_err(errbuf, VG_EINVAL, "%s:%u: not a %u-hex-digit hash", path, lineno,
                        2u * hl->len);
            break;
        }
        if (hl->n >= HASHES_MAX) {
            rc = vg_err(errbuf, VG_EINVAL, "%s: more than %u hashes", path, HASHES_MAX);
            break;
        }
        if (hl->n == cap) {
            uint32_t nc = cap ? cap * 2 : 64;
            uint8_t *nh = realloc(hl->h, (size_t)nc * hl->len);
            if (!nh) {
                rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
                break;
            }
            hl->h = nh;
            cap = nc;
        }
        uint8_t *dst = hl->h + (size_t)hl->n * hl->len;
        bool ok = true;
        for (uint32_t i = 0; i < hl->len; i++) {
            int hi = unhex(p[2 * i]), lo = unhex(p[2 * i + 1]);
            if (hi < 0 || lo < 0)
                ok = false;
            dst[i] = (uint8_t)((hi << 4) | (lo & 15));
        }
        if (!ok) {
            rc = vg_err(errbuf, VG_EINVAL, "%s:%u: not a hex hash", path, lineno);
            break;
        }
        hl->n++;
    }
    fclose(fp);
    if (rc == VG_OK && hl->n == 0)
        rc = vg_err(errbuf, VG_EINVAL, "%s: no hashes", path);
    if (rc != VG_OK) {
        hash_list_free(hl);
        return rc;
    }
    g_cmp_len = hl->len;
    qsort(hl->h, hl->n, hl->len, cmp_hash);
    vg_files_want_hash(1u << which); /* files opened from now on compute it */
    need_flow(s);
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, hl)) {
        hash_list_free(hl);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

static bool in_list(const hash_list *hl, const uint8_t *d)
{
    uint32_t lo = 0, hi = hl->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(hl->h + (size_t)mid * hl->len, d, hl->len);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static int hash_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const hash_list *hl = sm->ctx;
    vg_app_tx *tx = cur_tx(mc);
    for (vg_file *f = tx && tx->files ? tx->files->head : NULL; f; f = f->next) {
        if (!f->hashed || !(f->hmask & (1u << hl->which)))
            continue;
        const uint8_t *d = hl->which == 0 ? f->md5 : hl->which == 1 ? f->sha1 : f->sha256;
        if (in_list(hl, d) != hl->neg)
            return 1;
    }
    return 0;
}

extern const vg_keyword vg_file_kw_filemd5, vg_file_kw_filesha1, vg_file_kw_filesha256;

static int md5_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return hash_setup(rp, s, arg, errbuf, 0, &vg_file_kw_filemd5);
}
static int sha1_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return hash_setup(rp, s, arg, errbuf, 1, &vg_file_kw_filesha1);
}
static int sha256_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return hash_setup(rp, s, arg, errbuf, 2, &vg_file_kw_filesha256);
}

const vg_keyword vg_file_kw_filemd5 = {"filemd5", NULL, VG_KW_QUOTES_OK, md5_setup, hash_match,
                                       hash_list_free};
const vg_keyword vg_file_kw_filesha1 = {"filesha1", NULL, VG_KW_QUOTES_OK, sha1_setup, hash_match,
                                        hash_list_free};
const vg_keyword vg_file_kw_filesha256 = {"filesha256", NULL, VG_KW_QUOTES_OK, sha256_setup,
                                          hash_match, hash_list_free};

/* ---- filestore ---- */

typedef struct store_ctx {
    int dir;                    /* 0 the rule's, 1 to server, 2 to client, 3 both */
    int scope;                  /* 0 file, 1 tx, 2 ssn */
} store_ctx;

extern const vg_keyword vg_file_kw_filestore;

static int filestore_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    store_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (arg && arg[0]) {
        char buf[128], *save = NULL;
        snprintf(buf, sizeof buf, "%s", arg);
        int i = 0;
        for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save), i++) {
            if (i == 0 && (strcmp(t, "request") == 0 || strcmp(t, "to_server") == 0))
                c->dir = 1;
            else if (i == 0 && (strcmp(t, "response") == 0 || strcmp(t, "to_client") == 0))
                c->dir = 2;
            else if (i == 0 && strcmp(t, "both") == 0)
                c->dir = 3;
            else if (i == 1 && strcmp(t, "file") == 0)
                c->scope = 0;
            else if (i == 1 && strcmp(t, "tx") == 0)
                c->scope = 1;
            else if (i == 1 && strcmp(t, "ssn") == 0)
                c->scope = 2;
            else {
                free(c);
                return vg_err(errbuf, VG_EINVAL, "filestore: unknown option \"%s\"", t);
            }
        }
    }
    need_flow(s);
    if (!vg_sig_append(s, VG_LIST_POSTMATCH, &vg_file_kw_filestore, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

static void mark(vg_app_tx *tx, int dir, uint32_t sid)
{
    vg_file_list *fl = tx->files;
    if (!fl)
        return;
    for (vg_file *f = fl->head; f; f = f->next)
        if (dir == 3 || (dir == 2) == f->toclient)
            vg_file_want_store(f, sid);
    /* the side's files now run to the stream depth, not the body limit
     * (Suricata's stream-depth flag on a filestore match) */
    if (dir & 1)
        fl->depth_set[0] = true;
    if (dir & 2)
        fl->depth_set[1] = true;
}

static int filestore_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const store_ctx *c = sm->ctx;
    int dir = c->dir;
    if (dir == 0) {
        if (mc->s->flags & VG_SIG_TOCLIENT)
            dir = 2;
        else if (mc->s->flags & VG_SIG_TOSERVER)
            dir = 1;
        else
            dir = 3;
    }
    uint32_t sid = mc->s->sid;
    vg_app_tx *tx = cur_tx(mc);
    if (tx && c->scope != 2) {
        mark(tx, dir, sid);
        return 1;
    }
    /* the whole session (or a rule inspected without a transaction) */
    const vg_flow *f = mc->p ? mc->p->flow : NULL;
    for (vg_app_tx *t = f ? vg_app_tx_first(f) : NULL; t; t = vg_app_tx_next(t))
        mark(t, dir, sid);
    return 1;
}

const vg_keyword vg_file_kw_filestore = {"filestore", NULL, VG_KW_OPTARG, filestore_setup,
                                         filestore_match, free};

/* Direction of the file match keywords for app_detect: 2 (either side), or
 * -1 for another keyword. */
int vg_file_match_dir(const vg_keyword *kw)
{
    if (kw == &vg_file_kw_filesize || kw == &vg_file_kw_filemd5 || kw == &vg_file_kw_filesha1 ||
        kw == &vg_file_kw_filesha256)
        return 2;
    return -1;
}
