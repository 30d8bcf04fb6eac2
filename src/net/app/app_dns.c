/* app_dns.c: DNS over UDP and TCP (placeholder until the parser lands). */
#include "net/app/app_int.h"

const app_parser vg_app_parser_dns = {
    .alproto = VG_ALPROTO_DNS,
    .eve_kind = -1,
    .detect = vg_app_detect_dns,
};
