/* test_files.c: file tracking (net/app/file.h): the multipart parser at any
 * chunking, files of HTTP transactions and their buffers, and end to end
 * through the engine on files_http.pcap (written by gen_files_pcap.py):
 * fileinfo records, file keywords, filestore by sha256. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/conf.h"
#include "net/app/app.h"
#include "net/app/app_int.h"
#include "net/app/app_keywords.h"
#include "net/app/file.h"
#include "net/engine/engine.h"
#include "net/engine/net_conf.h"
#include "../../vg_test.h"

#ifndef FILES_PCAP
#define FILES_PCAP "files_http.pcap"
#endif

static void sha256_hex(const void *d, size_t n, char out[65])
{
    uint8_t md[32];
    unsigned int l = 0;
    EVP_Digest(d, n, md, &l, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- parameters ---- */

static void param_values(void)
{
    const char *q = "form-data; filename=\"say \\\"hi\\\".txt\"";
    char out[64];
    VG_CHECK_EQ(vg_mpart_param((const uint8_t *)q, (uint32_t)strlen(q), "filename", out, sizeof out), 12);
    VG_CHECK_STR(out, "say \"hi\".txt");
    const char *v = "form-data; name=\"f\"; filename=\"a b.txt\"";
    VG_CHECK_EQ(vg_mpart_param((const uint8_t *)v, (uint32_t)strlen(v), "filename", out, sizeof out), 7);
    VG_CHECK_STR(out, "a b.txt");
    VG_CHECK_EQ(vg_mpart_param((const uint8_t *)v, (uint32_t)strlen(v), "name", out, sizeof out), 1);
    VG_CHECK_STR(out, "f");
    VG_CHECK_EQ(vg_mpart_param((const uint8_t *)v, (uint32_t)strlen(v), "size", out, sizeof out), -1);
    const char *ct = "multipart/form-data; boundary=XyZ ";
    VG_CHECK_EQ(vg_mpart_param((const uint8_t *)ct, (uint32_t)strlen(ct), "BOUNDARY", out, sizeof out), 3);
    VG_CHECK_STR(out, "XyZ");
    /* cut to the output size, never past it */
    char small[4];
    VG_CHECK_EQ(vg_mpart_param((const uint8_t *)v, (uint32_t)strlen(v), "filename", small, sizeof small), 3);
    VG_CHECK_STR(small, "a b");
    /* Content-Range */
    uint64_t rs = 0, re = 0;
    const char *cr = "bytes 100-199/1000";
    VG_CHECK_EQ(vg_file_content_range((const uint8_t *)cr, (uint32_t)strlen(cr), &rs, &re), VG_OK);
    VG_CHECK(rs == 100 && re == 199);
    cr = " Bytes 0-0/*";
    VG_CHECK_EQ(vg_file_content_range((const uint8_t *)cr, (uint32_t)strlen(cr), &rs, &re), VG_OK);
    VG_CHECK(rs == 0 && re == 0);
    const char *bad_cr[] = {"bytes */1000", "bytes 9-1/10", "items 0-1/2", "bytes 1-2", "bytes 1-2/x",
                            "bytes 99999999999999999999-1/2"};
    for (size_t i = 0; i < sizeof bad_cr / sizeof bad_cr[0]; i++)
        VG_CHECK_EQ(vg_file_content_range((const uint8_t *)bad_cr[i], (uint32_t)strlen(bad_cr[i]),
                                          &rs, &re), VG_EINVAL);
    /* an unterminated quote ends at the value's end */
    const char *bad = "form-data; filename=\"abc";
    VG_CHECK_EQ(vg_mpart_param((const uint8_t *)bad, (uint32_t)strlen(bad), "filename", out, sizeof out), 3);
}

/* ---- multipart at every chunking ---- */

static const char CT[] = "multipart/form-data; boundary=\"bnd42\"";

static size_t build_body(char *b, size_t cap, char *evil, size_t *evil_len)
{
    /* the second file holds a near-delimiter and NULs */
    size_t el = 0;
    memcpy(evil, "MZ", 2);
    el = 2;
    memset(evil + el, 0x90, 100);
    el += 100;
    memcpy(evil + el, "\r\n--bnd4", 8); /* a delimiter prefix inside the data */
    el += 8;
    memset(evil + el, 0, 50);
    el += 50;
    *evil_len = el;
    size_t n = 0;
    n += (size_t)snprintf(b + n, cap - n,
                          "preamble\r\n--bnd42\r\n"
                          "Content-Disposition: form-data; name=\"c\"\r\n\r\nfield\r\n"
                          "--bnd42\r\nContent-Disposition: form-data; name=\"f1\"; filename=\"a.txt\"\r\n"
                          "Content-Type: text/plain\r\n\r\nhello world\r\n"
                          "--bnd42\r\nContent-Disposition: form-data; name=\"f2\"; "
                          "filename=\"C:\\x\\evil.EXE\"\r\n\r\n");
    memcpy(b + n, evil, el);
    n += el;
    n += (size_t)snprintf(b + n, cap - n,
                          "\r\n--bnd42\r\nContent-Disposition: form-data; name=\"e\"; filename=\"empty\"\r\n\r\n"
                          "\r\n--bnd42--\r\nepilogue --bnd42\r\n");
    return n;
}

