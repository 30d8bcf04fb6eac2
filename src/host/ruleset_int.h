/*
 * ruleset_int.h: internals shared by decoders.c, rules.c, rule_eval.c and
 * hlists.c.  Not part of the host library's interface.
 *
 * Fields are interned: every name a decoder's <order>, a rule's <field> or
 * a same_field uses gets a small id at load time; ids below HF_NSTATIC are
 * Wazuh's static fields.  An event stores (id, name, value) triples in a
 * per-event pool, so a rule looks a field up by id without string compares.
 */
#ifndef VG_HOST_RULESET_INT_H
#define VG_HOST_RULESET_INT_H

#include "host/ruleset.h"
#include "host/osregex.h"
#include "host/syslog_hdr.h"

enum {
    HF_SRCIP, HF_DSTIP, HF_SRCPORT, HF_DSTPORT, HF_PROTOCOL, HF_ACTION, HF_SRCUSER,
    HF_DSTUSER, HF_ID, HF_STATUS, HF_URL, HF_DATA, HF_EXTRA_DATA, HF_SYSTEM_NAME,
    HF_NSTATIC,
    /* pseudo fields from pre-decoding and the event itself (never stored) */
    HF_PROGRAM = 1 << 30, HF_HOSTNAME, HF_LOCATION, HF_LOG, HF_USER_ANY, HF_FULL_LOG, HF_PID,
};

#define HEV_MAX_FIELDS 256
#define HEV_POOL_MAX (1u << 20)

typedef struct hdecoder hdecoder;
struct hdecoder {
    char *name;
    char *parent_name;
    hdecoder *parent;
    hdecoder *canon;            /* first top decoder of this name: holds the children */
    hdecoder **children;
    int nchildren;
    int id;                     /* shared by a parent and its children */
    char *type;                 /* category, default "syslog" */
    vg_hpat *program_name;
    vg_hpat *prematch;
    int prematch_offset;        /* 0 or DEC_AFTER_PARENT */
    vg_hpat *regex;
    int regex_offset;           /* 0, DEC_AFTER_PARENT, DEC_AFTER_PREMATCH, DEC_AFTER_REGEX */
    int *order;                 /* field id per capture (-1: ignored) */
    int norder;
    bool json;
    int json_offset;
    bool use_own_name;
    int carry_field;            /* vigil: field carried between events of one process (-1 none) */
    int carry_key;              /* field naming the process, -1: the syslog pid */
    int *fts;                   /* field ids for first-time-seen (HF_PROGRAM etc. allowed) */
    int nfts;
    const char *file;
    int line;
};

enum { DEC_AFTER_PARENT = 1, DEC_AFTER_PREMATCH = 2, DEC_AFTER_REGEX = 4 };

typedef struct hcond {          /* a pattern on a field */
    int field;                  /* field id or pseudo */
    vg_hpat *pat;
} hcond;

typedef struct hipnet {
    bool v6;
    uint8_t addr[16];
    int bits;
} hipnet;

typedef struct hipcond {
    int field;                  /* HF_SRCIP / HF_DSTIP */
    bool negate;
    hipnet *nets;
    int nnets;
} hipcond;

typedef struct hlist hlist;

enum { LK_MATCH_KEY, LK_NOT_MATCH_KEY, LK_MATCH_KEY_VALUE, LK_ADDRESS_MATCH_KEY,
       LK_NOT_ADDRESS_MATCH_KEY, LK_ADDRESS_MATCH_KEY_VALUE };

typedef struct hlistcond {
    int field;
    int lookup;
    hlist *list;
    vg_hpat *check_value;
} hlistcond;

/* same_/different_ constraint on a field */
typedef struct hsame {
    int field;
    bool different;
} hsame;

typedef struct hrule hrule;
struct hrule {
    int id, level;
    int idx;                    /* index in the ruleset's rule array */
    int frequency, timeframe, ignore_time;
    int maxsize;                /* match only logs longer than this */
    bool noalert, no_log, no_full_log;
    char *category;             /* NULL: syslog */
    char **groups;
    int ngroups;
    char *description;
    char **mitre;
    int nmitre;
    int decoded_as;             /* decoder id, -1 none, -2 unknown decoder name */
    char *decoded_as_name;
    hcond *conds;               /* match, regex, program_name, field... in order */
    int nconds;
    hipcond *ipconds;
    int nipconds;
    hlistcond *lists;
    int nlists;
    hsame *same;
    int nsame;
    int *if_sid;
    int nif_sid;
    char *if_group;
    int if_level;
    int *if_matched_sid;
    int nif_matched_sid;
    int *if_matched_idx;        /* their rule indexes (-1 unknown), set by finish */
    char *if_matched_group;
    bool if_fts;
    int time_start, time_end;   /* minutes of day, -1 none */
    uint8_t weekdays;           /* bit per day (0 Sunday), 0 none */
    bool tracked;               /* some rule correlates on this one */
    bool unsupported;           /* uses an option we cannot evaluate: never matches */
    hrule **children;
    int nchildren;
    const char *file;
    int line;
};

