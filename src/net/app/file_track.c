/*
 * file_track.c: file objects (see file.h): opening, streaming hashes,
 * first bytes for libmagic, content kept for the file store, closing,
 * and the thread context with its configuration and counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#if __has_include(<magic.h>)
#include <magic.h>
#define VG_HAVE_MAGIC 1
/* builtin tests that only cost time on body heads: decompression, archive,
 * container and structured-text parsers (the soft magic still names them) */
#ifndef MAGIC_NO_CHECK_JSON
#define MAGIC_NO_CHECK_JSON 0
#endif
#ifndef MAGIC_NO_CHECK_CSV
#define MAGIC_NO_CHECK_CSV 0
#endif
#define VG_MAGIC_SKIP (MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_CDF | \
                       MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV)
#endif

#include "core/eve.h"
#include "core/vg.h"
#include "net/app/file.h"

/* ---- thread context ---- */

static _Atomic unsigned g_hash_want;
static _Atomic uint32_t g_store_id; /* file_id of stored files, process-wide as Suricata's */

void vg_files_want_hash(unsigned mask)
{
    g_hash_want |= mask & VG_FILE_HASH_ALL;
}

/* The digest bits named in a force-hash value ("md5", "[sha1, sha256]"). */
static unsigned hash_bit(const char *v)
{
    return (strstr(v, "md5") ? (unsigned)VG_FILE_MD5 : 0u) |
           (strstr(v, "sha1") ? (unsigned)VG_FILE_SHA1 : 0u) |
           (strstr(v, "sha256") ? (unsigned)VG_FILE_SHA256 : 0u);
}

vg_files_ctx *vg_files_ctx_new(const vg_conf *conf, const char *log_dir)
{
    vg_files_ctx *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return NULL;
    vg_jb_init(&fc->jb);
    fc->store_max = 10u << 20;
    snprintf(fc->store_dir, sizeof fc->store_dir, "filestore");
    if (conf) {
        /* outputs is a list: find the file-store entry */
        const vg_conf_node *outs = vg_conf_node_get(conf, "outputs");
        for (const vg_conf_node *o = outs ? outs->child : NULL; o; o = o->next) {
            const vg_conf_node *fs = vg_conf_node_child(o, "file-store");
            if (!fs && o->name && strcmp(o->name, "file-store") == 0)
                fs = o;
            if (!fs)
                continue;
            bool b = false;
            const vg_conf_node *n = vg_conf_node_child(fs, "enabled");
            fc->store_enabled = n && n->value && vg_conf_parse_bool(n->value, &b) == VG_OK && b;
            n = vg_conf_node_child(fs, "force-filestore");
            b = false;
            fc->force_store = n && n->value && vg_conf_parse_bool(n->value, &b) == VG_OK && b;
            n = vg_conf_node_child(fs, "dir");
            if (n && n->value && n->value[0])
                snprintf(fc->store_dir, sizeof fc->store_dir, "%s", n->value);
            /* force-hash and force-magic of the file-store output too */
            n = vg_conf_node_child(fs, "force-hash");
            for (const vg_conf_node *c = n ? n->child : NULL; c; c = c->next)
                if (c->value)
                    fc->hash_mask |= hash_bit(c->value);
            if (n && n->value)
                fc->hash_mask |= hash_bit(n->value);
            n = vg_conf_node_child(fs, "force-magic");
            b = false;
            fc->force_magic = n && n->value && vg_conf_parse_bool(n->value, &b) == VG_OK && b;
            n = vg_conf_node_child(fs, "write-fileinfo");
            b = false;
            fc->write_fileinfo = n && n->value && vg_conf_parse_bool(n->value, &b) == VG_OK && b;
            /* stream-depth: a size (0 all), or "no": the stream's depth */
            n = vg_conf_node_child(fs, "stream-depth");
            uint64_t sd;
            if (n && n->value && vg_conf_parse_size(n->value, &sd) == VG_OK) {
                fc->stream_depth_set = true;
                fc->stream_depth = sd;
            }
            n = vg_conf_node_child(fs, "max-size");
            uint64_t v;
            if (n && n->value && vg_conf_parse_size(n->value, &v) == VG_OK)
                fc->store_max = v > (1ull << 31) ? (1ull << 31) : v;
        }
    }
    if (fc->store_enabled)
        fc->hash_mask |= VG_FILE_SHA256; /* the store names files by it */
    vg_files_set_log_dir(fc, log_dir);
    return fc;
}

