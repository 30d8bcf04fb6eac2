/*
 * fuzz_certs.c: what reaches the certificate register from outside: any
 * bytes as a serial an operator or the admin API names
 * (vg_cert_serial_parse), as raw serial bytes (vg_pki_serial_hex, what a
 * peer certificate carries) and as a PEM certificate (vg_pki_cert_info,
 * what `vigil forward` reads back after enrolment and renewal).
 * Invariants: an accepted serial is non-empty lowercase hex of whole bytes
 * with no leading zero byte (unless it is the one byte 00), and parsing it
 * again gives it back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/enroll.h"
#include "server/pki.h"

static void check_serial(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n % 2 || n >= VG_PKI_SERIAL_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]))
            abort();
    if (n > 2 && s[0] == '0' && s[1] == '0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char out[VG_PKI_SERIAL_MAX], again[VG_PKI_SERIAL_MAX];
    if (vg_cert_serial_parse(text, out) == VG_OK) {
        check_serial(out);
        if (vg_cert_serial_parse(out, again) != VG_OK || strcmp(out, again) != 0)
            abort();
    }
    if (size > 0) {
        vg_pki_serial_hex(data, size, out);
        if (strlen(out) >= VG_PKI_SERIAL_MAX)
            abort();
    }
    vg_pki_cert c;
    if (vg_pki_cert_info(text, size, &c) == VG_OK)
        check_serial(c.serial);
    free(text);
    return 0;
}
