/*
 * inventory_int.h: what inventory.c shares with inventory_register.c: row
 * helpers over vg_store_exec and the validation of request fields.  Not for
 * other modules.
 */
#ifndef VG_SERVER_INVENTORY_INT_H
#define VG_SERVER_INVENTORY_INT_H

#include <jansson.h>

#include "server/store.h"

void vg_inv_i64s(char *b, size_t cap, int64_t v);
/* Rows as an array of objects; cols are "s:name" (string), "i:name"
 * (integer), "t:name" (µs → ISO time, 0 → null), "j:name" (JSON text).
 * NULL on a store error (errbuf set). */
json_t *vg_inv_query(vg_store *st, const char *sql, const char *const *p, int np,
                     const char *const *cols, int ncols, char *errbuf);
/* Row callbacks: the first column as int64_t / as a string of 128 bytes. */
void vg_inv_first_int(void *arg, int n, const char *const *v);
void vg_inv_first_str(void *arg, int n, const char *const *v);
/* A string member (NULL when absent or null); *bad when not a string, over
 * 1,016 bytes or holding a NUL. */
const char *vg_inv_get_str(json_t *body, const char *key, bool *bad);
/* An integer member; false when absent; *bad when not an integer. */
bool vg_inv_get_int(json_t *body, const char *key, int64_t *out, bool *bad);
/* 1-VG_INV_MAX_NAME bytes, no control characters. */
bool vg_inv_good_name(const char *s);
/* Whether system `sys` exists; sunit (128 bytes) gets its unit. */
bool vg_inv_system_unit(vg_store *st, const char *sys, char *sunit);
/* Move the system's last inspection to ts (µs, text) when later. */
int vg_inv_bump_inspection(vg_store *st, const char *system, const char *ts, char *errbuf);

#endif
