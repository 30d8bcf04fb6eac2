/*
 * net_conf.h: vigil net's configuration: the built-in default (Suricata
 * 8.0's default values), then a Suricata-style YAML file (-c), then
 * `--set key=value` overrides, merged in that order into one vg_conf.
 */
#ifndef VG_NET_ENGINE_NET_CONF_H
#define VG_NET_ENGINE_NET_CONF_H

#include "core/conf.h"

/* The built-in default configuration as YAML text. */
extern const char vg_net_default_conf[];

/* Build the configuration: default, then config_path (may be NULL), then
 * each "key=value" of the NULL-terminated sets (may be NULL).  Errors name
 * file:line (or the --set argument) and the reason. */
int vg_net_conf_load(vg_conf **out, const char *config_path, const char *const *sets,
                     char *errbuf) VG_WARN_UNUSED;

#endif
