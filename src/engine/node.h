/*
 * node.h - the node interface: how the coordinator talks to a site.
 *
 * Every node sits behind this one interface, whether it lives in this
 * process (engine/local_node.c, over its own SQLite data) or behind a TLS
 * connection (net/, a later issue).  The coordinator never reads a node's
 * rows: it sends a request for one phase of a round and gets a response.
 * Requests and responses are plain structs that the network layer will
 * encode as frames, so every field is a number, a string or a vector of
 * doubles, and nothing points into the coordinator's memory.
 *
 * The phases of a training run, in order:
 *   SCHEMA  which table holds the model's features and target, and the
 *           declared type of each column;
 *   STATS   per feature: count, sum and sum of squares (numeric) or value
 *           counts (text); per target: value counts or sums.  Only sums and
 *           counts leave the node;
 *   SETUP   the agreed encoding (means, deviations, vocabularies, labels)
 *           and the validation split: the node loads and encodes its rows
 *           once, and answers with its row counts;
 *   TRAIN   one round: global parameters in, the node's trained parameters,
 *           rows and losses out;
 *   EVAL    parameters in, confusion counts, loss sums and score histograms
 *           out (global metrics are computed from these, never from rows).
 * Secure aggregation and differential privacy (issue 4) add phases of
 * their own to the same exchange.
 *
 * Ownership: hl_msg_clear() frees what a message holds; a node's exchange()
 * fills a zeroed response that the caller clears.
 *
 * The fields each phase uses (request -> response):
 *   SCHEMA  source, columns -> table, kinds, nonnull (per column, nvocab
 *           entries), rows.
 *           A column's kind at a node: numeric when every non-NULL value
 *           is stored as INTEGER or REAL; text when one is TEXT or BLOB; a
 *           column without values takes its declared type's affinity
 *           (INTEGER, REAL, NUMERIC: numeric; none: numeric; else text).
 *           The coordinator agrees on one kind per column with
 *           hl_plan_kinds() (engine/plan.h).
 *   STATS   source, columns, kinds (the agreed ones; NULL: the node's own)
 *           -> kinds (those used), rows, rows_skipped (target NULL), and per
 *           column over the rows whose target is not NULL: nonnull; sums
 *           and sumsq of a numeric column (compensated sums, Neumaier
 *           1974); vocab of a text column (at most HL_STATS_MAX_VALUES) and
 *           of the target whatever its kind (at most HL_STATS_MAX_LABELS);
 *           every per-column array has nvocab = ncolumns entries.
 *   SETUP   source, encoding (its features and target are the columns),
 *           seed, validation_split -> rows (read), rows_skipped (target
 *           NULL or not encodable), rows_train, rows_valid.
 *   TRAIN   train_config, params, seed, round, clip -> params, rows_train,
 *           loss_before, loss_after, steps, dp_report, dp_clip.  With differential privacy
 *           (the config's "dp", engine/privacy.h) at record level the node
 *           trains with DP-SGD; at node level it clips its update
 *           (params - global) to the clip and says whether it had to.  Its
 *           noise is drawn from a stream the coordinator cannot know (the
 *           node mixes a secret into the seed).
 *   EVAL    train_config (the model spec), params, eval_split -> metrics
 *           (engine/eval.h), rows (evaluated).  A TRAIN request with
 *           eval_first does an EVAL of its params before training, its
 *           metrics in the TRAIN response.
 *   SECAGG  blob -> blob: one message of the secure aggregation protocol
 *           (src/secagg/secagg.h) and the node's reply.  With
 *           secure_aggregation in the config, TRAIN answers without
 *           params: the node keeps its update (weighted: [w delta, w]) and
 *           gives it only masked, in the SECAGG exchanges that follow.
 *   QUALITY source, columns (the model's features) -> table, kinds (the
 *           node's own, as SCHEMA), nonnull (per column: non-NULL values),
 *           rows, and quality: HL_QUALITY_NSTATS doubles per column in the
 *           order of HlQualityStat (NaN where a statistic does not apply
 *           to the column's kind, or has no value: the mean of no values).
 *           Outside training: federated_data_quality_check() asks it
 *           (engine/quality.c).  Only these aggregates leave the node.
 * The table is resolved by the same rule in every phase (the source option,
 * else the one table with every column), so a node keeps no state but its
 * encoded rows.
 */
