/*
 * fuzz_detectconf.c: the detection engine's configuration parsers that the
 * rule target does not reach: classification.config text, threshold.config
 * (suppress/threshold/rate_filter/event_filter lines), and address and port
 * expressions with variables taken from the input (HOME_NET, HTTP_PORTS, as an
 * operator's suricata.yaml would set them, nesting and negation included).
 * First byte: the mode; the rest: the text.  Nothing may crash, leak, loop
 * or overrun; an error always says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/log.h"
#include "net/detect/detect_int.h"

static void check_err(int rc, const char *err)
{
    if (rc != VG_OK && !err[0])
        abort(); /* a refusal always says why */
}

static void addrs(vg_detect *de, const char *expr)
{
    char err[VG_ERRBUF_SIZE] = "";
    vg_addrset *as;
    int rc = vg_addr_parse(de, expr, &as, err);
    check_err(rc, err);
    if (rc == VG_OK) {
        vg_addr a;
        memset(&a, 0, sizeof a);
        a.family = 4;
        a.a[0] = 192, a.a[1] = 168, a.a[3] = 1;
        (void)vg_addr_match(as, &a);
        a.family = 6;
        a.a[0] = 0xfe, a.a[1] = 0x80;
        (void)vg_addr_match(as, &a);
    }
}

static void ports(vg_detect *de, const char *expr)
{
    char err[VG_ERRBUF_SIZE] = "";
    vg_portset *ps;
    int rc = vg_port_parse(de, expr, &ps, err);
    check_err(rc, err);
    if (rc == VG_OK) {
        uint16_t list[64];
        int n = vg_port_list(ps, list, 64);
        if (n > 64)
            abort();
        (void)vg_port_match(ps, 80);
        (void)vg_port_match(ps, 65535);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    vg_log_set_level(0);
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    int mode = data[0] % 4;
    char err[VG_ERRBUF_SIZE] = "";
    vg_conf *c = vg_conf_new();
    vg_detect *de = NULL;
    if (mode >= 2) {
        /* the text's first line is HOME_NET (or HTTP_PORTS), the second the
         * expression parsed against it */
        char *nl = strchr(text, '\n');
        const char *expr = nl ? nl + 1 : "$HOME_NET";
        if (nl)
            *nl = '\0';
        if (mode == 2) {
            vg_conf_set(c, "vars.address-groups.HOME_NET", text);
            vg_conf_set(c, "vars.address-groups.EXTERNAL_NET", "!$HOME_NET");
        } else {
            vg_conf_set(c, "vars.port-groups.HTTP_PORTS", text);
            vg_conf_set(c, "vars.port-groups.X", "[$HTTP_PORTS,!81]");
        }
        if (vg_detect_new(&de, c) == VG_OK) {
            if (mode == 2) {
                addrs(de, expr);
                addrs(de, "[$EXTERNAL_NET,10.0.0.0/8]");
            } else {
                ports(de, expr);
                ports(de, "$X");
            }
        }
    } else if (vg_detect_new(&de, c) == VG_OK) {
        if (mode == 0) {
            check_err(vg_class_load_text(de, text, "fuzz.config", err), err);
            (void)vg_class_find(de, "trojan-activity");
        } else {
            char path[64];
            snprintf(path, sizeof path, "/tmp/vg-fuzz-thr-%d.config", (int)getpid());
            FILE *fp = fopen(path, "wb");
            if (fp) {
                fwrite(text, 1, strlen(text), fp);
                fclose(fp);
                vg_class_load_builtin(de);
                if (vg_detect_add_rule(de, "alert tcp any any -> any any (msg:\"t\"; sid:1;)", err) == VG_OK)
                    check_err(vg_threshold_conf_load(de, path, err), err);
                unlink(path);
            }
        }
    }
    if (de)
        vg_detect_free(de);
    vg_conf_free(c);
    free(text);
    return 0;
}