void vg_files_set_log_dir(vg_files_ctx *fc, const char *log_dir)
{
    if (!fc)
        return;
    snprintf(fc->log_dir, sizeof fc->log_dir, "%s", log_dir ? log_dir : ".");
}

void vg_files_ctx_free(vg_files_ctx *fc)
{
    if (!fc)
        return;
#ifdef VG_HAVE_MAGIC
    if (fc->magic)
        magic_close((magic_t)fc->magic);
#endif
    vg_jb_free(&fc->jb);
    free(fc);
}

void vg_files_add_eve(vg_files_ctx *fc, vg_eve *eve, const vg_conf_node *settings)
{
    if (!fc || fc->neves >= VG_FILES_MAX_EVE)
        return;
    vg_files_eve *e = &fc->eves[fc->neves++];
    e->eve = eve;
    bool b = false;
    const vg_conf_node *n = settings ? vg_conf_node_child(settings, "force-magic") : NULL;
    e->magic = n && n->value && vg_conf_parse_bool(n->value, &b) == VG_OK && b;
    n = settings ? vg_conf_node_child(settings, "force-hash") : NULL;
    for (const vg_conf_node *c = n ? n->child : NULL; c; c = c->next) {
        if (!c->value)
            continue;
        e->md5 |= strcmp(c->value, "md5") == 0;
        e->sha1 |= strcmp(c->value, "sha1") == 0;
        e->sha256 |= strcmp(c->value, "sha256") == 0;
    }
    if (n && n->value) { /* force-hash: md5 (a scalar) */
        e->md5 |= strstr(n->value, "md5") != NULL;
        e->sha1 |= strstr(n->value, "sha1") != NULL;
        e->sha256 |= strstr(n->value, "sha256") != NULL;
    }
    fc->hash_mask |= (e->md5 ? VG_FILE_MD5 : 0u) | (e->sha1 ? VG_FILE_SHA1 : 0u) |
                     (e->sha256 ? VG_FILE_SHA256 : 0u);
}

const vg_files_stats *vg_files_get_stats(const vg_files_ctx *fc)
{
    return &fc->st;
}

/* ---- files ---- */

static void file_free(vg_file *f)
{
    if (f->fc) {
        f->fc->live--;
        f->fc->keep_total -= f->keep_cap;
        f->fc->data_total -= f->data_cap;
    }
    free(f->data);
    free(f->head);
    for (int i = 0; i < 3; i++)
        if (f->md[i])
            EVP_MD_CTX_free(f->md[i]);
    free(f->name);
    free(f->magic);
    free(f->keep);
    free(f);
}

vg_file *vg_file_open(vg_files_ctx *fc, vg_file_list *fl, bool toclient, uint64_t tx_id,
                      const uint8_t *name, uint32_t name_len)
{
    if (!fc || !fl)
        return NULL;
    vg_file_list_close_side(fl, toclient, VG_FILE_TRUNCATED);
    if (fl->n >= VG_FILE_MAX_PER_TX) {
        fc->st.list_cap++;
        return NULL;
    }
    if (fc->live >= VG_FILES_LIVE_MAX) {
        fc->st.live_cap++;
        return NULL;
    }
    vg_file *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->fc = fc;
    if (name_len > VG_FILE_NAME_MAX) {
        name_len = VG_FILE_NAME_MAX;
        fc->st.name_cap++;
    }
    f->name = malloc(name_len + 1u);
    if (!f->name) {
        free(f);
        return NULL;
    }
    fc->live++;
    if (name_len)
        memcpy(f->name, name, name_len);
    f->name[name_len] = 0;
    f->name_len = name_len;
    f->toclient = toclient;
    f->tx_id = tx_id;
    const EVP_MD *mds[3] = {EVP_md5(), EVP_sha1(), EVP_sha256()};
    f->hmask = (uint8_t)((fc->hash_mask | g_hash_want) & VG_FILE_HASH_ALL);
    for (int i = 0; i < 3; i++) {
        if (!(f->hmask & (1u << i)))
            continue;
        f->md[i] = EVP_MD_CTX_new();
        if (!f->md[i] || EVP_DigestInit_ex(f->md[i], mds[i], NULL) != 1) {
            file_free(f);
            return NULL;
        }
    }
    f->store = fc->store_enabled && fc->force_store;
    f->data_max = fl->data_max[toclient ? 1 : 0];
    if (fl->tail)
        fl->tail->next = f;
    else
        fl->head = f;
    fl->tail = f;
    fl->n++;
    fl->cur[toclient ? 1 : 0] = f;
    fc->st.opened++;
    return f;
}

