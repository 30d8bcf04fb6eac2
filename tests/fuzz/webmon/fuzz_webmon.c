/* fuzz_webmon.c: the website analysis (titles, script/iframe domains, hidden
 * links, word sets) on a page and a baseline split from the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    return 0;
}