static void multipart_any_chunking(void)
{
    vg_files_want_hash(VG_FILE_HASH_ALL);
    char body[2048], evil[512], want[65];
    size_t el;
    size_t n = build_body(body, sizeof body, evil, &el);
    sha256_hex(evil, el, want);
    static const size_t chunks[] = {1, 2, 3, 5, 7, 13, 64, 4096};
    for (size_t c = 0; c < VG_ARRAY_LEN(chunks); c++) {
        vg_files_ctx *fc = vg_files_ctx_new(NULL, NULL);
        vg_file_list *fl = calloc(1, sizeof(*fl));
        VG_CHECK(fc && fl);
        if (!fc || !fl) {
            free(fl);
            vg_files_ctx_free(fc);
            return;
        }
        fl->mp = vg_mpart_new(fc, fl, 7, (const uint8_t *)CT, (uint32_t)strlen(CT));
        VG_CHECK(fl->mp != NULL);
        for (size_t i = 0; i < n; i += chunks[c]) {
            size_t k = n - i < chunks[c] ? n - i : chunks[c];
            vg_mpart_feed(fl->mp, (const uint8_t *)body + i, (uint32_t)k);
        }
        vg_mpart_end(fl->mp);
        VG_CHECK_EQ(fl->n, 3);
        vg_file *a = vg_file_list_get(fl, 0), *e = vg_file_list_get(fl, 1), *z = vg_file_list_get(fl, 2);
        VG_CHECK(a && e && z);
        if (a && e && z) {
            VG_CHECK_STR(a->name, "a.txt");
            VG_CHECK_EQ(a->size, 11);
            VG_CHECK_EQ(a->state, VG_FILE_CLOSED);
            VG_CHECK_EQ(a->tx_id, 7);
            char h[65];
            hex(a->md5, 16, h);
            VG_CHECK_STR(h, "5eb63bbbe01eeed093cb22bb8f5acdc3"); /* md5("hello world") */
            VG_CHECK_STR(e->name, "C:\\x\\evil.EXE"); /* as sent, backslashes kept */
            VG_CHECK_EQ(e->size, el);
            hex(e->sha256, 32, h);
            VG_CHECK_STR(h, want);
            VG_CHECK_STR(z->name, "empty");
            VG_CHECK_EQ(z->size, 0);
            VG_CHECK_EQ(z->state, VG_FILE_CLOSED);
            if (getenv("VG_TEST_VERBOSE") && e->size != el)
                fprintf(stderr, "chunk %zu: evil %llu\n", chunks[c], (unsigned long long)e->size);
        }
        VG_CHECK_EQ(vg_files_get_stats(fc)->closed, 3);
        vg_file_list_free(fl);
        vg_files_ctx_free(fc);
    }
}

static void multipart_cut_and_capped(void)
{
    vg_files_ctx *fc = vg_files_ctx_new(NULL, NULL);
    vg_file_list *fl = calloc(1, sizeof(*fl));
    VG_CHECK(fc && fl);
    if (!fc || !fl) {
        free(fl);
        vg_files_ctx_free(fc);
        return;
    }
    /* not multipart: no parser */
    VG_CHECK(vg_mpart_new(fc, fl, 0, (const uint8_t *)"text/plain", 10) == NULL);
    VG_CHECK(vg_mpart_new(fc, fl, 0, (const uint8_t *)"multipart/form-data", 19) == NULL);
    fl->mp = vg_mpart_new(fc, fl, 0, (const uint8_t *)CT, (uint32_t)strlen(CT));
    const char *b = "--bnd42\r\nContent-Disposition: form-data; filename=\"cut.bin\"\r\n\r\nabcdef";
    vg_mpart_feed(fl->mp, (const uint8_t *)b, (uint32_t)strlen(b));
    vg_mpart_end(fl->mp);
    vg_file *f = vg_file_list_get(fl, 0);
    VG_CHECK(f != NULL);
    if (f) {
        VG_CHECK_EQ(f->state, VG_FILE_TRUNCATED); /* no closing delimiter */
        VG_CHECK_EQ(f->size, 6);
        VG_CHECK(!f->hashed);
    }
    vg_mpart_free(fl->mp);
    /* part headers beyond the cap are counted and never overflow */
    fl->mp = vg_mpart_new(fc, fl, 0, (const uint8_t *)CT, (uint32_t)strlen(CT));
    vg_mpart_feed(fl->mp, (const uint8_t *)"--bnd42\r\nX-Long: ", 17);
    char junk[1024];
    memset(junk, 'x', sizeof junk);
    for (int i = 0; i < 20; i++)
        vg_mpart_feed(fl->mp, (const uint8_t *)junk, sizeof junk);
    vg_mpart_end(fl->mp);
    VG_CHECK_EQ(vg_files_get_stats(fc)->mpart_hdr_cap, 1);
    VG_CHECK_EQ(fl->n, 1);
    vg_file_list_free(fl);
    vg_files_ctx_free(fc);
}