static void drop_hashes(vg_file *f)
{
    for (int i = 0; i < 3; i++) {
        if (f->md[i])
            EVP_MD_CTX_free(f->md[i]);
        f->md[i] = NULL;
    }
}

/* The file.data content: up to data_max bytes, within the thread's budget,
 * up to the first gap. */
static void keep_data(vg_file *f, const uint8_t *d, uint32_t n)
{
    vg_files_ctx *fc = f->fc;
    if (!f->data_max || f->data_over)
        return;
    if (f->data_len + (uint64_t)n > f->data_max) {
        n = f->data_max - f->data_len;
        f->data_over = true;
        fc->st.data_cap++;
        if (!n)
            return;
    }
    if (f->data_len + n > f->data_cap) {
        uint64_t nc = f->data_cap ? f->data_cap : 1024;
        while (nc < f->data_len + (uint64_t)n)
            nc *= 2;
        if (nc > f->data_max)
            nc = f->data_max;
        uint8_t *k = fc->data_total - f->data_cap + nc > VG_FILES_DATA_MAX
                         ? NULL : realloc(f->data, (size_t)nc);
        if (!k) {
            /* over the thread's budget: the content inspected stops here */
            if (!f->data_over)
                fc->st.data_cap++;
            f->data_over = true;
            return;
        }
        fc->data_total += nc - f->data_cap;
        f->data = k;
        f->data_cap = (uint32_t)nc;
    }
    memcpy(f->data + f->data_len, d, n);
    f->data_len += n;
}

void vg_file_append(vg_file *f, const uint8_t *d, uint32_t n)
{
    if (!f || f->state != VG_FILE_OPEN || !n)
        return;
    vg_files_ctx *fc = f->fc;
    fc->st.bytes += n;
    keep_data(f, d, n);
    if (!f->head && !f->gaps)
        f->head = malloc(VG_FILE_HEAD_MAX);
    if (f->head && !f->gaps && f->head_len < VG_FILE_HEAD_MAX) {
        uint32_t k = VG_FILE_HEAD_MAX - f->head_len;
        if (k > n)
            k = n;
        memcpy(f->head + f->head_len, d, k);
        f->head_len += k;
    }
    if (f->size + n > VG_FILE_TRACK_MAX) {
        f->size += n;
        fc->st.track_cap++;
        drop_hashes(f);
        f->state = VG_FILE_TRUNCATED;
        fc->st.truncated++;
        return;
    }
    f->size += n;
    for (int i = 0; i < 3; i++)
        if (f->md[i] && EVP_DigestUpdate(f->md[i], d, n) != 1)
            drop_hashes(f);
    /* content for the file store: only when the store is on */
    if (fc->store_enabled && !f->keep_over && !f->gaps) {
        if (f->keep_len + n > fc->store_max) {
            f->keep_over = true;
            fc->st.store_cap++;
            fc->keep_total -= f->keep_cap;
            free(f->keep);
            f->keep = NULL;
            f->keep_len = f->keep_cap = 0;
            return;
        }
        if (f->keep_len + n > f->keep_cap) {
            uint64_t nc = f->keep_cap ? f->keep_cap : 4096;
            while (nc < f->keep_len + n)
                nc *= 2;
            if (nc > fc->store_max)
                nc = fc->store_max;
            uint8_t *k = fc->keep_total - f->keep_cap + nc > VG_FILES_KEEP_MAX
                             ? NULL : realloc(f->keep, nc);
            if (!k) {
                /* over the thread's budget: this file will not be stored */
                fc->keep_total -= f->keep_cap;
                free(f->keep);
                f->keep = NULL;
                f->keep_len = f->keep_cap = 0;
                f->keep_over = true;
                fc->st.store_errors++;
                return;
            }
            fc->keep_total += nc - f->keep_cap;
            f->keep = k;
            f->keep_cap = nc;
        }
        memcpy(f->keep + f->keep_len, d, n);
        f->keep_len += n;
    }
}

