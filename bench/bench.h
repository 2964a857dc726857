/*
 * bench.h - what the benchmarks of bench/ share: running SQL through the
 * public API (helios.h) and stopping on the first error, CSV files read
 * into memory and written into a table, clocks, peak memory, a line that
 * describes the machine, and the train/test splits, models and accuracy of
 * the two dataset benchmarks (accuracy.c, privacy.c).
 *
 * Benchmarks print figures and never fail a build: a benchmark exits
 * non-zero only when helios refuses a statement or a file cannot be read,
 * never because a figure misses its target.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "helios.h"

/* A numeric CSV held in memory: header names, then nrows x ncols values
 * row-major.  The last column is the target (data/README.md). */
typedef struct BenchCsv {
    char **names;
    int ncols;
    int nrows;
    double *v;
} BenchCsv;

/* Reads a numeric CSV with a header row; exits with a message on failure. */
void bench_csv_read(const char *path, BenchCsv *csv);
void bench_csv_free(BenchCsv *csv);
/* "federated_predict('m', c1 => "c1", ...)" over the feature columns (all
 * but the last, the target); malloc'd, caller frees. */
char *bench_predict_call(const BenchCsv *csv, const char *model);

/* CREATE TABLE name (features REAL ..., target INTEGER) and inserts the
 * rows rows[0..n) of csv in that order (rows == NULL: all rows in file
 * order), so that the k-th inserted row gets rowid k + 1. */
void bench_csv_to_table(helios *h, const BenchCsv *csv, const char *table, const int *rows,
                        int n);

/* Writes a plain SQLite database at path (removing an old one; not a
 * helios catalog: a site's own data, for helios-node --db) holding table
 * with the columns of bench_csv_to_table and the rows [from, to) of csv in
 * file order (rowid 1, 2, ...).  Exits with a message on failure. */
void bench_csv_to_sqlite(const char *path, const BenchCsv *csv, const char *table, int from,
                         int to);

/* "'c1', 'c2', ...": the feature columns of csv (all but the last), for
 * features = [...]; malloc'd, caller frees. */
char *bench_csv_features(const BenchCsv *csv);

/* CREATE TABLE table (x1 REAL, ..., x<d> REAL, y INTEGER) with nrows rows
 * generated from seed and streamed in (never all held in memory): x
 * standard normal, y = 1 when w.x + e > 0, w and the noise e drawn from the
 * same stream (w ~ N(0, 1/d), e ~ N(0, 0.25)): a learnable, not separable,
 * binary problem.  Rows in generation order: rowid 1..nrows. */
void bench_synthetic_table(helios *h, const char *table, long nrows, int d, uint64_t seed);
/* "'x1', ..., 'x<d>'": the features of such a table; malloc'd, caller frees. */
char *bench_synthetic_features(int d);

/* Registers `nodes` local nodes 'n00000', 'n00001', ... in workspace (NULL:
 * the default one), one transaction: node k holds the rows k * rows_per_node
 * < rowid <= (k + 1) * rows_per_node (data_filter) of the model's source. */
void bench_register_slices(helios *h, const char *workspace, int nodes, int rows_per_node);

/* Runs every statement of sql, discarding rows; exits on the first error. */
void bench_exec(helios *h, const char *sql);
void bench_execf(helios *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first column of the first row of the query (NAN when no row or
 * NULL); exits on error. */
double bench_double(helios *h, const char *sql);
double bench_doublef(helios *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same as text, malloc'd (NULL when no row or NULL). */
char *bench_textf(helios *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* START FEDERATED TRAINING model; returns START's notice (helios_stmt_notice:
 * malloc'd, NULL when none); exits on error. */
char *bench_start(helios *h, const char *model);

/* Every row's first column as a double, malloc'd; *n gets the count. */
double *bench_column(helios *h, const char *sql, int *n);

/* Opens a fresh catalog at path (removing an old one and its WAL files). */
helios *bench_open_fresh(const char *path);

double bench_now(void);          /* monotonic seconds */
double bench_peak_mib(void);     /* getrusage ru_maxrss, MiB */
double bench_median(double *v, int n);   /* sorts v */
double bench_max(const double *v, int n);
/* Mean and sample standard deviation (0 when n == 1) of v[0..n). */
void bench_mean_sd(const double *v, int n, double *mean, double *sd);
/* qsort's comparison of doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

/* "2 cores, AMD EPYC, 23.5 GiB RAM, helios 0.1.0, HELIOS_THREADS=2" */
void bench_print_machine(void);

/* splitmix64 (Steele, Lea & Flood 2014): the benchmarks' own seeded stream
 * for splits and synthetic data, independent of helios' generators. */
uint64_t bench_rand(uint64_t *state);
double bench_uniform(uint64_t *state);   /* [0, 1) */
double bench_normal(uint64_t *state);    /* Box-Muller */

/* ---- train/test splits of a dataset (bench/accuracy, bench/privacy) ----
 *
 * Split k of a dataset is a stratified 80/20 train/test split: the rows of
 * each label (labels ascending), in file order, shuffled by Fisher-Yates with
 * one splitmix64 stream seeded BENCH_SPLIT_SEED + k for all labels, the first
 * round(BENCH_TEST_FRACTION n_label) of them test rows.  Its models are
 * seeded BENCH_FIRST_SEED + k. */
#define BENCH_SPLIT_SEED 42
#define BENCH_TEST_FRACTION 0.2
#define BENCH_FIRST_SEED 7

/* Reads dir/file (bench_csv_read) into csv; returns the number of distinct
 * labels of its target column. */
int bench_dataset_read(const char *dir, const char *file, BenchCsv *csv);

/* A fresh catalog at path (bench_open_fresh) holding split k of csv as the
 * tables train and test (bench_csv_to_table, rows in file order); *ntrain
 * and *ntest get their sizes. */
helios *bench_open_split(const char *path, const BenchCsv *csv, int k, int *ntrain, int *ntest);
/* Closes h and removes its catalog file at path, unless BENCH_KEEP is set. */
void bench_close_split(helios *h, const char *path);

/* CREATE FEDERATED MODEL model IN WORKSPACE ws WITH (source = 'train',
 * features = [features], target = 'target', rounds, local_epochs,
 * validation_frequency = rounds (validation at the last round only), seed,
 * then options and more, the rest of the WITH list, pasted as they are
 * (more: "" or ", layers = ..."). */
void bench_split_model(helios *h, const char *model, const char *ws, const char *features,
                       int rounds, int local_epochs, int seed, const char *options,
                       const char *more);
/* Waits for model's run (wait_for_convergence, two hours at most) and
 * prints "    (!) split k, model: outcome" unless it completed. */
void bench_split_wait(helios *h, const char *model, int k);
/* Test accuracy: federated_evaluate(model, 'test')'s accuracy. */
double bench_test_accuracy(helios *h, const char *model);

#endif