#ifndef HL_NODE_H
#define HL_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum HlMsgType {
    HL_MSG_SCHEMA = 1,
    HL_MSG_STATS,
    HL_MSG_SETUP,
    HL_MSG_TRAIN,
    HL_MSG_EVAL,
    HL_MSG_SECAGG,
    HL_MSG_QUALITY
} HlMsgType;

/* The statistics of one column in a QUALITY response (HlMsg.quality).  std
 * is the sample standard deviation (n - 1); outliers counts the values
 * whose modified z-score 0.6745 (x - median) / MAD exceeds 3.5 in absolute
 * value (Iglewicz and Hoaglin 1993); distinct is for text columns. */
typedef enum HlQualityStat {
    HL_Q_MEAN, HL_Q_STD, HL_Q_MIN, HL_Q_MAX, HL_Q_MISSING, HL_Q_OUTLIERS, HL_Q_DISTINCT,
    HL_QUALITY_NSTATS
} HlQualityStat;

typedef enum HlColKind { HL_COL_NUMERIC = 1, HL_COL_TEXT } HlColKind;

/* Value counts of a text column or of a classification target. */
typedef struct HlCounts {
    char **values;              /* owned, sorted */
    int64_t *counts;
    int n;
    int more;                   /* 1: the column has more distinct values than
                                   were sent (the most frequent are sent, ties
                                   by value) */
} HlCounts;

/* The most distinct values a node sends for one column in STATS: a text
 * feature's HL_STATS_MAX_VALUES most frequent (the plan keeps at most
 * HL_ENC_MAX_VOCAB of the union, so the plan's vocabulary is exact unless a
 * node had to cut), the target's first HL_STATS_MAX_LABELS (enough to tell
 * "more than 100 labels"). */
#define HL_STATS_MAX_VALUES 10000
#define HL_STATS_MAX_LABELS 101

