/* fuzz_jbuf.c: any bytes as a JSON string value must give valid, bounded output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/jbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_jb_strn(&jb, "s", data, size);
    vg_jb_b64(&jb, "b", data, size);
    vg_jb_printable(&jb, "p", data, size);
    vg_jb_close_obj(&jb);
    if (vg_jb_ok(&jb) && (jb.buf[0] != '{' || jb.buf[jb.len - 1] != '}'))
        abort();
    for (size_t i = 0; vg_jb_ok(&jb) && i < jb.len; i++)
        if ((unsigned char)jb.buf[i] < 0x20)
            abort(); /* control bytes must be escaped */
    vg_jb_free(&jb);
    return 0;
}