void vg_file_gap(vg_file *f, uint32_t n)
{
    if (!f || f->state != VG_FILE_OPEN || !n)
        return;
    vg_files_ctx *fc = f->fc;
    if (!f->gaps)
        fc->st.gaps++;
    f->gaps = true;
    f->size += n;
    /* no digest of bytes never seen; the content stops at the gap */
    drop_hashes(f);
    f->hmask = 0;
    f->data_over = true;
    fc->keep_total -= f->keep_cap;
    free(f->keep);
    f->keep = NULL;
    f->keep_len = f->keep_cap = 0;
    f->keep_over = true;
    if (f->size > VG_FILE_TRACK_MAX) {
        fc->st.track_cap++;
        f->state = VG_FILE_TRUNCATED;
        fc->st.truncated++;
    }
}

void vg_file_close(vg_file *f, int state)
{
    if (!f || f->state != VG_FILE_OPEN)
        return;
    f->state = (uint8_t)state;
    vg_files_ctx *fc = f->fc;
    if (state == VG_FILE_CLOSED) {
        uint8_t *outs[3] = {f->md5, f->sha1, f->sha256};
        bool ok = true;
        for (int i = 0; i < 3; i++) {
            unsigned int l = 0;
            if (!(f->hmask & (1u << i)))
                continue;
            if (!f->md[i] || EVP_DigestFinal_ex(f->md[i], outs[i], &l) != 1)
                ok = false;
        }
        f->hashed = ok;
        fc->st.closed++;
    } else if (state == VG_FILE_TRUNCATED) {
        fc->st.truncated++;
    } else {
        fc->st.errors++;
    }
    drop_hashes(f);
}

void vg_file_list_close_side(vg_file_list *fl, bool toclient, int state)
{
    if (!fl)
        return;
    int s = toclient ? 1 : 0;
    if (fl->cur[s])
        vg_file_close(fl->cur[s], state);
    fl->cur[s] = NULL;
}

void vg_file_list_free(vg_file_list *fl)
{
    if (!fl)
        return;
    vg_mpart_free(fl->mp);
    for (vg_file *f = fl->head, *nx; f; f = nx) {
        nx = f->next;
        file_free(f);
    }
    free(fl);
}

vg_file *vg_file_list_get(const vg_file_list *fl, uint32_t idx)
{
    vg_file *f = fl ? fl->head : NULL;
    for (; f && idx; idx--)
        f = f->next;
    return f;
}

const char *vg_file_magic(vg_file *f)
{
    if (!f)
        return "";
    if (f->magic || f->magic_tried)
        return f->magic ? f->magic : "";
    if (f->state == VG_FILE_OPEN && f->head_len < VG_FILE_HEAD_MAX && !f->gaps)
        return ""; /* not enough bytes yet: decided when the file closes or fills the head */
    f->magic_tried = true;
#ifdef VG_HAVE_MAGIC
    vg_files_ctx *fc = f->fc;
    if (!fc->magic && !fc->magic_failed) {
        /* loaded once per thread context */
        magic_t m = magic_open(MAGIC_ERROR | VG_MAGIC_SKIP);
        if (!m || magic_load(m, NULL) != 0) {
            if (m)
                magic_close(m);
            fc->magic_failed = true;
        } else {
            fc->magic = m;
        }
    }
    if (fc->magic && f->head_len) {
        const char *r = magic_buffer((magic_t)fc->magic, f->head, f->head_len);
        if (r)
            f->magic = strdup(r);
    }
#endif
    return f->magic ? f->magic : "";
}

const char *vg_file_state_name(int state)
{
    switch (state) {
    case VG_FILE_CLOSED: return "CLOSED";
    case VG_FILE_TRUNCATED: return "TRUNCATED";
    case VG_FILE_ERROR: return "ERROR";
    default: return "UNKNOWN";
    }
}

void vg_file_want_store(vg_file *f, uint32_t sid)
{
    if (!f)
        return;
    f->store = true;
    for (uint32_t i = 0; i < f->nsids; i++)
        if (f->sids[i] == sid)
            return;
    if (f->nsids < VG_FILE_SIDS_MAX)
        f->sids[f->nsids++] = sid;
}

/* ---- the file store ---- */

