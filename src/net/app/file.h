/*
 * file.h: files carried by application-layer transactions (HTTP request
 * and response bodies), as Suricata's file tracking sees them.
 *
 * Job: for each file a parser finds (a multipart/form-data part with a
 * filename, a PUT body, a response body), keep its name, size, state
 * (open, CLOSED, TRUNCATED, ERROR), the transaction id, its first bytes
 * (for libmagic, run on demand, one magic handle per thread), streaming
 * md5/sha1/sha256 (OpenSSL EVP), for request-side files the content that
 * `file.data` inspects (one buffer per file, up to the request body limit)
 * and, when the file-store output is on, its content up to the store cap;
 * log one `fileinfo` EVE record (with the transaction's protocol object)
 * per file once it is closed (CLOSED, TRUNCATED at a body limit or the
 * flow's end, ERROR) and detection has seen its last data, so that a
 * filestore rule matching on that data is honoured; write files a rule
 * asked to keep (filestore) to <dir>/xx/<sha256>.  A gap in the stream
 * inside a file marks it (`gaps`), counts in its size and drops its
 * digests (as Suricata: no md5/sha1/sha256, not stored).
 *
 * A vg_file_list hangs off each transaction (vg_app_tx.files) and owns its
 * files; a vg_files_ctx per application-layer thread context holds the
 * configuration, the EVE writers of type "files", the magic handle and
 * the counters.
 *
 * Invariants: a file's size counts every byte handed to it, the hashes
 * cover exactly those bytes while the file is not TRUNCATED; a closed file
 * takes no more data; a list holds at most VG_FILE_MAX_PER_TX files.
 *
 * Limits (counted in vg_files_stats): names are cut at VG_FILE_NAME_MAX
 * bytes; bytes past VG_FILE_TRACK_MAX per file are not hashed (the file
 * becomes TRUNCATED); `file.data` content is capped per file (data_max)
 * and at VG_FILES_DATA_MAX bytes per thread; stored content is capped by outputs.file-store
 * max-size (default 10 MiB; larger files are not stored) and by
 * VG_FILES_KEEP_MAX bytes per thread; at most VG_FILES_LIVE_MAX files live
 * per thread; multipart part headers are capped at VG_MPART_HDR_MAX bytes.
 */
#ifndef VG_NET_APP_FILE_H
#define VG_NET_APP_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/conf.h"
#include "core/jbuf.h"
#include "net/app/app_keywords.h"
#include "net/sig.h"

#define VG_FILE_NAME_MAX 1024
#define VG_FILE_HEAD_MAX 1024            /* bytes kept for libmagic */
#define VG_FILES_LIVE_MAX 65536          /* files alive per thread context */
#define VG_FILES_KEEP_MAX (256ull << 20) /* bytes kept for the store per thread context */
#define VG_FILE_TRACK_MAX (1ull << 30)   /* bytes hashed per file */
#define VG_FILE_MAX_PER_TX 64
#define VG_MPART_HDR_MAX 8192
#define VG_FILE_SIDS_MAX 16
#define VG_FILES_DATA_MAX (64ull << 20) /* file.data bytes kept per thread context */
#define VG_FILE_DATA_UNLIMITED (16u << 20) /* file.data cap per file when the body limit is 0 */

/* The buffer id a `file.data` list reads in a to_server rule: request-side
 * files, one entry per file with data (net/app/app_detect.c resolves to it,
 * the HTTP parser's getter answers it through vg_file_get_buffer). */
#define VG_FILE_DATA_BUF ((uint16_t)(VG_ABUF_HTTP_REQUEST_BODY | 0x4000u))

enum vg_file_state { VG_FILE_OPEN = 0, VG_FILE_CLOSED, VG_FILE_TRUNCATED, VG_FILE_ERROR };

/* Digests, computed only when something needs them (as Suricata): the
 * eve-log files force-hash list, the file store (sha256), a loaded rule
 * with filemd5/filesha1/filesha256. */
enum { VG_FILE_MD5 = 1, VG_FILE_SHA1 = 2, VG_FILE_SHA256 = 4, VG_FILE_HASH_ALL = 7 };
/* Process-wide: files opened from now on compute these digests too (rule
 * keywords call it at load; never cleared). */
