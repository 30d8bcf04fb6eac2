/*
 * fuzz_api.c: the request values that reach a firewall or a query: any
 * bytes as an address to block (allow-list entry, canonical form, the nft
 * element argument) and as an API time stamp.  Invariants: whatever is
 * accepted reaches nft's argument as "{ ADDR [timeout Ns] }" with ADDR made
 * only of hex digits, dots and colons; the allow-list's built-ins always
 * hold; time stamps either fail or give a value.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/ingest.h"
#include "server/response.h"

static void check_element(const char *buf)
{
    size_t n = strlen(buf);
    if (n < 5 || strncmp(buf, "{ ", 2) != 0 || strcmp(buf + n - 2, " }") != 0)
        abort();
    const char *p = buf + 2;
    while (*p && *p != ' ') {
        if (!strchr("0123456789abcdef.:", *p))
            abort();
        p++;
    }
    if (strncmp(p, " timeout ", 9) == 0) {
        p += 9;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p != 's')
            abort();
        p++;
    }
    if (strcmp(p, " }") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[128];
    size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
    memcpy(s, data, n);
    s[n] = '\0';
    char canon[64], buf[128];
    int fam;
    const char *argv[16];
    if (vg_ip_canonical(s, canon, &fam)) {
        if (vg_nft_element_argv(true, s, fam, 3600, buf, sizeof buf, argv) != VG_OK)
            abort();
        check_element(argv[6]);
        if (vg_nft_element_argv(false, s, fam, 0, buf, sizeof buf, argv) != VG_OK)
            abort();
        check_element(argv[6]);
    } else if (vg_nft_element_argv(true, s, AF_INET, 60, buf, sizeof buf, argv) == VG_OK ||
               vg_nft_element_argv(true, s, AF_INET6, 60, buf, sizeof buf, argv) == VG_OK) {
        abort(); /* nothing unparsed reaches nft */
    }
    vg_allowlist a;
    vg_allow_init(&a);
    char err[VG_ERRBUF_SIZE];
    (void)!vg_allow_add(&a, s, err);
    if (!vg_allow_contains(&a, "127.0.0.1") || !vg_allow_contains(&a, "::1"))
        abort();
    (void)vg_allow_contains(&a, s);
    int64_t us;
    (void)vg_ingest_parse_ts(s, &us);
    return 0;
}
