/* fuzz_files.c: the multipart/form-data parser and file tracking
 * (net/app/file.h).  Input: byte 0 picks the chunk size, then a boundary
 * line ("b=<boundary>\n"; a default one without it), then the body.  The
 * body also goes through the Content-Disposition parameter parser, the
 * Content-Range parser and the SSH banner splitter, and each file found is written as a fileinfo object.
 * When byte 0 has its top bit set, every third chunk is a gap instead (as
 * file_http.c hands one over: to the open part, which the gap ends).
 * Request files keep file.data content up to 64 bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/jbuf.h"
#include "net/app/file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int vg_ssh_parse_banner(const char *line, uint32_t n, const char **proto, uint32_t *plen,
                        const char **soft, uint32_t *slen);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t chunk = (uint32_t)data[0] % 97u + 1u;
    bool gaps = (data[0] & 0x80) != 0;
    data++;
    size--;
    char ct[400] = "multipart/form-data; boundary=fuzzb";
    if (size > 2 && data[0] == 'b' && data[1] == '=') {
        const uint8_t *nl = memchr(data, '\n', size < 300 ? size : 300);
        if (nl) {
            size_t bl = (size_t)(nl - data) - 2;
            memcpy(ct + 30, data + 2, bl);
            ct[30 + bl] = 0;
            size -= (size_t)(nl - data) + 1;
            data = nl + 1;
        }
    }
    const char *pr, *so;
    uint32_t pl, sl;
    if (vg_ssh_parse_banner((const char *)data, (uint32_t)size, &pr, &pl, &so, &sl) == 0 &&
        (pr + pl > (const char *)data + size || so + sl > (const char *)data + size))
        abort(); /* the banner's parts stay inside the line */
    char out[64];
    (void)vg_mpart_param(data, (uint32_t)size, "filename", out, sizeof out);
    uint64_t rs, re;
    if (vg_file_content_range(data, (uint32_t)size, &rs, &re) == 0 && re < rs)
        abort(); /* a range never ends before it starts */
    vg_files_ctx *fc = vg_files_ctx_new(NULL, NULL);
    vg_file_list *fl = calloc(1, sizeof(*fl));
    if (!fc || !fl) {
        free(fl);
        vg_files_ctx_free(fc);
        return 0;
    }
    fl->data_max[0] = 64;
    fl->mp = vg_mpart_new(fc, fl, 1, (const uint8_t *)ct, (uint32_t)strlen(ct));
    uint64_t gap_bytes = 0;
    for (size_t i = 0, c = 0; fl->mp && i < size; i += chunk, c++) {
        size_t k = size - i < chunk ? size - i : chunk;
        if (gaps && c % 3 == 2) {
            if (fl->cur[0])
                gap_bytes += k;
            vg_file_gap(fl->cur[0], (uint32_t)k);
            vg_mpart_end(fl->mp);
            continue;
        }
        vg_mpart_feed(fl->mp, data + i, (uint32_t)k);
    }
    vg_mpart_end(fl->mp);
    vg_jb jb;
    vg_jb_init(&jb);
    uint64_t total = 0;
    for (vg_file *f = fl->head; f; f = f->next) {
        total += f->size;
        if (f->data_len > 64 || f->data_len > f->size || (f->gaps && f->hmask))
            abort(); /* file.data content capped, within the file; no digest over a gap */
        vg_jb_reset(&jb);
        vg_jb_open_obj(&jb, NULL);
        vg_file_eve(f, &jb, true, true, true, false);
        vg_jb_close_obj(&jb);
    }
    if (total > size + gap_bytes)
        abort(); /* a file never holds more than the body (and its gaps) */
    vg_jb_free(&jb);
    vg_file_list_free(fl);
    vg_files_ctx_free(fc);
    return 0;
}