void vg_files_want_hash(unsigned mask);

typedef struct vg_files_stats {
    uint64_t opened, closed, truncated, errors;
    uint64_t bytes;              /* bytes handed to files */
    uint64_t track_cap;          /* files that went past VG_FILE_TRACK_MAX */
    uint64_t live_cap;           /* files refused at VG_FILES_LIVE_MAX */
    uint64_t name_cap;           /* names cut at VG_FILE_NAME_MAX */
    uint64_t list_cap;           /* files refused at VG_FILE_MAX_PER_TX */
    uint64_t mpart_hdr_cap;      /* multipart part headers past the cap */
    uint64_t stored, store_cap, store_errors;
    uint64_t logged;
    uint64_t gaps;               /* files with a gap in the stream */
    uint64_t body_limit;         /* files TRUNCATED at a body limit */
    uint64_t data_cap;           /* files whose file.data content hit a cap */
} vg_files_stats;

typedef struct vg_files_ctx vg_files_ctx;
typedef struct vg_file vg_file;
typedef struct vg_file_list vg_file_list;
typedef struct vg_mpart vg_mpart;

struct vg_file {
    vg_files_ctx *fc;            /* owning thread context (borrowed) */
    char *name;                  /* NUL-terminated */
    uint32_t name_len;
    uint64_t size;
    uint8_t state;               /* vg_file_state */
    bool toclient;               /* response side */
    bool gaps;
    bool stored;
    bool store;                  /* a filestore rule (or force-filestore) wants it */
    bool logged;
    uint64_t tx_id;
    void *md[3];                 /* EVP_MD_CTX: md5, sha1, sha256 (NULL when done or unwanted) */
    uint8_t hmask;               /* VG_FILE_MD5...: the digests computed for this file */
    uint8_t md5[16], sha1[20], sha256[32];
    bool hashed;                 /* the hmask digests are final (CLOSED) */
    uint8_t *head;               /* first VG_FILE_HEAD_MAX bytes (allocated on data) */
    uint32_t head_len;
    char *magic;                 /* libmagic's description, on demand */
    bool magic_tried;
    uint8_t *keep;               /* content for the file store (NULL when not kept) */
    uint64_t keep_len, keep_cap;
    bool keep_over;              /* past the store cap: not stored */
    uint32_t sids[VG_FILE_SIDS_MAX];
    uint32_t nsids;
    uint32_t store_id;           /* file_id once stored (process-wide count from 1) */
    uint8_t *data;               /* file.data content (request side), NULL when none */
    uint32_t data_len, data_cap;
    uint32_t data_max;           /* 0: no file.data content kept */
    bool data_over;              /* a cap or a gap ended the content */
    uint64_t range_start, range_end; /* a response's Content-Range (end 0: none) */
    vg_file *next;
};

struct vg_file_list {
    vg_file *head, *tail;
    uint32_t n;
    vg_file *cur[2];             /* open file per side (0 request, 1 response) */
    bool opened[2];              /* a body file was opened on that side */
    void *htx;                   /* HTTP: libhtp's transaction (borrowed, while parsing) */
    vg_mpart *mp;                /* request body multipart parser, or NULL */
    uint64_t body_seen[2];       /* body bytes handed to files so far, per side */
    bool body_over[2];           /* the side's body limit was passed: no more files */
    bool depth_set[2];           /* a filestore rule matched: the stream depth, not the
                                    body limit, ends the side's files (Suricata) */
    uint32_t data_max[2];        /* file.data content per file and side (0 none) */
};

/* ---- thread context ---- */

#define VG_FILES_MAX_EVE 4
#define VG_FILES_PATH_MAX 1024

struct vg_eve;
typedef struct vg_files_eve {
    struct vg_eve *eve;
    bool magic, md5, sha1, sha256;   /* force-magic, force-hash */
} vg_files_eve;