static void file_caps(void)
{
    vg_files_ctx *fc = vg_files_ctx_new(NULL, NULL);
    vg_file_list *fl = calloc(1, sizeof(*fl));
    VG_CHECK(fc && fl);
    if (!fc || !fl) {
        free(fl);
        vg_files_ctx_free(fc);
        return;
    }
    for (int i = 0; i < VG_FILE_MAX_PER_TX + 3; i++)
        (void)vg_file_open(fc, fl, i & 1, 0, (const uint8_t *)"n", 1);
    VG_CHECK_EQ(fl->n, VG_FILE_MAX_PER_TX);
    VG_CHECK_EQ(vg_files_get_stats(fc)->list_cap, 3);
    /* opening a side's next file cut the previous one short */
    VG_CHECK_EQ(vg_file_list_get(fl, 0)->state, VG_FILE_TRUNCATED);
    /* a long name is cut and counted */
    vg_file_list *fl2 = calloc(1, sizeof(*fl2));
    char *longname = malloc(VG_FILE_NAME_MAX + 10);
    VG_CHECK(fl2 && longname);
    if (fl2 && longname) {
        memset(longname, 'a', VG_FILE_NAME_MAX + 10);
        vg_file *f = vg_file_open(fc, fl2, false, 0, (const uint8_t *)longname, VG_FILE_NAME_MAX + 10);
        VG_CHECK(f && f->name_len == VG_FILE_NAME_MAX && strlen(f->name) == VG_FILE_NAME_MAX);
        VG_CHECK_EQ(vg_files_get_stats(fc)->name_cap, 1);
        /* bytes after close are ignored */
        vg_file_append(f, (const uint8_t *)"abc", 3);
        vg_file_close(f, VG_FILE_CLOSED);
        vg_file_append(f, (const uint8_t *)"def", 3);
        VG_CHECK(f && f->size == 3 && f->hashed);
    }
    free(longname);
    vg_file_list_free(fl2);
    vg_file_list_free(fl);
    vg_files_ctx_free(fc);
}

/* A gap: counted in the size, digests and stored content dropped, the
 * file.data content and the head stop at it; the record says gaps, no
 * digest.  file.data content stops at data_max (counted). */
static void file_gaps_and_data(void)
{
    vg_files_ctx *fc = vg_files_ctx_new(NULL, NULL);
    vg_file_list *fl = calloc(1, sizeof(*fl));
    VG_CHECK(fc && fl);
    if (!fc || !fl) {
        free(fl);
        vg_files_ctx_free(fc);
        return;
    }
    fl->data_max[0] = 8;
    vg_file *f = vg_file_open(fc, fl, false, 0, (const uint8_t *)"g", 1);
    VG_CHECK(f && f->data_max == 8 && f->hmask != 0);
    if (!f) {
        vg_file_list_free(fl);
        vg_files_ctx_free(fc);
        return;
    }
    vg_file_append(f, (const uint8_t *)"abcd", 4);
    vg_file_gap(f, 100);
    vg_file_append(f, (const uint8_t *)"efgh", 4);
    vg_file_close(f, VG_FILE_CLOSED);
    VG_CHECK(f->gaps && f->size == 108 && f->state == VG_FILE_CLOSED);
    VG_CHECK(f->data_len == 4 && memcmp(f->data, "abcd", 4) == 0 && f->head_len == 4);
    VG_CHECK_EQ(f->hmask, 0);
    VG_CHECK_EQ(vg_files_get_stats(fc)->gaps, 1);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_file_eve(f, &jb, true, true, true, false);
    vg_jb_close_obj(&jb);
    VG_CHECK(strstr(jb.buf, "\"gaps\":true,\"state\":\"CLOSED\",\"stored\":false,\"size\":108") != NULL);
    VG_CHECK(strstr(jb.buf, "md5") == NULL && strstr(jb.buf, "sha256") == NULL);
    /* the file.data content is capped at data_max */
    vg_file *g = vg_file_open(fc, fl, false, 1, (const uint8_t *)"h", 1);
    VG_CHECK(g != NULL);
    if (g) {
        vg_file_append(g, (const uint8_t *)"0123456", 7);
        vg_file_append(g, (const uint8_t *)"789", 3);
        VG_CHECK(g->data_len == 8 && memcmp(g->data, "01234567", 8) == 0 && g->size == 10);
        VG_CHECK_EQ(vg_files_get_stats(fc)->data_cap, 1);
        vg_file_close(g, VG_FILE_CLOSED);
        VG_CHECK(!g->gaps && g->hashed && g->hmask != 0);
    }
    /* a response-side file keeps no file.data content */
    vg_file *r = vg_file_open(fc, fl, true, 1, (const uint8_t *)"r", 1);
    vg_file_append(r, (const uint8_t *)"xyz", 3);
    VG_CHECK(r && r->data == NULL && r->data_len == 0 && r->size == 3);
    vg_jb_free(&jb);
    vg_file_list_free(fl);
    vg_files_ctx_free(fc);
}

/* The file-store output's settings. */
static void store_settings(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK(c != NULL);
    if (!c)
        return;
    VG_CHECK_EQ(vg_conf_load_string(c, "outputs:\n  - file-store:\n      version: 2\n"
                                       "      enabled: yes\n      dir: /tmp/fs\n"
                                       "      force-hash: [sha1]\n      force-magic: yes\n"
                                       "      stream-depth: 2mb\n      write-fileinfo: yes\n"
                                       "      max-size: 3kb\n", "t.yaml", err), VG_OK);
    vg_files_ctx *fc = vg_files_ctx_new(c, "/var/log/x");
    VG_CHECK(fc != NULL);
    if (fc) {
        VG_CHECK(fc->store_enabled && fc->force_magic && fc->write_fileinfo);
        VG_CHECK_EQ(fc->hash_mask, VG_FILE_SHA1 | VG_FILE_SHA256); /* sha256: the store's names */
        VG_CHECK(fc->stream_depth_set && fc->stream_depth == (2u << 20));
        VG_CHECK_EQ(fc->store_max, 3072);
        VG_CHECK_STR(fc->store_dir, "/tmp/fs");
    }
    vg_files_ctx_free(fc);
    vg_conf_free(c);
    /* without one: no store, stream-depth from the stream */
    fc = vg_files_ctx_new(NULL, NULL);
    VG_CHECK(fc && !fc->store_enabled && !fc->stream_depth_set && fc->hash_mask == 0);
    vg_files_ctx_free(fc);
}

