/*
 * wire_helpers.h - what the wire codec's tests share: fill_all(), an HlMsg
 * with every member set to a value of its own (the doubles the awkward
 * ones: NaN payloads, -0, a denormal, infinities), the comparisons of
 * doubles as bits, strings and value counts, and is_zero().  Included by
 * test_wire.c and test_wire_hostile.c only.
 */
#ifndef HL_WIRE_HELPERS_H
#define HL_WIRE_HELPERS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "net/wire.h"
#include "unit.h"

static inline double bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static inline int same_bits(const double *a, const double *b, int n)
{
    return n == 0 || (a && b && memcmp(a, b, (size_t)n * 8) == 0);
}

static inline char *dup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    return strcpy(d, s);
}

static inline void counts_set(HlCounts *c, const char *const *values, const int64_t *counts, int n,
                       int more)
{
    c->n = n;
    c->more = more;
    c->values = calloc((size_t)n + 1, sizeof *c->values);
    c->counts = calloc((size_t)n + 1, sizeof *c->counts);
    for (int i = 0; i < n; i++) {
        c->values[i] = dup(values[i]);
        c->counts[i] = counts[i];
    }
}

/* Every member of HlMsg, request and response, at a value of its own that
 * passes the checks; the doubles the awkward ones. */
static inline void fill_all(HlMsg *m, HlMsgType type)
{
    static const char *const cols[] = { "age", "city", "label" };
    static const char *const cities[] = { "Paris", "Rome", "Z\xc3\xbcrich" };
    static const int64_t city_n[] = { 4, 5, 1 };
    static const char *const labels[] = { "no", "yes" };
    static const int64_t label_n[] = { 7, 3 };
    memset(m, 0, sizeof *m);
    m->type = type;
    m->source = dup("patients");
    m->ncolumns = 3;
    m->columns = calloc(3, sizeof *m->columns);
    for (int i = 0; i < 3; i++)
        m->columns[i] = dup(cols[i]);
    m->seed = 0xdeadbeefcafef00dULL;
    m->round = 7;
    m->validation_split = 0.25;
    m->nparams = 6;
    m->params = malloc(6 * sizeof *m->params);
    m->params[0] = 1.5;
    m->params[1] = bits(0x8000000000000000ULL);         /* -0 */
    m->params[2] = bits(0x7ff8000000000abcULL);         /* a NaN with a payload */
    m->params[3] = bits(0x0000000000000001ULL);         /* the smallest denormal */
    m->params[4] = -HUGE_VAL;
    m->params[5] = 1e300;
    m->encoding = dup("{\"features\":[{\"name\":\"age\"}],\"target\":\"label\"}");
    m->train_config = dup("{\"algorithm\":\"logistic_regression\",\n\"epochs\":5}");
    m->eval_split = 2;
    m->clip = 1.25;
    m->weight_scale = 0.001;
    m->dp_shares = 4;
    m->dp_noise = 1.1;
    m->dp_count_noise = 2.2;
    m->blob_len = 5;
    m->blob = malloc(5);
    memcpy(m->blob, "\x02\x00\xff\x10\x00", 5);
    m->table = dup("patients_2024");
    m->nvocab = 3;
    m->kinds = malloc(3 * sizeof *m->kinds);
    m->kinds[0] = HL_COL_NUMERIC;
    m->kinds[1] = m->kinds[2] = HL_COL_TEXT;
    m->rows = 103;
    m->rows_train = 80;
    m->rows_valid = 20;
    m->rows_skipped = 3;
    m->sums = malloc(3 * sizeof *m->sums);
    m->sumsq = malloc(3 * sizeof *m->sumsq);
    m->sums[0] = 4321.0625;
    m->sums[1] = m->sums[2] = 0;
    m->sumsq[0] = 191234.5;
    m->sumsq[1] = m->sumsq[2] = bits(0x8000000000000000ULL);
    m->nonnull = malloc(3 * sizeof *m->nonnull);
    m->nonnull[0] = 100;
    m->nonnull[1] = 10;
    m->nonnull[2] = 0;
    m->vocab = calloc(3, sizeof *m->vocab);         /* vocab[0]: a numeric column, empty */
    counts_set(&m->vocab[1], cities, city_n, 3, 1);
    counts_set(&m->vocab[2], labels, label_n, 2, 0);
    m->loss_before = bits(0xfff0000000000001ULL);       /* a negative signalling NaN */
    m->loss_after = 0.693147180559945;
    m->steps = 12345678901LL;
    m->dp_report = -0.5;
    m->dp_clip = 0.75;
    m->nmetrics = 4;
    m->metrics = malloc(4 * sizeof *m->metrics);
    for (int i = 0; i < 4; i++)
        m->metrics[i] = i * 1.5 + 0.1;
    m->nquality = 3 * HL_QUALITY_NSTATS;
    m->quality = malloc((size_t)m->nquality * sizeof *m->quality);
    for (int i = 0; i < m->nquality; i++)
        m->quality[i] = i % 3 ? i * 0.25 : bits(0x7ff8000000000000ULL);     /* NaN: none */
    m->version = 9;
    m->down_base = 8;
    m->eval_first = 1;
    m->update_bits = 8;
    m->update_p = 6;
    m->update_scale = 0.125;
    m->update_values_len = 6;
    m->update_values = malloc(6);
    memcpy(m->update_values, "\x01\xff\x00\x7f\x81\x02", 6);
    m->update_idx_len = 8;
    m->update_idx = malloc(8);
    memcpy(m->update_idx, "\x00\x00\x00\x00\x05\x00\x00\x00", 8);
}

static inline int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static inline int same_counts(const HlCounts *a, const HlCounts *b)
{
    if (a->n != b->n || a->more != b->more)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->values[i], b->values[i]) != 0 || a->counts[i] != b->counts[i])
            return 0;
    return 1;
}

static inline int is_zero(const HlMsg *m)
{
    static const HlMsg zero;
    return memcmp(m, &zero, sizeof zero) == 0;
}

#endif