struct vg_files_ctx {
    vg_files_stats st;
    vg_files_eve eves[VG_FILES_MAX_EVE];
    int neves;
    bool store_enabled, force_store;
    bool write_fileinfo;             /* file-store write-fileinfo: <sha256>.<secs>.<file_id>.json */
    bool force_magic;                /* file-store force-magic: every fileinfo has magic */
    bool stream_depth_set;           /* file-store stream-depth given (else the stream's depth) */
    uint64_t stream_depth;           /* how far a filestore-flagged tx's files go (0: all) */
    uint64_t store_max;
    char store_dir[VG_FILES_PATH_MAX / 2];
    char log_dir[VG_FILES_PATH_MAX / 2];
    void *magic;                     /* magic_t, loaded on first use */
    unsigned hash_mask;              /* digests the outputs need (force-hash, store) */
    uint32_t live;                   /* files alive */
    uint64_t keep_total;             /* bytes kept for the store, all files */
    uint64_t data_total;             /* file.data bytes kept, all files */
    bool magic_failed;
    vg_jb jb;
};

/* conf (borrowed, may be NULL): outputs.file-store (enabled, dir,
 * force-filestore, force-hash, force-magic, max-size, stream-depth,
 * write-fileinfo).  log_dir:
 * where a relative dir lives. */
vg_files_ctx *vg_files_ctx_new(const vg_conf *conf, const char *log_dir);
void vg_files_ctx_free(vg_files_ctx *fc);
/* Set the file-store directory's base (the engine's log directory). */
void vg_files_set_log_dir(vg_files_ctx *fc, const char *log_dir);
/* Log `fileinfo` records to eve (borrowed) with the eve-log `files`
 * settings (force-magic, force-hash); at most 4 writers. */
void vg_files_add_eve(vg_files_ctx *fc, struct vg_eve *eve, const vg_conf_node *settings);
const vg_files_stats *vg_files_get_stats(const vg_files_ctx *fc);

/* ---- files ---- */

/* Open a file on side toclient of a transaction (closing the side's open
 * file as TRUNCATED first).  NULL at the cap or out of memory. */
vg_file *vg_file_open(vg_files_ctx *fc, vg_file_list *fl, bool toclient, uint64_t tx_id,
                      const uint8_t *name, uint32_t name_len);
/* Append bytes to f (ignored once closed). */
void vg_file_append(vg_file *f, const uint8_t *d, uint32_t n);
/* n bytes of f were never seen (a gap in the stream): counted in its size,
 * its digests dropped, `gaps` set; file.data and libmagic keep what came
 * before. */
void vg_file_gap(vg_file *f, uint32_t n);
/* Close f with state (VG_FILE_CLOSED, _TRUNCATED, _ERROR); idempotent. */
void vg_file_close(vg_file *f, int state);
/* Close a side's open file (when the body ended). */
void vg_file_list_close_side(vg_file_list *fl, bool toclient, int state);
/* Free a list and its files (NULL ok). */
void vg_file_list_free(vg_file_list *fl);
/* The idx-th file of the list (NULL past the end). */
vg_file *vg_file_list_get(const vg_file_list *fl, uint32_t idx);
/* libmagic's description of f's first bytes ("" when unknown). */
const char *vg_file_magic(vg_file *f);
/* "CLOSED", "TRUNCATED", "ERROR", "UNKNOWN" (open). */
const char *vg_file_state_name(int state);
/* Mark f for the file store on behalf of sid. */
void vg_file_want_store(vg_file *f, uint32_t sid);

/* ---- multipart/form-data (file_multipart.c) ---- */

/* A parser for a body whose Content-Type value is ct (NULL when it is not
 * multipart/form-data with a usable boundary).  Files found go to fl on
 * the request side, with tx_id. */
vg_mpart *vg_mpart_new(vg_files_ctx *fc, vg_file_list *fl, uint64_t tx_id,
                       const uint8_t *ct, uint32_t ct_len);
void vg_mpart_feed(vg_mpart *mp, const uint8_t *d, uint32_t n);
/* The body ended: a part still open is closed TRUNCATED. */
void vg_mpart_end(vg_mpart *mp);
void vg_mpart_free(vg_mpart *mp);
/* The value of parameter `param` (e.g. "filename", "boundary") in a header
 * value like `form-data; name="a"; filename="b.txt"` into out (unquoted,
 * NUL-terminated, cut at outsz-1); its length, or -1 when absent. */
