/*
 * app_transform.h: buffer transforms of app-layer sticky buffers (see
 * app_transform.c).
 */
#ifndef VG_NET_APP_APP_TRANSFORM_H
#define VG_NET_APP_APP_TRANSFORM_H

#include "net/sig.h"

/* The transform keywords (NULL-terminated). */
const vg_keyword *const *vg_app_transform_keywords(void);
bool vg_app_is_transform(const vg_sm *sm);
/* Apply the transforms at the head of list b to the buffer (data, len):
 * on return (data, len) is the transformed buffer (held in owned, to be
 * freed by the caller; the input unchanged when there is no transform) and the
 * result is the first sm after the transforms (NULL: nothing left, or out
 * of memory with *len 0). */
const vg_sm *vg_app_transform(const vg_sig_buf *b, const uint8_t **data, uint32_t *len,
                              uint8_t **owned);

/* The `absent` keyword at the head of a list: 0 none, 1 absent (the
 * buffer must be missing), 2 absent: or_else (missing, or the rest of the
 * list matches).  It is a transform as far as vg_app_transform() goes. */
int vg_app_absent_mode(const vg_sm *sm);

#endif
