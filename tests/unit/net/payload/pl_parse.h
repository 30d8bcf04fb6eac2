/*
 * pl_parse.h: a minimal stand-in for the rule parser's option handling, for
 * the payload unit tests, the fuzz target and the ET measurement tool.  It
 * implements the parser helpers of sig.h (current buffer, byte variables)
 * and splits "kw:arg; kw; ..." option strings, handing payload keywords to
 * their setup().  Never linked with the real rule parser (same symbols).
 */
#ifndef PL_PARSE_H
#define PL_PARSE_H

#include "net/payload.h"
#include "net/payload/payload_keywords.h"

/* Parse opts into s (zeroed by the caller).  With skip_unknown, options that
 * are not payload keywords are ignored (and "sid" is stored in s->sid).
 * Returns VG_OK or the first keyword's error (errbuf says why). */
int pl_parse_options(vg_sig *s, const char *opts, bool skip_unknown, char *errbuf);

/* Free what pl_parse_options attached to s (lists and keyword contexts). */
void pl_sig_clear(vg_sig *s);

#endif
