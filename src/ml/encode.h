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
 *
 * Values and labels, precisely (hl_enc_order_labels, hl_enc_value_text):
 *   - a value's text, for vocabularies and labels: an integer in decimal,
 *     a real with an integral value as that integer (1.0 and 1 are one
 *     label, whichever node stored which), another real in the shortest
 *     text that reads back exactly, text as it is;
 *   - labels sort numerically when every label is a number, else bytewise;
 *     two labels that are a negative/positive pair in any case (false/true,
 *     no/yes, n/y, f/t, negative/positive, neg/pos, off/on) are ordered
 *     negative first, so 'True'/'false' is 0 = 'false' as well;
 *   - a numeric feature reads INTEGER and REAL values, and TEXT that is
 *     entirely a finite decimal number ('17.5'); any other value (a word,
 *     a blob) encodes like NULL, as the mean;
 *   - a regression target that is not a number skips the row (-1 from
 *     hl_enc_target), like a label outside the plan.
 * A plan has a text form (JSON) that travels in the SETUP message and is
 * stored with each model version, so that federated_predict() encodes its
 * arguments exactly as training did.
 */
#ifndef HL_ENCODE_H
#define HL_ENCODE_H

#include <stddef.h>
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

/* ---- shared with the node's STATS and the coordinator's plan ---- */

/* 1 and *out when s is entirely a finite decimal number (blanks around it
 * allowed; no "inf", "nan" or hex); else 0. */
int hl_enc_text_number(const char *s, double *out);
/* 1 and *out when v is a number (INTEGER, REAL, or TEXT as above). */
int hl_enc_value_number(sqlite3_value *v, double *out);
/* v's text as vocabularies and labels know it: NULL for SQL NULL, else a
 * pointer to buf (n >= 32 bytes) or into v's own text (valid until v
 * changes). */
const char *hl_enc_value_text(sqlite3_value *v, char *buf, size_t n);
/* Sorts distinct labels into their plan order (the rules above). */
void hl_enc_order_labels(char **labels, int n);
/* "binary", "multiclass", "regression" and back (0 when unknown). */
const char *hl_enc_task_name(HlTask t);
HlTask hl_enc_task_parse(const char *s);

#endif
