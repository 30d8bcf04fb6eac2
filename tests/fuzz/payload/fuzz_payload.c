/*
 * fuzz_payload.c: rule options and a payload in, no crash out.
 *
 * Input: "<options>\n<payload bytes>".  The options are parsed with the
 * payload keywords (through the test stand-in for the rule parser), the fast
 * pattern is chosen, every buffer list is inspected over the payload bytes,
 * and when there is a fast pattern the prefilter is built and scanned.
 * Checks: a list that matches must still match when inspected again (the
 * engine is deterministic and leaves no state behind), and the step budget
 * is honoured.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/net/payload/pl_parse.h"

static void nop_hit(const vg_sig *s, void *arg)
{
    (void)s;
    ++*(int *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t olen = nl ? (size_t)(nl - data) : size;
    if (olen > 4096)
        return 0;
    char *opts = malloc(olen + 1);
    if (!opts)
        return 0;
    memcpy(opts, data, olen);
    opts[olen] = '\0';
    if (strlen(opts) != olen) { /* NUL inside: not a rule */
        free(opts);
        return 0;
    }
    const uint8_t *pay = nl ? nl + 1 : data + size;
    uint32_t plen = (uint32_t)(data + size - pay);
    vg_sig s = { 0 };
    char err[VG_ERRBUF_SIZE];
    if (pl_parse_options(&s, opts, false, err) == VG_OK) {
        vg_payload_choose_fast_pattern(&s);
        vg_inspect_ctx ic = { 0 };
        for (unsigned i = 0; i < s.nbufs; i++) {
            if (s.bufs[i].id == VG_BUF_BASE64_DATA)
                continue;
            int a = vg_payload_inspect(&ic, &s, &s.bufs[i], pay, plen);
            if (ic.steps > VG_PAYLOAD_STEP_LIMIT + 1)
                abort();
            int b = vg_payload_inspect(&ic, &s, &s.bufs[i], pay, plen);
            if (a != b)
                abort();
        }
        if (s.fast_pattern) {
            vg_sig *one = &s;
            vg_mpm *m = NULL;
            vg_mpm_scratch *sc = NULL;
            if (vg_mpm_build(&m, &one, 1, s.fast_pattern_buf, err) == VG_OK &&
                vg_mpm_scratch_alloc(m, &sc) == VG_OK) {
                int n = 0;
                (void)vg_mpm_scan(m, sc, pay, plen, nop_hit, &n);
                if (n > 1)
                    abort(); /* a sig is reported at most once per scan */
            }
            vg_mpm_scratch_free(sc);
            vg_mpm_free(m);
        }
        vg_inspect_ctx_release(&ic);
    }
    pl_sig_clear(&s);
    free(opts);
    return 0;
}
