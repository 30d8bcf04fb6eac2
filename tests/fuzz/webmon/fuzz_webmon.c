/* fuzz_webmon.c: the website analysis (titles, script/iframe domains, hidden
 * links, word sets) on a page and a baseline split from the input; the whole
 * input as a DNS response to an NS and to an MX question (dnsrec.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/dnsrec.h"
#include "inspect/webmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20)
        return 0;
    size_t split = 1 + (size - 1) * data[0] / 255;
    /* exact-size copies so that reads past either part are caught */
    char *a = malloc(split), *b = malloc(size - split + 1);
    memcpy(a, data + 1, split - 1);
    a[split - 1] = '\0';
    memcpy(b, data + split, size - split);
    b[size - split] = '\0';
    vg_web_result r;
    memset(&r, 0, sizeof r);
    vg_web_analyse(a, split - 1, b, size - split, &r);
    memset(&r, 0, sizeof r);
    vg_web_analyse(a, split - 1, NULL, 0, &r);
    free(a);
    free(b);
    /* an exact-size copy, the id taken from the message itself */
    unsigned char *m = malloc(size);
    memcpy(m, data, size);
    char out[512];
    uint16_t id = size >= 2 ? (uint16_t)(m[0] << 8 | m[1]) : 0;
    int n = vg_dnsrec_parse(m, size, id, VG_DNS_NS, out, sizeof out);
    if (n > 0 && !out[0])
        abort(); /* records found must be listed */
    (void)vg_dnsrec_parse(m, size, id, VG_DNS_MX, out, sizeof out);
    (void)vg_dnsrec_parse(m, size, id, VG_DNS_MX, out, 8); /* a short output buffer */
    free(m);
    return 0;
}
