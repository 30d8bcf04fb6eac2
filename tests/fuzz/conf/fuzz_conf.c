/* fuzz_conf.c: any bytes as a YAML configuration: the tree is built (or a
 * file:line error is returned), looked up, overridden and freed, without
 * crashes or leaks.  Includes are resolved relative to a path that does not
 * exist, so the target never reads real files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    err[0] = '\0';
    int rc = vg_conf_load_string(c, text, "/nonexistent-vigil-fuzz/fuzz.yaml", err);
    if (rc != VG_OK && strncmp(err, "/nonexistent-vigil-fuzz/", 24) != 0)
        abort(); /* every error names the file */
    (void)vg_conf_get_bool(c, "outputs.eve-log.enabled", false);
    (void)vg_conf_get_size(c, "stream.memcap", 0);
    (void)vg_conf_get_int(c, "outputs.0.eve-log.types.0", 0);
    (void)vg_conf_node_get(c, "vars.address-groups.HOME_NET");
    /* --set over whatever shape was loaded, with the first line as the key */
    char kv[128];
    size_t n = 0;
    while (n < size && n < sizeof kv - 1 && text[n] != '\n' && text[n] != '\0') {
        kv[n] = text[n];
        n++;
    }
    kv[n] = '\0';
    if (vg_conf_set_kv(c, kv, err) != VG_OK && !err[0])
        abort(); /* a failure always says why */
    (void)vg_conf_set(c, "outputs.eve-log.types.alert.payload", "yes");
    vg_conf_free(c);
    free(text);
    return 0;
}
