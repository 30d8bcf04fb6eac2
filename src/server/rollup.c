/* rollup.c: per-hour counters for the overview (see rollup.h). */
#include "server/rollup.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Clustered by (kind, hour): the overview reads one kind over a range of
 * hours as one contiguous, covering range (SQLite WITHOUT ROWID). */
static const char ddl[] =
    "CREATE TABLE IF NOT EXISTS event_rollup ("
    " kind TEXT NOT NULL, hour BIGINT NOT NULL, unit TEXT NOT NULL, key TEXT NOT NULL,"
    " n BIGINT NOT NULL, PRIMARY KEY (kind, hour, unit, key))%WITHOUT_ROWID%";

int vg_rollup_schema(vg_store *st, char *errbuf) { return vg_store_ddl(st, ddl, errbuf); }

typedef struct cell {
    const char *unit, *kind, *key;  /* borrowed from the batch */
    int64_t hour, n;
    uint64_t hash;
    char keybuf[16];                /* severity as text */
} cell;

typedef struct table {
    cell *v;
    size_t cap, used;
} table;

static uint64_t mix(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static int bump(table *t, const char *unit, int64_t hour, const char *kind, const char *key)
{
    if (t->used * 2 >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        cell *nv = calloc(cap, sizeof(*nv));
        if (!nv)
            return VG_ENOMEM;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->v[i].kind)
                continue;
            size_t j = t->v[i].hash & (cap - 1);
            while (nv[j].kind)
                j = (j + 1) & (cap - 1);
            nv[j] = t->v[i];
            if (t->v[i].key == t->v[i].keybuf)
                nv[j].key = nv[j].keybuf;
        }
        free(t->v);
        t->v = nv;
        t->cap = cap;
    }
    uint64_t h = mix(mix(mix(1469598103934665603ull ^ (uint64_t)hour, unit), kind), key);
    size_t j = h & (t->cap - 1);
    while (t->v[j].kind) {
        cell *c = &t->v[j];
        if (c->hash == h && c->hour == hour && strcmp(c->unit, unit) == 0 &&
            strcmp(c->kind, kind) == 0 && strcmp(c->key, key) == 0) {
            c->n++;
            return VG_OK;
        }
        j = (j + 1) & (t->cap - 1);
    }
    cell *c = &t->v[j];
    *c = (cell){.unit = unit, .kind = kind, .hour = hour, .n = 1, .hash = h};
    if (strlen(key) < sizeof c->keybuf && key[0] >= '0' && key[0] <= '9') {
        snprintf(c->keybuf, sizeof c->keybuf, "%s", key);
        c->key = c->keybuf;     /* a severity formatted on the stack */
    } else {
        c->key = key;
    }
    t->used++;
    return VG_OK;
}

int vg_rollup_add(vg_store *st, const vg_store_event *ev, size_t n, const uint8_t *is_new,
                  char *errbuf)
{
    table t = {0};
    int rc = VG_OK;
    for (size_t i = 0; rc == VG_OK && i < n; i++) {
        if (is_new && !is_new[i])
            continue;
        const vg_store_event *e = &ev[i];
        const char *unit = e->unit ? e->unit : "";
        const char *type = e->event_type ? e->event_type : "";
        int64_t hour = e->ts_us >= 0 ? e->ts_us / VG_HOUR_US : (e->ts_us + 1) / VG_HOUR_US - 1;
        rc = bump(&t, unit, hour, "type", type);
        if (rc == VG_OK && strcmp(type, "alert") == 0) {
            char sev[16];
            snprintf(sev, sizeof sev, "%d", e->severity);
            int64_t day = (hour >= 0 ? hour / 24 : (hour - 23) / 24) * 24;
            const char *sig = e->signature ? e->signature : "", *src = e->src_ip ? e->src_ip : "",
                       *dst = e->dest_ip ? e->dest_ip : "";
            rc = bump(&t, unit, hour, "sig", sig);
            if (rc == VG_OK)
                rc = bump(&t, unit, hour, "src", src);
            if (rc == VG_OK)
                rc = bump(&t, unit, hour, "dest", dst);
            if (rc == VG_OK)
                rc = bump(&t, unit, hour, "sev", sev);
            /* Per day too: the top lists of long windows read fewer rows. */
            if (rc == VG_OK)
                rc = bump(&t, unit, day, "sigd", sig);
            if (rc == VG_OK)
                rc = bump(&t, unit, day, "srcd", src);
            if (rc == VG_OK)
                rc = bump(&t, unit, day, "destd", dst);
        }
    }
    if (rc != VG_OK) {
        free(t.v);
        return vg_err(errbuf, rc, "rollup: out of memory");
    }
    if (!t.used) {
        free(t.v);
        return VG_OK;
    }
    if (vg_store_begin(st) != VG_OK) {
        free(t.v);
        return vg_err(errbuf, VG_EIO, "rollup: cannot begin");
    }
    for (size_t i = 0; rc == VG_OK && i < t.cap; i++) {
        cell *c = &t.v[i];
        if (!c->kind)
            continue;
        char hour[24], cnt[24];
        snprintf(hour, sizeof hour, "%" PRId64, c->hour);
        snprintf(cnt, sizeof cnt, "%" PRId64, c->n);
        const char *p[] = {c->unit, hour, c->kind, c->key, cnt};
        rc = vg_store_exec(st,
                           "INSERT INTO event_rollup(unit, hour, kind, key, n) VALUES(?,?,?,?,?) "
                           "ON CONFLICT (kind, hour, unit, key) DO UPDATE SET n = event_rollup.n + excluded.n",
                           p, 5, NULL, NULL, NULL, errbuf);
    }
    free(t.v);
    if (rc == VG_OK)
        rc = vg_store_commit(st) == VG_OK ? VG_OK : vg_err(errbuf, VG_EIO, "rollup: commit");
    else
        vg_store_rollback(st);
    return rc;
}

int vg_rollup_prune(vg_store *st, int64_t cutoff_us, int64_t *deleted, char *errbuf)
{
    char h[24];
    snprintf(h, sizeof h, "%" PRId64, cutoff_us / VG_HOUR_US);
    const char *p[] = {h};
    return vg_store_exec(st, "DELETE FROM event_rollup WHERE hour < ?", p, 1, NULL, NULL, deleted,
                         errbuf);
}
