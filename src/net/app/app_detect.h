/*
 * app_detect.h: what the detection loop (net/detect/detect.c) calls to
 * inspect signatures with app-layer buffers per transaction (see
 * app_detect.c for the semantics).  The loop, for a candidate s:
 *
 *     if (vg_app_sig_has_tx(s))
 *         for (tx = vg_app_detect_next_tx(dt, f, NULL, s, toserver); tx;
 *              tx = vg_app_detect_next_tx(dt, f, tx, s, toserver))
 *             if (full evaluation with app lists read through
 *                 vg_app_inspect_buf(ic, s, list, f, tx) matches) {
 *                 vg_app_tx_set_alerted(tx, s);  alert with tx id; break;
 *             }
 */
#ifndef VG_NET_APP_APP_DETECT_H
#define VG_NET_APP_APP_DETECT_H

#include "net/app/app.h"
#include "net/payload.h"

/* Does s have app-layer buffer lists (so it is inspected per transaction)? */
bool vg_app_sig_has_tx(const vg_sig *s);
/* s's fast pattern is in an app buffer, so the app prefilter decides
 * whether s is a candidate on a transaction. */
bool vg_app_sig_pf_eligible(const vg_sig *s);
/* OR into bits (one bit per sig id) the prefilter candidates of the
 * transactions of f that detection will look at in this direction; false
 * when the prefilter is unavailable (then treat every eligible sig as a
 * candidate).  Lets detection add only the app sigs whose fast pattern
 * occurs, instead of walking every app sig on every packet. */
/* Build the thread's app-layer prefilter databases now (else at first use). */
void vg_app_prefilter_prepare(vg_det_thread *dt);
bool vg_app_prefilter_union(vg_det_thread *dt, const vg_flow *f, bool toserver, uint64_t *bits,
                            uint32_t *list, uint32_t *nlist);
/* The next transaction of f after prev (NULL: from the first) that s may
 * inspect now, in direction toserver, and that has not alerted for s. */
vg_app_tx *vg_app_detect_next_tx(vg_det_thread *dt, const vg_flow *f, const vg_app_tx *prev,
                                 const vg_sig *s, bool toserver);
/* Free a detection thread's app-layer prefilter (dt->app_pf). */
void vg_app_prefilter_free(void *pf);
/* Remember that tx alerted for s. */
void vg_app_tx_set_alerted(vg_app_tx *tx, const vg_sig *s);
/* Inspect list b (an app buffer list of s) over tx's buffer: 1 match, 0 not. */
int vg_app_inspect_buf(vg_inspect_ctx *ic, const vg_sig *s, const vg_sig_buf *b,
                       const vg_flow *f, const vg_app_tx *tx);

#endif