typedef struct hfield {
    int id;                     /* interned id, or -1 (JSON key unknown to the rules) */
    uint32_t name_off;          /* name in the pool when id < 0, else 0 */
    uint32_t val_off, val_len;
} hfield;

struct vg_hevent {
    char *pool;                 /* values, NUL-terminated each */
    size_t plen, pcap;
    hfield fields[HEV_MAX_FIELDS];
    int nfields;
    char *linebuf;              /* VG_HLOG_MAX + 1 bytes, owned */
    const char *line;           /* full log (linebuf) */
    size_t linelen;
    const char *log;            /* after the syslog header (inside linebuf) */
    size_t loglen;
    char *lcbuf;                /* lower-cased copy of linebuf, owned */
    const char *loglc;          /* lower-cased log (inside lcbuf) */
    const char *location;
    vg_syslog_hdr hdr;
    char *program, *hostname, *timestamp, *pid; /* point into the arrays below or NULL */
    char program_buf[256], hostname_buf[256], timestamp_buf[64], pid_buf[24];
    const vg_hruleset *rs;
    const hdecoder *dec;        /* decoder that matched (child or parent) */
    const hdecoder *top;        /* its top decoder */
    const char *type;           /* category: the matching decoders' <type> */
    const hrule *rule;
    double now;
    int firedtimes;
    char *desc;                 /* substituted description (heap) */
    size_t desc_cap;
    bool truncated;
};

typedef struct hintern {
    char **names;
    int n, cap;
    int *slots;                 /* open addressing: index+1 or 0 */
    int nslots;
} hintern;

struct vg_hruleset {
    hdecoder **decs;            /* all decoders in load order */
    int ndecs;
    hdecoder **tops;            /* top-level decoders in load order */
    int ntops;
    int next_dec_id;
    hrule **rules;              /* load order (overwrite replaces in place) */
    int nrules;
    hrule **roots;
    int nroots;
    hintern fields;
    char **var_names, **var_values; /* <var> definitions */
    int nvars;
    char **list_dirs;
    int nlist_dirs;
    hlist **lists;
    int nlists;
    char **excluded;            /* base names load_dir skips */
    int nexcluded;
    char **files;               /* file names kept for messages */
    int nfiles;
    int errors;
    bool finished;
    bool *corr;                 /* per field id: some rule correlates on it */
    bool corr_pseudo;           /* ... on program, hostname or location */
    int win_field;              /* id of win.system.providerName, -1 unknown */
    int pid_field;              /* id of a decoded "pid" field, -1 none */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
};

/* field interning */
int vg_hfield_intern(vg_hruleset *rs, const char *name);      /* -1 on ENOMEM */
int vg_hfield_lookup(const vg_hruleset *rs, const char *name, size_t len); /* -1 unknown */
const char *vg_hfield_name(const vg_hruleset *rs, int id);
const char *vg_hruleset_keep_file(vg_hruleset *rs, const char *path);
void vg_hruleset_warn(vg_hruleset *rs, const char *fmt, ...) VG_PRINTF(2, 3);

/* event helpers (rule_eval.c) */
int vg_hev_set(vg_hevent *e, int id, const char *name, const char *val, size_t len);
const char *vg_hev_get_id(const vg_hevent *e, int id, size_t *len);

/* decoders.c */
/* progbits: bit i set when top decoder i's program_name matches the
 * event's program (computed once per program name by the session), or
 * NULL to match program names here. */
void vg_hdecode(const vg_hruleset *rs, vg_hevent *e, const uint8_t *progbits);
void vg_hdecode_progbits(const vg_hruleset *rs, const char *program, uint8_t *bits);
void vg_hdecoder_free(hdecoder *d);

/* JSON decoding of s[0..len) into fields (hjson.c) */
void vg_hjson_decode(vg_hevent *e, const char *s, size_t len);

/* lists (hlists.c) */
hlist *vg_hlist_get(vg_hruleset *rs, const char *path, char *errbuf);
bool vg_hlist_check(const hlistcond *c, const char *val, size_t len);
void vg_hlist_free(hlist *l);

/* rules.c */
void vg_hrule_free(hrule *r);
bool vg_hip_parse(const char *s, hipnet *out);
bool vg_hip_in(const hipnet *net, const char *s, size_t len);

#endif
