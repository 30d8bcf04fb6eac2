/* hjson.c: Wazuh's JSON_Decoder without plugins: a JSON object in the log
 * becomes fields named by their dotted paths ("win.system.eventID").
 * Scalars keep their text (numbers as written by jansson, booleans as
 * true/false); null is discarded; arrays are kept as compact JSON text.
 * Depth and field count are capped (HEV_MAX_FIELDS). */
#include "host/ruleset_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HJSON_MAX_DEPTH 32

static void set(vg_hevent *e, const char *name, const char *v, size_t n)
{
    /* "user" is Wazuh's alias of the static dstuser field */
    int id = strcmp(name, "user") == 0 ? HF_DSTUSER : vg_hfield_lookup(e->rs, name, strlen(name));
    (void)vg_hev_set(e, id, name, v, n);
}

static void walk(vg_hevent *e, json_t *j, char *path, size_t plen, size_t pcap, int depth)
{
    if (depth > HJSON_MAX_DEPTH || e->nfields >= HEV_MAX_FIELDS)
        return;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            size_t kl = strlen(k);
            size_t np = plen + (plen ? 1 : 0) + kl;
            if (np + 1 > pcap)
                continue;
            if (plen)
                path[plen] = '.';
            memcpy(path + plen + (plen ? 1 : 0), k, kl);
            path[np] = '\0';
            walk(e, v, path, np, pcap, depth + 1);
            path[plen] = '\0';
        }
        return;
    }
    if (plen == 0)
        return;
    char num[64];
    switch (json_typeof(j)) {
    case JSON_STRING:
        set(e, path, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        set(e, path, num, strlen(num));
        break;
    case JSON_REAL: {
        snprintf(num, sizeof(num), "%.15g", json_real_value(j));
        set(e, path, num, strlen(num));
        break;
    }
    case JSON_TRUE:
        set(e, path, "true", 4);
        break;
    case JSON_FALSE:
        set(e, path, "false", 5);
        break;
    case JSON_ARRAY: {
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (s) {
            set(e, path, s, strlen(s));
            free(s);
        }
        break;
    }
    default:
        break;
    }
}

void vg_hjson_decode(vg_hevent *e, const char *s, size_t len)
{
    /* skip to the first '{' (Wazuh decodes the object the log holds) */
    size_t i = 0;
    while (i < len && s[i] != '{')
        i++;
    if (i >= len)
        return;
    json_error_t err;
    json_t *j = json_loadb(s + i, len - i, JSON_DISABLE_EOF_CHECK, &err);
    if (!j)
        return;
    char path[1024];
    path[0] = '\0';
    walk(e, j, path, 0, sizeof(path), 0);
    json_decref(j);
}
