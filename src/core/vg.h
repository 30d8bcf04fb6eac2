/*
 * vg.h: the conventions every vigil module shares.
 *
 * One result convention: VG_OK (0) on success, a negative VG_E* on error,
 * VG_DECLINED for "not mine, try the next handler".  Functions that can fail
 * return int and pass results through out-pointers.  Parsers of rules and
 * configs fill a caller-supplied error buffer (VG_ERRBUF_SIZE bytes) with
 * "file:line: field: reason".  A malformed packet or log line is data, never
 * an error: it raises an event and a counter.
 */
#ifndef VG_H
#define VG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum {
    VG_OK = 0,
    VG_DECLINED = 1,  /* not mine; not an error */
    VG_ENOMEM = -1,   /* allocation failed */
    VG_EINVAL = -2,   /* bad input from a file, a rule or a caller */
    VG_ELIMIT = -3,   /* a cap was reached */
    VG_EIO = -4,      /* I/O failed; errno is kept */
    VG_ENOTSUP = -5,  /* valid but not implemented (e.g. a rule keyword) */
    VG_ENOENT = -6,   /* no such file, key or object */
};

#define VG_ERRBUF_SIZE 512

#define VG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define VG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define VG_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define VG_WARN_UNUSED __attribute__((warn_unused_result))
#define VG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define VG_LIKELY(x) __builtin_expect(!!(x), 1)
#define VG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define VG_WARN_UNUSED
#define VG_PRINTF(f, a)
#define VG_LIKELY(x) (x)
#define VG_UNLIKELY(x) (x)
#endif

/* Wall-clock time in microseconds since the epoch (event and audit times). */
int64_t vg_now_us(void);

/* Short name of a result code, for messages. */
const char *vg_strerror(int rc);

/* Format into errbuf (VG_ERRBUF_SIZE); returns rc so callers can
 * `return vg_err(errbuf, VG_EINVAL, "%s:%d: ...", ...)`. */
int vg_err(char *errbuf, int rc, const char *fmt, ...) VG_PRINTF(3, 4);

/* Allocation that aborts the process on failure is never used on paths fed by
 * attacker input; these are for set-up code where failure is fatal anyway. */
void *vg_xmalloc(size_t n);
void *vg_xcalloc(size_t n, size_t size);
void *vg_xrealloc(void *p, size_t n);
char *vg_xstrdup(const char *s);

#endif
