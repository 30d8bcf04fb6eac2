/* fuzz_hostrules.c: any bytes as a Wazuh rule file and as a decoder file:
 * the tolerant XML reader and the loaders reject or load, never crash, and
 * a loaded ruleset runs a few lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char eb[VG_ERRBUF_SIZE];
    vg_hruleset *rs;
    if (vg_hruleset_new(&rs) < 0)
        return 0;
    vg_hruleset_set_warn(rs, NULL, NULL);
    int r1 = vg_hruleset_load_decoders_mem(rs, "fuzz-d", (const char *)data, size, eb);
    int r2 = vg_hruleset_load_rules_mem(rs, "fuzz-r", (const char *)data, size, eb);
    (void)r1;
    (void)r2;
    if (vg_hruleset_finish(rs, eb) == VG_OK) {
        vg_hsession *s;
        if (vg_hsession_new(&s, rs) == VG_OK) {
            static const char *lines[] = {
                "Feb  9 11:44:56 srv sshd[1]: Failed password for bob from 1.2.3.4 port 22 ssh2",
                "{\"a\":{\"b\":\"x\"},\"srcip\":\"1.2.3.4\"}",
                "plain line without header",
            };
            for (int i = 0; i < 6; i++)
                (void)vg_hsession_process(s, lines[i % 3], strlen(lines[i % 3]), "fuzz", 100 + i);
            vg_hsession_free(s);
        }
    }
    vg_hruleset_free(rs);
    return 0;
}
