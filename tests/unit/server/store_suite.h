/* store_suite.h: what the store suite's files share: a fresh store on the
 * backend under test (SQLite file, or $VG_TEST_STORE) and its disposal. */
#ifndef VG_TEST_STORE_SUITE_H
#define VG_TEST_STORE_SUITE_H

#include "server/store.h"

vg_store *fresh(void);
void done(vg_store *st);

void inventory_host_health(void);
void inventory_systems_schedule(void);
void inventory_evidence(void);
void inventory_runs_and_state(void);
void inventory_host_rate(void);
void inventory_evidence_register(void);
void inventory_host_caps(void);
void retention_by_level(void);
void retention_estimate(void);
void response_allowlist(void);
void response_nft_argv(void);
void response_blocks(void);
void response_rules(void);
void notify_rounds(void);
void rollup_counts_new_events_once(void);
void notify_mail_text(void);
void exceptions_match_at_ingest(void);
void exceptions_validation(void);
void exceptions_audited(void);
void events_ack_and_flags(void);
void partitions_boundaries(void);
void partitions_retention_drop(void);
void partitions_daily(void);
void partitions_migrate(void);
void certs_pki_serials(void);
void certs_register(void);

#endif
