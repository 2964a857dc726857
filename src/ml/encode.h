/*
 * encode.h - from SQL columns to the numbers a model reads, agreed across
 * nodes without moving rows.
 *
 * The coordinator merges the nodes' STATS answers (counts, sums, sums of
 * squares, value counts) into an encoding plan; every node encodes its own
 * rows with that same plan:
 *   - numeric feature: (x - mean) / sd, with the mean and the population
 *     standard deviation of all nodes' non-NULL values (sd 0 -> 1);
 *   - text feature: one-hot over the vocabulary of all nodes (sorted; at
 *     most HL_ENC_MAX_VOCAB values, the most frequent kept, ties by value);
 *     a value outside the vocabulary encodes as all zeros;
 *   - missing values: a NULL numeric feature encodes as 0, the mean; a NULL
 *     text feature as all zeros; a row whose target is NULL is skipped;
 *   - target: a classification target's labels are the sorted distinct
 *     values of all nodes (2 labels: binary, encoded 0/1 in that order, so
 *     0/1, false/true and 'no'/'yes' come out as expected; 3..100 labels:
 *     multiclass, encoded as the label's index); a regression target is
 *     used as it is.
 * A plan has a text form (JSON) that travels in the SETUP message and is
 * stored with each model version, so that federated_predict() encodes its
 * arguments exactly as training did.
 */
#ifndef HL_ENCODE_H
#define HL_ENCODE_H

#include <stdint.h>
#include <sqlite3.h>

#include "err.h"
#include "model.h"

#define HL_ENC_MAX_VOCAB 1000
#define HL_ENC_MAX_LABELS 100

typedef struct HlEncFeature {
    char *name;                 /* owned: the column */
    int text;                   /* 1: one-hot over vocab; 0: standardized number */
    double mean, sd;            /* numeric */
    char **vocab;               /* text: owned, sorted */
    int nvocab;
    int offset;                 /* first encoded column */
} HlEncFeature;

typedef struct HlEncoding {
    HlEncFeature *f;            /* owned */
    int nfeat;
    int d;                      /* encoded width */
    char *target;               /* owned: the target column */
    HlTask task;
    char **labels;              /* classification: owned, sorted */
    int nlabels;
} HlEncoding;

void hl_enc_clear(HlEncoding *e);

/* The plan as JSON text (malloc'd), and back.  hl_enc_parse() fails with
 * HELIOS_ERROR on text that is not a plan. */
char *hl_enc_to_json(const HlEncoding *e);
int hl_enc_parse(const char *json, HlEncoding *e, hl_err *err);

/* Encodes one row: vals[i] is feature i's value (NULL for SQL NULL) and x
 * receives e->d numbers.  hl_enc_target() maps a target value to its
 * label index (classification) or number (regression); returns -1 when the
 * value is not one of the labels. */
void hl_enc_row(const HlEncoding *e, sqlite3_value *const *vals, double *x);
int hl_enc_target(const HlEncoding *e, sqlite3_value *v, double *y);

#endif
