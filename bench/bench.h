/*
 * bench.h - what the benchmarks of bench/ share: running SQL through the
 * public API (helios.h) and stopping on the first error, CSV files read
 * into memory and written into a table, clocks, peak memory, and a line
 * that describes the machine.
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

/* CREATE TABLE table (x1 REAL, ..., x<d> REAL, y INTEGER) with nrows rows
 * generated from seed and streamed in (never all held in memory): x
 * standard normal, y = 1 when w.x + e > 0, w and the noise e drawn from the
 * same stream (w ~ N(0, 1/d), e ~ N(0, 0.25)): a learnable, not separable,
 * binary problem.  Rows in generation order: rowid 1..nrows. */
void bench_synthetic_table(helios *h, const char *table, long nrows, int d, uint64_t seed);

/* Runs every statement of sql, discarding rows; exits on the first error. */
void bench_exec(helios *h, const char *sql);
void bench_execf(helios *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first column of the first row of the query (NAN when no row or
 * NULL); exits on error. */
double bench_double(helios *h, const char *sql);
double bench_doublef(helios *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same as text, malloc'd (NULL when no row or NULL). */
char *bench_textf(helios *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every row's first column as a double, malloc'd; *n gets the count. */
double *bench_column(helios *h, const char *sql, int *n);

/* Opens a fresh catalog at path (removing an old one and its WAL files). */
helios *bench_open_fresh(const char *path);

double bench_now(void);          /* monotonic seconds */
double bench_peak_mib(void);     /* getrusage ru_maxrss, MiB */
double bench_median(double *v, int n);   /* sorts v */
double bench_max(const double *v, int n);

/* "2 cores, AMD EPYC, 23.5 GiB RAM, helios 0.1.0, HELIOS_THREADS=2" */
void bench_print_machine(void);

/* splitmix64 (Steele, Lea & Flood 2014): the benchmarks' own seeded stream
 * for splits and synthetic data, independent of helios' generators. */
uint64_t bench_rand(uint64_t *state);
double bench_uniform(uint64_t *state);   /* [0, 1) */
double bench_normal(uint64_t *state);    /* Box-Muller */

#endif
