/*
 * vg_test.h: the unit test harness.  Each test file defines
 *   static const vg_test tests[] = {{"name", fn}, ..., {NULL, NULL}};
 *   VG_TEST_MAIN(tests)
 * and each test uses VG_CHECK / VG_CHECK_EQ / VG_CHECK_STR, which report
 * file:line and continue; the runner prints "N passed, M failed".
 */
#ifndef VG_TEST_H
#define VG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vg_test {
    const char *name;
    void (*fn)(void);
} vg_test;

extern int vg_test_failures;

#define VG_CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    vg_test_failures++; } } while (0)
#define VG_CHECK_EQ(a, b) do { long long va_ = (long long)(a), vb_ = (long long)(b); \
    if (va_ != vb_) { fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", \
    __FILE__, __LINE__, #a, #b, va_, vb_); vg_test_failures++; } } while (0)
#define VG_CHECK_STR(a, b) do { const char *sa_ = (a), *sb_ = (b); \
    if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) { fprintf(stderr, \
    "%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b, \
    sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); vg_test_failures++; } } while (0)

#define VG_TEST_MAIN(table) \
    int vg_test_failures; \
    int main(int argc, char **argv) { \
        int passed = 0, failed = 0; \
        for (const vg_test *t = (table); t->name; t++) { \
            if (argc > 1 && strcmp(argv[1], t->name) != 0) continue; \
            int before = vg_test_failures; \
            t->fn(); \
            if (vg_test_failures == before) passed++; \
            else { failed++; fprintf(stderr, "FAIL %s\n", t->name); } \
        } \
        printf("%d passed, %d failed\n", passed, failed); \
        return failed ? 1 : 0; \
    }

#endif
