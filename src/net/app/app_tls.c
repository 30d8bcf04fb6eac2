/* app_tls.c: TLS handshakes (placeholder until the parser lands). */
#include "net/app/app_int.h"

const app_parser vg_app_parser_tls = {
    .alproto = VG_ALPROTO_TLS,
    .eve_kind = -1,
    .detect = vg_app_detect_tls,
};