typedef struct HlMsg {
    HlMsgType type;
    /* request fields */
    char *source;               /* SCHEMA: the model's source option, or NULL */
    char **columns;             /* features then target (the target last) */
    int ncolumns;
    uint64_t seed;              /* SETUP: validation split stream; TRAIN: shuffle stream */
    int round;
    double validation_split;
    double *params;             /* TRAIN, EVAL: global parameters */
    int nparams;
    char *encoding;             /* SETUP: the encoding plan (encode.h's text form) */
    char *train_config;         /* TRAIN, EVAL: model spec and local training options
                                   (JSON, engine/plan.h) */
    int eval_split;             /* EVAL: 0 training rows, 1 validation rows, 2 all */
    double clip;                /* TRAIN with differential privacy: the round's clipping
                                   bound (adaptive clipping moves it); 0: the config's */
    double weight_scale;        /* TRAIN with secure aggregation: the node's weight is
                                   rows_train x this (0: weight 1) */
    int dp_shares;              /* TRAIN, node-level DP with secure aggregation: the node
                                   sends its clipped update over the clip (norm <= 1) with
                                   its share of noise of stddev dp_noise (the multiplier)
                                   and dp_count_noise on its clip report, the shares of
                                   dp_shares nodes adding up to them (0: none) */
    double dp_noise, dp_count_noise;
    uint8_t *blob;              /* SECAGG: the protocol message (request: the server's;
                                   response: the node's reply), blob_len bytes */
    size_t blob_len;
    /* response fields */
    char *table;                /* SCHEMA: the table chosen at the node */
    HlColKind *kinds;           /* SCHEMA, STATS: per column (STATS: also in the request) */
    int64_t rows, rows_train, rows_valid, rows_skipped;
    double *sums, *sumsq;       /* STATS: per column (numeric) */
    int64_t *nonnull;           /* STATS: per column */
    HlCounts *vocab;            /* STATS: per column (text, and the target) */
    int nvocab;                 /* SCHEMA, STATS: entries of each per-column array
                                   of the response (kinds, nonnull, sums, sumsq,
                                   vocab): the request's ncolumns */
    double loss_before, loss_after;  /* TRAIN */
    int64_t steps;              /* TRAIN: local optimizer steps taken (FedNova) */
    double dp_report;           /* TRAIN, node-level DP: +1/2 when the update was within
                                   the clip, -1/2 when it was clipped (adaptive clipping) */
    double dp_clip;             /* TRAIN, record-level DP: the clip its DP-SGD ended with
                                   (adaptive clipping moves it step by step) */
    double *metrics;            /* EVAL: counts and sums, layout in engine/eval.h */
    int nmetrics;
    double *quality;            /* QUALITY: HL_QUALITY_NSTATS a column (HlQualityStat) */
    int nquality;
    /* TRAIN response with a compressed update (engine/update_codec.h, the
     * train_config's update_bits / update_sparsity): params is absent and
     * these carry params - request params, coded.  update_bits 0: none.
     * TRAIN and EVAL requests with a version: the global model coded
     * against version down_base (dense, update_p values), which a remote
     * node may get in place of params (net/remote.c). */
    int update_bits, update_p;
    double update_scale;
    uint8_t *update_idx;        /* uint32 LE indices, ascending (NULL: dense) */
    size_t update_idx_len;
    uint8_t *update_values;     /* int8 / int16 LE, or LE doubles (bits 32) */
    size_t update_values_len;
    /* TRAIN and EVAL requests: the global model's version (1, 2, ... within
     * a run; 0: unversioned).  A remote node keeps the last model and
     * train_config it was sent, so a request may carry, in place of
     * params, nothing (the node holds this version) or the model coded
     * against down_base (the node holds that one), and no train_config
     * when it is the one the node holds; in-process nodes always get both. */
    int version, down_base;
    int eval_first;             /* TRAIN request (batch_communication): evaluate params
                                   over the eval_split rows first, as EVAL would, and
                                   answer the counts in metrics with the update */
    /* local to this process: never on the wire */
    double deadline;            /* request: the hl_now_seconds() time by which the answer
                                   must be in (a round's stragglers_timeout); 0: the node's
                                   own timeout.  A remote node that misses it closes its
                                   connection (the answer may still be in flight) and fails
                                   with timed_out set; an in-process node ignores it */
    int timed_out;              /* response: the exchange failed because the answer did not
                                   come in time (the node is slow, not gone) */
    int64_t wire_sent, wire_received;  /* response: bytes the exchange put on and took
                                   from the network, frame headers included, retries and a
                                   reconnection's HELLO and SETUP too.  An in-process node
                                   counts the tensors a remote one would have carried
                                   (parameters, metrics, a coded update) */
} HlMsg;

void hl_msg_clear(HlMsg *m);

typedef struct HlNode HlNode;

typedef struct HlNodeOps {
    const char *kind;           /* "local", "tls" */
    /* One request, one response.  A failed exchange fills *err (the node's
     * own message, e.g. "table 'x' has no column 'bmi'") and leaves the
     * node usable for the next round. */
    int (*exchange)(HlNode *n, const HlMsg *req, HlMsg *resp, hl_err *err);
    void (*close)(HlNode *n);
} HlNodeOps;

struct HlNode {
    const HlNodeOps *ops;
    int64_t id;                 /* catalog id */
    char *name;
    void *impl;                 /* the kind's own state */
};

#endif