static void hex(const uint8_t *d, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[d[i] >> 4];
        out[2 * i + 1] = h[d[i] & 15];
    }
    out[2 * n] = 0;
}

static int mkdir_p(const char *path)
{
    char tmp[VG_FILES_PATH_MAX + 128];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

bool vg_file_store_path(const vg_file *f, char *out, size_t outsz)
{
    const vg_files_ctx *fc = f->fc;
    if (!f->hashed || !(f->hmask & VG_FILE_SHA256))
        return false;
    char sha[65];
    hex(f->sha256, 32, sha);
    if (fc->store_dir[0] == '/')
        snprintf(out, outsz, "%s/%.2s/%s", fc->store_dir, sha, sha);
    else
        snprintf(out, outsz, "%s/%s/%.2s/%s", fc->log_dir, fc->store_dir, sha, sha);
    return true;
}

/* Write a closed file the store wants to <dir>/xx/<sha256> (once per
 * content: an existing file of that name is the same content). */
bool vg_file_store(vg_file *f)
{
    vg_files_ctx *fc = f->fc;
    if (!f->store || f->stored || !fc->store_enabled || f->state != VG_FILE_CLOSED || !f->hashed ||
        !(f->hmask & VG_FILE_SHA256))
        return false;
    if (f->keep_over || (f->size && !f->keep))
        return false;
    char dir[VG_FILES_PATH_MAX + 96], path[VG_FILES_PATH_MAX + 96], tmp[VG_FILES_PATH_MAX + 128];
    if (!vg_file_store_path(f, path, sizeof path))
        return false;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    if (access(path, F_OK) == 0) {
        f->stored = true;
        f->store_id = ++g_store_id;
        fc->st.stored++;
        return true;
    }
    if (mkdir_p(dir) != 0) {
        fc->st.store_errors++;
        return false;
    }
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *out = fopen(tmp, "wb");
    if (!out) {
        fc->st.store_errors++;
        return false;
    }
    bool ok = f->keep_len == 0 || fwrite(f->keep, 1, f->keep_len, out) == f->keep_len;
    ok &= fclose(out) == 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        fc->st.store_errors++;
        return false;
    }
    f->stored = true;
    f->store_id = ++g_store_id;
    fc->st.stored++;
    return true;
}

/* ---- EVE ---- */

void vg_file_eve(vg_file *f, vg_jb *jb, bool md5, bool sha1, bool sha256, bool magic)
{
    char h[65];
    vg_jb_open_obj(jb, "fileinfo");
    vg_jb_strn(jb, "filename", f->name, f->name_len);
    if (f->nsids) {
        vg_jb_open_arr(jb, "sid");
        for (uint32_t i = 0; i < f->nsids; i++)
            vg_jb_u64(jb, NULL, f->sids[i]);
        vg_jb_close_arr(jb);
    }
    if (magic || f->magic) {
        const char *m = vg_file_magic(f);
        if (m[0])
            vg_jb_str(jb, "magic", m);
    }
    vg_jb_bool(jb, "gaps", f->gaps);
    vg_jb_str(jb, "state", vg_file_state_name(f->state));
    if (f->hashed) {
        md5 &= (f->hmask & VG_FILE_MD5) != 0;
        sha1 &= (f->hmask & VG_FILE_SHA1) != 0;
        sha256 &= (f->hmask & VG_FILE_SHA256) != 0;
        if (md5) {
            hex(f->md5, 16, h);
            vg_jb_str(jb, "md5", h);
        }
        if (sha1) {
            hex(f->sha1, 20, h);
            vg_jb_str(jb, "sha1", h);
        }
        if (sha256) {
            hex(f->sha256, 32, h);
            vg_jb_str(jb, "sha256", h);
        }
    }
    vg_jb_bool(jb, "stored", f->stored);
    if (f->stored)
        vg_jb_u64(jb, "file_id", f->store_id);
    else if (f->store && f->fc->store_enabled)
        vg_jb_bool(jb, "storing", true); /* asked for, not (yet) written */
    vg_jb_u64(jb, "size", f->size);
    if (f->range_end > 0) {
        vg_jb_u64(jb, "start", f->range_start);
        vg_jb_u64(jb, "end", f->range_end);
    }
    vg_jb_u64(jb, "tx_id", f->tx_id);
    vg_jb_close_obj(jb);
}
