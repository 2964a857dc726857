/*
 * unit.h - the smallest test harness that reads well.
 *
 *     #include "unit.h"
 *     static void test_x(void) { CHECK(1 + 1 == 2); CHECK_STR(s, "x"); }
 *     int main(void) { RUN(test_x); return unit_report(); }
 *
 * Each failed check prints file:line and the expression; unit_report()
 * prints "N checks, M failed" and returns the exit status for automake
 * (0 pass, 1 fail).
 */
#ifndef HL_UNIT_H
#define HL_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int unit_checks, unit_failed;

#define CHECK(cond) do { unit_checks++; if (!(cond)) { unit_failed++; \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); unit_checks++; \
    if (!g_ || !w_ || strcmp(g_, w_) != 0) { unit_failed++; \
    fprintf(stderr, "%s:%d: %s\n   got: %s\n  want: %s\n", __FILE__, __LINE__, #got, \
            g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } } while (0)

#define CHECK_INT(got, want) do { long long g_ = (long long)(got), w_ = (long long)(want); \
    unit_checks++; if (g_ != w_) { unit_failed++; \
    fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); } } while (0)

#define CHECK_NEAR(got, want, tol) do { double g_ = (got), w_ = (want); unit_checks++; \
    if (!(fabs(g_ - w_) <= (tol))) { unit_failed++; \
    fprintf(stderr, "%s:%d: %s is %.17g, want %.17g (+-%g)\n", __FILE__, __LINE__, #got, \
            g_, w_, (double)(tol)); } } while (0)

#define RUN(fn) do { fn(); } while (0)

static inline int unit_report(void)
{
    printf("%d checks, %d failed\n", unit_checks, unit_failed);
    return unit_failed ? 1 : 0;
}

#endif
