/*
 * sca_out.h: serialise SCA results: the `sca` event of the event model (one
 * per check) and the policy document written by `--json` (policy, summary,
 * thresholds with their sources, defects, every check with its result).
 * A policy whose requirements were not met has "applicable": false and
 * "requirements": the reason; its checks are "not applicable" with that
 * reason and its summary counts none as passed or failed (score -1).
 */
#ifndef VG_INSPECT_SCA_OUT_H
#define VG_INSPECT_SCA_OUT_H

#include <sys/time.h>

#include "core/jbuf.h"
#include "inspect/sca.h"

/* {"timestamp":..,"event_type":"sca","host":..,"sca":{"policy":..,"check":{..}}} */
void vg_sca_event(vg_jb *jb, const struct timeval *tv, const char *host,
                  const vg_sca_policy *p, const vg_sca_check *c);
/* One policy object (as a value of `key`, or an array item when key NULL). */
void vg_sca_json_policy(vg_jb *jb, const char *key, const vg_sca_policy *p, double elapsed_ms);

#endif
