/* fuzz_syslog.c: any bytes through the syslog header pre-decoder: the
 * slices it returns stay inside the input and the time parser never reads
 * past it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/syslog_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy exactly `size` bytes long, so ASan sees any overread */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    vg_syslog_hdr h;
    vg_syslog_predecode(buf, size, &h);
    const vg_slice *sl[] = {&h.time, &h.host, &h.program, &h.pid};
    for (size_t i = 0; i < 4; i++)
        if (sl[i]->len && sl[i]->off + sl[i]->len > size)
            abort();
    if (h.msg_off > size)
        abort();
    (void)vg_syslog_time(buf, &h, 2024);
    free(buf);
    return 0;
}