int vg_mpart_param(const uint8_t *v, uint32_t n, const char *param, char *out, size_t outsz);

/* ---- EVE and the file store ---- */

/* Write f to the store if a rule (or force-filestore) asked and it is
 * CLOSED and within the store cap; true when this call stored it. */
bool vg_file_store(vg_file *f);
/* The stored file's path (<dir>/xx/<sha256>) into out; false when f has
 * no sha256. */
bool vg_file_store_path(const vg_file *f, char *out, size_t outsz);

/* The `fileinfo` object of f (key "fileinfo") into an open EVE object;
 * with_hashes/with_magic as the `files` settings say. */
void vg_file_eve(vg_file *f, vg_jb *jb, bool md5, bool sha1, bool sha256, bool magic);

/* ---- rule keywords (file_keywords.c) ---- */

extern const vg_keyword vg_file_kw_file_name, vg_file_kw_file_magic, vg_file_kw_filename,
    vg_file_kw_fileext, vg_file_kw_filemagic, vg_file_kw_filesize, vg_file_kw_filemd5,
    vg_file_kw_filesha1, vg_file_kw_filesha256, vg_file_kw_filestore;
/* 2 (either side) for the file value keywords, -1 for another keyword. */
int vg_file_match_dir(const vg_keyword *kw);
struct vg_app_tx;
/* file.name / file.magic entry idx of tx, or with VG_FILE_DATA_BUF the
 * content of its idx-th request-side file with data (VG_OK, VG_DECLINED). */
int vg_file_get_buffer(const struct vg_app_tx *tx, uint16_t id, uint32_t idx, const uint8_t **d,
                       uint32_t *n);

/* ---- HTTP (file_http.c), called from app_http.c's libhtp hooks ---- */

struct vg_app_ctx;
struct htp_tx_t;
void vg_file_http_req_headers(struct vg_app_ctx *ctx, struct vg_app_tx *a, struct htp_tx_t *tx);
void vg_file_http_body(struct vg_app_ctx *ctx, struct vg_app_tx *a, struct htp_tx_t *tx,
                       bool toclient, const uint8_t *d, uint32_t n);
void vg_file_http_done(struct vg_app_ctx *ctx, struct vg_app_tx *a, bool toclient);
/* A Content-Range value "bytes <start>-<end>/<size|*>": VG_OK with
 * start <= end, else VG_EINVAL. */
int vg_file_content_range(const uint8_t *v, uint32_t n, uint64_t *start, uint64_t *end);
/* n body bytes of a side were never seen (libhtp hands a gap over as NULL
 * data of its length). */
void vg_file_http_gap(struct vg_app_ctx *ctx, struct vg_app_tx *a, struct htp_tx_t *tx,
                      bool toclient, uint32_t n);

/* ssh.proto, ssh.software (ssh_parser.c, which lives beside the files) */
extern const vg_keyword vg_ssh_kw_proto, vg_ssh_kw_software;

/* ---- glue with the application layer (file_log.c) ---- */

struct vg_app_ctx;
struct vg_app_tx;
struct vg_flow;
struct vg_packet;
/* The engine's log directory (for the file store). */
void vg_app_files_set_log_dir(struct vg_app_ctx *ctx, const char *log_dir);
/* The files thread context of an application layer (NULL when none). */
vg_files_ctx *vg_app_files(struct vg_app_ctx *ctx);
/* tx is being logged: close what is open (TRUNCATED), store what a rule
 * asked for, write one `fileinfo` record per file not logged yet, with the
 * transaction's protocol object.  p: the packet the logging happens on. */
void vg_files_log_tx(struct vg_app_ctx *ctx, const struct vg_flow *f, struct vg_app_tx *tx,
                     const struct vg_packet *p);
/* After detection and transaction logging of packet p: store and log the
 * files of p's flow that are closed and whose side detection has seen
 * since (vg_app_tx.seen == ver), once each. */
void vg_files_after_packet(struct vg_app_ctx *ctx, const struct vg_packet *p);

#endif
