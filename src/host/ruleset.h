/*
 * ruleset.h: Wazuh/OSSEC-format decoders and rules, and the sessions that
 * run log lines through them.
 *
 * A vg_hruleset is loaded once (decoder files, rule files, CDB-like lists),
 * then frozen by vg_hruleset_finish(), which builds the rule tree: template
 * rules (id < 10) at the root, rules without a parent under the template of
 * their category, if_sid/if_group/if_level/if_matched_* rules under their
 * parents.  A frozen ruleset is read-only and may be shared by threads.
 *
 * A vg_hsession holds what correlation needs (events remembered for
 * frequency/timeframe rules, ignore timers, first-time-seen keys); one
 * session sees one stream of events in order (logtest's stdin, one daemon
 * worker).  Its memory is capped: each remembered-event list keeps at most
 * VG_HSESSION_MAX_EVENTS entries.
 *
 * Bad decoders and rules name file:line and the reason; they are skipped
 * and counted (vg_hruleset_errors()), unless the caller treats any error as
 * fatal.
 */
#ifndef VG_HOST_RULESET_H
#define VG_HOST_RULESET_H

#include "core/vg.h"
#include "core/jbuf.h"

#define VG_HSESSION_MAX_EVENTS 4096
#define VG_HLOG_MAX 65536            /* longer lines are truncated */

typedef struct vg_hruleset vg_hruleset;
typedef struct vg_hsession vg_hsession;
typedef struct vg_hevent vg_hevent;

int vg_hruleset_new(vg_hruleset **out) VG_WARN_UNUSED;
void vg_hruleset_free(vg_hruleset *rs);
/* Report each skipped decoder/rule to this callback (default: stderr). */
void vg_hruleset_set_warn(vg_hruleset *rs, void (*fn)(void *ctx, const char *msg), void *ctx);

/* Load one file of decoders / rules.  A file that cannot be read or parsed
 * is an error (errbuf); a bad element inside it is skipped and counted. */
int vg_hruleset_load_decoders(vg_hruleset *rs, const char *path, char *errbuf) VG_WARN_UNUSED;
int vg_hruleset_load_rules(vg_hruleset *rs, const char *path, char *errbuf) VG_WARN_UNUSED;
/* The same from memory; name is used in messages. */
int vg_hruleset_load_decoders_mem(vg_hruleset *rs, const char *name, const char *buf, size_t len,
                                  char *errbuf) VG_WARN_UNUSED;
int vg_hruleset_load_rules_mem(vg_hruleset *rs, const char *name, const char *buf, size_t len,
                               char *errbuf) VG_WARN_UNUSED;
/* Directory where rules' <list> paths are looked up by base name. */
int vg_hruleset_add_list_dir(vg_hruleset *rs, const char *dir, char *errbuf) VG_WARN_UNUSED;
/* A tree: DIR/decoders/ *.xml, DIR/rules/ *.xml (each sorted by name) and
 * DIR/lists/.  Also accepts a flat directory of .xml files, which are
 * classified by their first element (<decoder> or <group>/<rule>/<var>). */
int vg_hruleset_load_dir(vg_hruleset *rs, const char *dir, char *errbuf) VG_WARN_UNUSED;
/* Skip files of this base name in vg_hruleset_load_dir (Wazuh's
 * <rule_exclude>/<decoder_exclude>; its default excludes
 * 0215-policy_rules.xml). */
int vg_hruleset_exclude(vg_hruleset *rs, const char *basename) VG_WARN_UNUSED;
/* Build the rule tree; no loading afterwards. */
int vg_hruleset_finish(vg_hruleset *rs, char *errbuf) VG_WARN_UNUSED;

int vg_hruleset_ndecoders(const vg_hruleset *rs);
int vg_hruleset_nrules(const vg_hruleset *rs);
int vg_hruleset_errors(const vg_hruleset *rs);

int vg_hsession_new(vg_hsession **out, const vg_hruleset *rs) VG_WARN_UNUSED;
void vg_hsession_free(vg_hsession *s);
/* First-time-seen rules (if_fts) need memory of past events; logtest, like
 * wazuh-logtest, runs without it.  On by default. */
void vg_hsession_set_fts(vg_hsession *s, bool on);
/* Take event times from the lines' own time stamps when they have one
 * (replaying old logs keeps their timeframes); `year` completes BSD stamps.
 * Off by default: events are timed by the `now` the caller passes. */
void vg_hsession_use_log_time(vg_hsession *s, int year);
/* Decode one line and run the rules.  `now` is the event time in seconds
 * (timeframes, ignore), `location` is where the line came from.  The event
 * is owned by the session and valid until the next call. */
const vg_hevent *vg_hsession_process(vg_hsession *s, const char *line, size_t len,
                                     const char *location, double now);

/* Results of the last event. */
const char *vg_hevent_decoder(const vg_hevent *e);        /* NULL: no decoder */
const char *vg_hevent_decoder_parent(const vg_hevent *e);
int vg_hevent_nfields(const vg_hevent *e);
/* Name and value of field i (valid until the next event). */
void vg_hevent_field(const vg_hevent *e, int i, const char **name, const char **value);
/* Value of a named field ("srcip", "dstuser", "win.system.eventID"...) or NULL. */
const char *vg_hevent_get(const vg_hevent *e, const char *name);
const char *vg_hevent_program(const vg_hevent *e);        /* pre-decoded, or NULL */
const char *vg_hevent_hostname(const vg_hevent *e);
const char *vg_hevent_timestamp(const vg_hevent *e);
/* The rule that matched (possibly level 0), or none. */
bool vg_hevent_has_rule(const vg_hevent *e);
int vg_hevent_rule_id(const vg_hevent *e);
int vg_hevent_rule_level(const vg_hevent *e);
const char *vg_hevent_rule_description(const vg_hevent *e);  /* $(field) substituted */
int vg_hevent_rule_ngroups(const vg_hevent *e);
const char *vg_hevent_rule_group(const vg_hevent *e, int i);
int vg_hevent_rule_nmitre(const vg_hevent *e);
const char *vg_hevent_rule_mitre(const vg_hevent *e, int i);
/* Is it an alert (level > 0 and not noalert/no_log)? */
bool vg_hevent_alerts(const vg_hevent *e);
/* The rule asked not to keep the full log. */
bool vg_hevent_no_full_log(const vg_hevent *e);
/* Events this rule's frequency check counted (for the report). */
int vg_hevent_rule_firedtimes(const vg_hevent *e);

/* Append the logtest object {"decoder":..., "fields":{...}, "rule":{...}|null}
 * fields (without opening or closing the object) to jb. */
void vg_hevent_to_json(const vg_hevent *e, vg_jb *jb);

#endif