/* ---- files of HTTP transactions ---- */

static void feed(vg_app_ctx *ctx, vg_flow *f, bool ts, const char *s)
{
    vg_app_on_stream(ctx, f, NULL, ts, (const uint8_t *)s, (uint32_t)strlen(s));
}

static bool entry_is(vg_flow *f, vg_app_tx *tx, uint16_t id, uint32_t idx, const char *want)
{
    const uint8_t *d;
    uint32_t n;
    if (vg_app_get_buffer(f, tx, id, idx, &d, &n) != VG_OK)
        return want == NULL;
    return want && n == strlen(want) && memcmp(d, want, n) == 0;
}

static void http_transaction_files(void)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    const char *body = "--zz\r\nContent-Disposition: form-data; name=\"u\"; filename=\"up.txt\"\r\n\r\n"
                       "upload data\r\n--zz--\r\n";
    char req[512];
    snprintf(req, sizeof req, "POST /u HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; "
             "boundary=zz\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    feed(ctx, &f, true, req);
    vg_app_tx *tx = vg_app_tx_first(&f);
    VG_CHECK(tx != NULL && tx->files != NULL);
    if (!tx || !tx->files) {
        vg_app_flow_end(ctx, &f);
        vg_app_ctx_free(ctx);
        return;
    }
    VG_CHECK(entry_is(&f, tx, VG_ABUF_FILE_NAME, 0, "up.txt"));
    VG_CHECK(entry_is(&f, tx, VG_ABUF_FILE_NAME, 1, NULL));
    /* file.data to the server is the file's content, http.request_body the body */
    VG_CHECK(entry_is(&f, tx, VG_FILE_DATA_BUF, 0, "upload data"));
    VG_CHECK(entry_is(&f, tx, VG_FILE_DATA_BUF, 1, NULL));
    VG_CHECK(entry_is(&f, tx, VG_ABUF_HTTP_REQUEST_BODY, 0, body));
    /* the response: gzip-free, named by Content-Disposition */
    feed(ctx, &f, false, "HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=r.txt\r\n"
                         "Content-Length: 5\r\n\r\nhello");
    VG_CHECK(entry_is(&f, tx, VG_ABUF_FILE_NAME, 1, "r.txt"));
    vg_file *r = vg_file_list_get(tx->files, 1);
    VG_CHECK(r && r->toclient && r->state == VG_FILE_CLOSED && r->size == 5);
    /* a GET whose response is cut: named by the path, TRUNCATED at the end */
    feed(ctx, &f, true, "GET /dir/file.bin?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
    feed(ctx, &f, false, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    vg_app_tx *t2 = vg_app_tx_next(tx);
    VG_CHECK(t2 != NULL);
    if (t2) {
        VG_CHECK(entry_is(&f, t2, VG_ABUF_FILE_NAME, 0, "/dir/file.bin"));
        vg_file *g = vg_file_list_get(t2->files, 0);
        VG_CHECK(g && g->state == VG_FILE_OPEN && g->size == 10 && g->tx_id == 1);
    }
    const vg_files_stats *st = vg_files_get_stats(vg_app_files(ctx));
    VG_CHECK_EQ(st->opened, 3);
    vg_app_flow_end(ctx, &f);
    VG_CHECK_EQ(st->truncated, 1);
    VG_CHECK_EQ(st->closed, 2);
    vg_app_ctx_free(ctx);
}

/* Several files in one upload: one file.data entry each; a raw POST body
 * is a file named by the path; a GET's body is none; a body past its
 * limit ends its file TRUNCATED at the limit, and no other file opens. */
static void http_upload_files_and_limits(void)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    ctx->http_res_body_limit = 16;
    ctx->http_req_body_limit = 300;
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    const char *body = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nfield\r\n"
                       "--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"one\"\r\n\r\n"
                       "FIRST\r\n"
                       "--b\r\nContent-Disposition: form-data; name=\"c\"; filename=\"two\"\r\n\r\n"
                       "MZsecond\r\n--b--\r\n";
    char req[1024];
    snprintf(req, sizeof req, "POST /m HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; "
             "boundary=b\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    feed(ctx, &f, true, req);
    feed(ctx, &f, false, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
                         "0123456789012345678901234567890123456789");
    vg_app_tx *tx = vg_app_tx_first(&f);
    VG_CHECK(tx != NULL && tx->files != NULL);
    if (tx && tx->files) {
        VG_CHECK(entry_is(&f, tx, VG_FILE_DATA_BUF, 0, "FIRST"));
        VG_CHECK(entry_is(&f, tx, VG_FILE_DATA_BUF, 1, "MZsecond"));
        VG_CHECK(entry_is(&f, tx, VG_FILE_DATA_BUF, 2, NULL));
        /* the response: cut at its 16-byte limit */
        vg_file *r = vg_file_list_get(tx->files, 2);
        VG_CHECK(r && r->toclient && r->state == VG_FILE_TRUNCATED && r->size == 16);
        VG_CHECK(entry_is(&f, tx, VG_ABUF_FILE_NAME, 2, "/m"));
    }
    /* a raw POST body is one file named by the path */
    feed(ctx, &f, true, "POST /api/x?y=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\nrawdata");
    /* a GET with a body makes no request file */
    feed(ctx, &f, true, "GET /g HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
    vg_app_tx *t2 = tx ? vg_app_tx_next(tx) : NULL;
    vg_app_tx *t3 = t2 ? vg_app_tx_next(t2) : NULL;
    VG_CHECK(t2 && t3);
    if (t2 && t3) {
        VG_CHECK(entry_is(&f, t2, VG_ABUF_FILE_NAME, 0, "/api/x"));
        VG_CHECK(entry_is(&f, t2, VG_FILE_DATA_BUF, 0, "rawdata"));
        VG_CHECK(entry_is(&f, t3, VG_ABUF_FILE_NAME, 0, NULL));
        VG_CHECK(entry_is(&f, t3, VG_FILE_DATA_BUF, 0, NULL));
    }
    /* a request body past its limit: the part open there is TRUNCATED */
    char big[700];
    memset(big, 'Z', sizeof big);
    const char *part = "--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"big\"\r\n\r\n";
    const uint64_t plen = strlen(part);
    snprintf(req, sizeof req, "POST /m2 HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; "
             "boundary=b\r\nContent-Length: %zu\r\n\r\n%s",
             (size_t)(plen + sizeof big + 9), part);
    feed(ctx, &f, true, req);
    vg_app_on_stream(ctx, &f, NULL, true, (const uint8_t *)big, sizeof big);
    feed(ctx, &f, true, "\r\n--b--\r\n");
    vg_app_tx *t4 = t3 ? vg_app_tx_next(t3) : NULL;
    VG_CHECK(t4 != NULL);
    if (t4) {
        vg_file *b = vg_file_list_get(t4->files, 0);
        VG_CHECK(b && b->state == VG_FILE_TRUNCATED && b->size == 300 - plen);
        VG_CHECK(b && b->data_len == b->size);
        VG_CHECK(vg_file_list_get(t4->files, 1) == NULL);
    }
    /* a filestore match (depth_set) moves the response's end from its
     * 16-byte limit to file-store stream-depth (32) */
    vg_flow f2;
    memset(&f2, 0, sizeof f2);
    f2.proto = 6;
    feed(ctx, &f2, true, "GET /d HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n\r\n");
    vg_app_tx *t5 = vg_app_tx_first(&f2);
    VG_CHECK(t5 && t5->files);
    if (t5 && t5->files) {
        t5->files->depth_set[1] = true;
        vg_app_files(ctx)->stream_depth_set = true;
        vg_app_files(ctx)->stream_depth = 32;
        feed(ctx, &f2, false, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
                              "0123456789012345678901234567890123456789");
        vg_file *r = vg_file_list_get(t5->files, 0);
        VG_CHECK(r && r->toclient && r->state == VG_FILE_TRUNCATED && r->size == 32);
    }
    /* a partial response: its place in the whole in fileinfo start/end */
    feed(ctx, &f2, true, "GET /r HTTP/1.1\r\nHost: h\r\n\r\n");
    feed(ctx, &f2, false, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-109/1000\r\n"
                          "Content-Length: 10\r\n\r\n0123456789");
    vg_app_tx *t6 = t5 ? vg_app_tx_next(t5) : NULL;
    vg_file *rf = t6 ? vg_file_list_get(t6->files, 0) : NULL;
    VG_CHECK(rf && rf->range_start == 100 && rf->range_end == 109 && rf->state == VG_FILE_CLOSED);
    if (rf) {
        vg_jb jb;
        vg_jb_init(&jb);
        vg_jb_open_obj(&jb, NULL);
        vg_file_eve(rf, &jb, false, false, false, false);
        vg_jb_close_obj(&jb);
        VG_CHECK(strstr(jb.buf, "\"size\":10,\"start\":100,\"end\":109,\"tx_id\":1}") != NULL);
        vg_jb_free(&jb);
    }
    /* multipart parts are files of POST bodies only: not of a GET's */
    const char *mb = "--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"g\"\r\n\r\nx\r\n--b--\r\n";
    char gm[512];
    snprintf(gm, sizeof gm, "GET /gm HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; "
             "boundary=b\r\nContent-Length: %zu\r\n\r\n%s", strlen(mb), mb);
    feed(ctx, &f2, true, gm);
    vg_app_tx *t7 = t6 ? vg_app_tx_next(t6) : NULL;
    VG_CHECK(t7 && t7->files && t7->files->n == 0 && !t7->files->mp);
    vg_app_flow_end(ctx, &f2);
    VG_CHECK_EQ(vg_files_get_stats(vg_app_files(ctx))->body_limit, 3);
    vg_app_flow_end(ctx, &f);
    vg_app_ctx_free(ctx);
}

/* ---- SSH banners ---- */

int vg_ssh_parse_banner(const char *line, uint32_t n, const char **proto, uint32_t *plen,
                        const char **soft, uint32_t *slen);

static void ssh_banners(void)
{
    const char *pr, *so;
    uint32_t pl, sl;
    const char *b = "SSH-2.0-OpenSSH_9.2p1 Debian-2";
    VG_CHECK_EQ(vg_ssh_parse_banner(b, (uint32_t)strlen(b), &pr, &pl, &so, &sl), 0);
    VG_CHECK(pl == 3 && memcmp(pr, "2.0", 3) == 0);
    VG_CHECK(sl == 13 && memcmp(so, "OpenSSH_9.2p1", 13) == 0);
    VG_CHECK_EQ(vg_ssh_parse_banner("SSH-2.0", 7, &pr, &pl, &so, &sl), -1);
    VG_CHECK_EQ(vg_ssh_parse_banner("HTTP/1.1", 8, &pr, &pl, &so, &sl), -1);
    /* a flow: the server's text lines before its banner are skipped */
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    feed(ctx, &f, true, "SSH-1.99-PuTTY_Release_0.78\r\n");
    VG_CHECK_EQ(f.alproto, VG_ALPROTO_SSH);
    feed(ctx, &f, false, "Hello there\r\nSSH-2.0-dropbear");
    vg_app_tx *tx = vg_app_tx_first(&f);
    VG_CHECK(tx != NULL);
    if (tx) {
        VG_CHECK(entry_is(&f, tx, VG_ABUF_SSH_PROTO, 0, "1.99"));
        VG_CHECK(entry_is(&f, tx, VG_ABUF_SSH_SOFTWARE, 0, "PuTTY_Release_0.78"));
        VG_CHECK(entry_is(&f, tx, VG_ABUF_SSH_SOFTWARE_SRV, 0, NULL)); /* no line end yet */
        feed(ctx, &f, false, "_2022.83\r\n\x00\x00\x01\x00binary");
        VG_CHECK(entry_is(&f, tx, VG_ABUF_SSH_SOFTWARE_SRV, 0, "dropbear_2022.83"));
        VG_CHECK(entry_is(&f, tx, VG_ABUF_SSH_PROTO_SRV, 0, "2.0"));
        vg_jb jb;
        vg_jb_init(&jb);
        vg_jb_open_obj(&jb, NULL);
        vg_app_tx_eve(&f, tx, &jb);
        vg_jb_close_obj(&jb);
        VG_CHECK(strstr(jb.buf, "\"ssh\":{\"client\":{\"proto_version\":\"1.99\",\"software_version\":"
                                "\"PuTTY_Release_0.78\"},\"server\":{\"proto_version\":\"2.0\","
                                "\"software_version\":\"dropbear_2022.83\"}}") != NULL);
        vg_jb_free(&jb);
    }
    vg_app_flow_end(ctx, &f);
    vg_app_ctx_free(ctx);
}

/* ---- end to end ---- */

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    VG_CHECK(fp != NULL);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

static void engine_end_to_end(void)
{
    if (access(FILES_PCAP, R_OK) != 0) {
        fprintf(stderr, "%s missing\n", FILES_PCAP);
        VG_CHECK(0);
        return;
    }
    char dir[] = "/tmp/vg_files_XXXXXX";
    VG_CHECK(mkdtemp(dir) != NULL);
    char path[600], rules[256], cfg[256], out[256];
    snprintf(rules, sizeof rules, "%s/t.rules", dir);
    snprintf(cfg, sizeof cfg, "%s/c.yaml", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    VG_CHECK_EQ(mkdir(out, 0700), 0);
    snprintf(path, sizeof path, "%s/md5.list", dir);
    write_text(path, "# known\n5eb63bbbe01eeed093cb22bb8f5acdc3\n00000000000000000000000000000000\n");
    snprintf(path, sizeof path, "%s/sha.list", dir);
    write_text(path, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\n");
    write_text(rules,
               "alert http any any -> any any (msg:\"name\"; filename:\"a.txt\"; sid:1;)\n"
               "alert http any any -> any any (msg:\"ext\"; fileext:\"exe\"; sid:2;)\n"
               "alert http any any -> any any (msg:\"pdf\"; filemagic:\"pdf document\"; nocase; filestore; sid:3;)\n"
               "alert http any any -> any any (msg:\"size\"; filesize:>999; sid:4;)\n"
               "alert http any any -> any any (msg:\"md5\"; filemd5:md5.list; sid:5;)\n"
               "alert http any any -> any any (msg:\"not sha\"; filesha256:!sha.list; sid:6;)\n"
               "alert http any any -> any any (msg:\"fname\"; file.name; content:\"report\"; sid:7;)\n"
               "alert http any any -> any any (msg:\"never\"; filename:\"nomatch\"; sid:8;)\n"
               "alert ssh any any -> any any (msg:\"ssh cli\"; ssh.software; content:\"libssh2\"; sid:9;)\n"
               "alert ssh any any -> any any (msg:\"ssh srv\"; flow:to_client; ssh.software; content:\"OpenSSH_9\"; sid:10;)\n"
               "alert ssh any any -> any any (msg:\"not cli\"; flow:to_server; ssh.software; content:\"OpenSSH\"; sid:11;)\n"
               /* file.data to the server: each upload file on its own */
               "alert http any any -> any any (msg:\"raw\"; flow:to_server; file.data; content:\"RAWPOST\"; sid:12;)\n"
               "alert http any any -> any any (msg:\"hw\"; flow:to_server; file.data; content:\"hello world\"; bsize:11; sid:13;)\n"
               "alert http any any -> any any (msg:\"mz\"; flow:to_server; file.data; content:\"MZ\"; depth:2; sid:14;)\n"
               "alert http any any -> any any (msg:\"cd\"; flow:to_server; file.data; content:\"Content-Disposition\"; sid:15;)\n"
               "alert http any any -> any any (msg:\"cb\"; flow:to_server; http.request_body; content:\"Content-Disposition\"; sid:16;)\n"
               "alert http any any -> any any (msg:\"lt\"; filesize:<5000; sid:17;)\n");
    write_text(cfg, "%YAML 1.1\n---\napp-layer:\n  protocols:\n    http:\n      libhtp:\n"
                    "        default-config:\n          response-body-limit: 4kb\n"
                    "outputs:\n  - eve-log:\n      enabled: yes\n"
                    "      filetype: regular\n      filename: eve.json\n      types:\n"
                    "        - alert\n        - ssh\n        - files:\n            force-magic: yes\n"
                    "            force-hash: [md5, sha256]\n"
                    "  - file-store:\n      version: 2\n      enabled: yes\n      max-size: 1mb\n"
                    "      write-fileinfo: yes\n");
    vg_conf *conf = NULL;
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK_EQ(vg_net_conf_load(&conf, cfg, NULL, err), VG_OK);
    if (!conf) {
        fprintf(stderr, "%s\n", err);
        rm_rf(dir);
        return;
    }
    const char *files[] = {rules, NULL};
    vg_engine_opts o;
    memset(&o, 0, sizeof o);
    o.pcap_file = FILES_PCAP;
    o.rule_files = files;
    o.log_dir = out;
    vg_engine_result res;
    memset(&res, 0, sizeof res);
    int rc = vg_engine_run(conf, &o, &res, err);
    VG_CHECK_EQ(rc, VG_OK);
    if (rc != VG_OK)
        fprintf(stderr, "%s\n", err);
    vg_engine_result_free(&res);
    vg_conf_free(conf);
    /* read the records */
    int sids[18] = {0}, nfile = 0, stored = 0, truncated = 0, nssh = 0, gaps = 0;
    char pdf_sha[65] = "";
    snprintf(path, sizeof path, "%s/eve.json", out);
    FILE *fp = fopen(path, "r");
    VG_CHECK(fp != NULL);
    char line[65536];
    while (fp && fgets(line, sizeof line, fp)) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        VG_CHECK(j != NULL);
        if (!j)
            continue;
        const char *t = json_string_value(json_object_get(j, "event_type"));
        if (t && strcmp(t, "alert") == 0) {
            json_int_t sid = json_integer_value(json_object_get(json_object_get(j, "alert"), "signature_id"));
            if (sid > 0 && sid < 18)
                sids[sid]++;
        } else if (t && strcmp(t, "ssh") == 0) {
            nssh++;
            json_t *sv = json_object_get(json_object_get(j, "ssh"), "server");
            VG_CHECK_STR(json_string_value(json_object_get(sv, "software_version")), "OpenSSH_9.2p1");
            VG_CHECK_STR(json_string_value(json_object_get(sv, "proto_version")), "2.0");
            VG_CHECK_EQ(json_integer_value(json_object_get(j, "dest_port")), 2222);
        } else if (t && strcmp(t, "fileinfo") == 0) {
            nfile++;
            json_t *fi = json_object_get(j, "fileinfo");
            const char *name = json_string_value(json_object_get(fi, "filename"));
            const char *state = json_string_value(json_object_get(fi, "state"));
            VG_CHECK(name && state);
            VG_CHECK(json_is_object(json_object_get(j, "http")));
            VG_CHECK_STR(json_string_value(json_object_get(j, "app_proto")), "http");
            /* every digest computed is shown (this process wants them all,
             * file_gaps_and_data... multipart_any_chunking): a CLOSED file
             * without gaps has them, another none */
            bool gap = json_is_true(json_object_get(fi, "gaps"));
            bool closed = state && strcmp(state, "CLOSED") == 0;
            VG_CHECK((json_object_get(fi, "sha1") != NULL) == (closed && !gap));
            VG_CHECK((json_object_get(fi, "md5") != NULL) == (closed && !gap));
            gaps += gap;
            truncated += state && strcmp(state, "TRUNCATED") == 0;
            if (json_is_true(json_object_get(fi, "stored")))
                stored++;
            if (name && strcmp(name, "report.pdf") == 0) {
                const char *s = json_string_value(json_object_get(fi, "sha256"));
                VG_CHECK(s != NULL);
                if (s)
                    snprintf(pdf_sha, sizeof pdf_sha, "%s", s);
                VG_CHECK(json_is_true(json_object_get(fi, "stored")));
                VG_CHECK_EQ(json_integer_value(json_array_get(json_object_get(fi, "sid"), 0)), 3);
                VG_CHECK_STR(json_string_value(json_object_get(json_object_get(j, "http"), "url")), "/dl/x.bin");
                /* a download is logged from the server */
                VG_CHECK_EQ(json_integer_value(json_object_get(j, "src_port")), 80);
                const char *m = json_string_value(json_object_get(fi, "magic"));
                VG_CHECK(m && strstr(m, "PDF") != NULL);
            }
            if (name && strcmp(name, "a.txt") == 0) {
                VG_CHECK_STR(json_string_value(json_object_get(fi, "md5")), "5eb63bbbe01eeed093cb22bb8f5acdc3");
                /* logged when it closed, before the response came */
                VG_CHECK(json_object_get(json_object_get(j, "http"), "status") == NULL);
                VG_CHECK(json_object_get(fi, "file_id") == NULL && json_object_get(fi, "storing") == NULL);
            }
            if (name && strcmp(name, "report.pdf") == 0)
                VG_CHECK(json_integer_value(json_object_get(fi, "file_id")) >= 1);
            if (name && strcmp(name, "/big") == 0)
                VG_CHECK_STR(state, "TRUNCATED");
            if (name && strcmp(name, "/api/up") == 0) /* a raw POST body */
                VG_CHECK_EQ(json_integer_value(json_object_get(fi, "size")), 208);
            if (name && strcmp(name, "/gap") == 0) {
                VG_CHECK(gap && closed);
                VG_CHECK_EQ(json_integer_value(json_object_get(fi, "size")), 2100);
                VG_CHECK(json_object_get(fi, "sha256") == NULL);
            }
            if (name && strcmp(name, "/large") == 0) { /* past the 4 KiB response-body-limit */
                VG_CHECK_STR(state, "TRUNCATED");
                VG_CHECK_EQ(json_integer_value(json_object_get(fi, "size")), 4096);
            }
        }
        json_decref(j);
    }
    if (fp)
        fclose(fp);
    /* a.txt, evil.EXE, /upload, report.pdf, /big, /api/up, /gap, /large */
    VG_CHECK_EQ(nfile, 8);
    VG_CHECK_EQ(truncated, 2); /* /big (cut by the flow's end), /large (body limit) */
    VG_CHECK_EQ(gaps, 1);
    VG_CHECK_EQ(stored, 1);
    VG_CHECK_EQ(sids[1], 1);
    VG_CHECK_EQ(sids[2], 1);
    VG_CHECK_EQ(sids[3], 1);
    VG_CHECK_EQ(sids[4], 3);  /* /big (1000 bytes), /gap (2100), /large (4096) */
    VG_CHECK_EQ(sids[5], 1);
    VG_CHECK_EQ(sids[6], 3);  /* the upload tx (evil.EXE, /upload), the pdf, /api/up */
    VG_CHECK_EQ(sids[7], 1);
    VG_CHECK_EQ(sids[8], 0);
    VG_CHECK_EQ(sids[9], 1);
    VG_CHECK_EQ(sids[10], 1);
    VG_CHECK_EQ(sids[11], 0);
    VG_CHECK_EQ(sids[12], 1); /* the raw POST's file */
    VG_CHECK_EQ(sids[13], 1); /* a.txt alone is "hello world" */
    VG_CHECK_EQ(sids[14], 1); /* evil.EXE starts with MZ */
    VG_CHECK_EQ(sids[15], 0); /* part headers are in no file */
    VG_CHECK_EQ(sids[16], 1); /* but in the request body */
    /* CLOSED files under 5000 bytes: the upload tx, the pdf, /api/up, /gap;
     * not the TRUNCATED /big (1000) and /large (4096), whose size is not final */
    VG_CHECK_EQ(sids[17], 4);
    VG_CHECK_EQ(nssh, 1);
    /* the stored file is named by its content's sha256 */
    if (pdf_sha[0]) {
        snprintf(path, sizeof path, "%s/filestore/%.2s/%s", out, pdf_sha, pdf_sha);
        FILE *sf = fopen(path, "rb");
        VG_CHECK(sf != NULL);
        if (sf) {
            char buf[4096], got[65];
            size_t n = fread(buf, 1, sizeof buf, sf);
            fclose(sf);
            sha256_hex(buf, n, got);
            VG_CHECK_STR(got, pdf_sha);
            VG_CHECK(n > 4 && memcmp(buf, "%PDF", 4) == 0);
        }
        /* write-fileinfo: its record beside it, <sha256>.<seconds>.<file_id>.json */
        char cmd[1024], js[1024] = "";
        snprintf(cmd, sizeof cmd, "ls %s/filestore/%.2s/%s.*.json 2>/dev/null", out, pdf_sha, pdf_sha);
        FILE *ls = popen(cmd, "r");
        if (ls) {
            if (!fgets(js, sizeof js, ls))
                js[0] = 0;
            pclose(ls);
        }
        js[strcspn(js, "\n")] = 0;
        VG_CHECK(js[0] != 0);
        json_error_t je;
        json_t *j = js[0] ? json_load_file(js, 0, &je) : NULL;
        VG_CHECK(j != NULL);
        if (j) {
            json_t *fi = json_object_get(j, "fileinfo");
            VG_CHECK_STR(json_string_value(json_object_get(j, "event_type")), "fileinfo");
            VG_CHECK(json_is_true(json_object_get(fi, "stored")));
            VG_CHECK_STR(json_string_value(json_object_get(fi, "sha256")), pdf_sha);
            char tail[64];
            snprintf(tail, sizeof tail, ".1700000001.%lld.json",
                     (long long)json_integer_value(json_object_get(fi, "file_id")));
            VG_CHECK(strlen(js) > strlen(tail) && strcmp(js + strlen(js) - strlen(tail), tail) == 0);
            json_decref(j);
        }
    }
    rm_rf(dir);
}

static const vg_test tests[] = {
    {"param_values", param_values},
    {"multipart_any_chunking", multipart_any_chunking},
    {"multipart_cut_and_capped", multipart_cut_and_capped},
    {"file_caps", file_caps},
    {"file_gaps_and_data", file_gaps_and_data},
    {"store_settings", store_settings},
    {"http_transaction_files", http_transaction_files},
    {"http_upload_files_and_limits", http_upload_files_and_limits},
    {"ssh_banners", ssh_banners},
    {"engine_end_to_end", engine_end_to_end},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
