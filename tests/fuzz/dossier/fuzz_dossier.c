/* fuzz_dossier.c: the design-dossier parser and appraisal (appraise.c). */
#include <stdint.h>
#include <stdlib.h>

#include "core/jbuf.h"
#include "inspect/appraise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    char errbuf[VG_ERRBUF_SIZE];
    vg_appraisal *a;
    int level = data[0] % 6;
    if (vg_appr_load_buffer((const char *)data + 1, size - 1, "fuzz.yaml", level, &a, errbuf) == VG_OK) {
        vg_jb jb;
        vg_jb_init(&jb);
        vg_appr_json(&jb, a);
        vg_jb_free(&jb);
        vg_appr_free(a);
    }
    return 0;
}
