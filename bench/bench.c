/* bench.c - see bench.h. */
#include "bench.h"

#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, helios *h, const char *sql)
{
    fprintf(stderr, "bench: %s: %s\n", what, h ? helios_errmsg(h) : "");
    if (sql)
        fprintf(stderr, "bench: in: %.300s%s\n", sql, strlen(sql) > 300 ? "..." : "");
    exit(1);
}

/* ---- SQL ------------------------------------------------------------------ */

/* Steps st to its end, discarding rows; exits on error (sql: what to show). */
static void step_all(helios *h, helios_stmt *st, const char *sql)
{
    int rc;
    while ((rc = helios_step(st)) == HELIOS_ROW)
        ;
    if (rc != HELIOS_DONE) {
        helios_finalize(st);
        die("step", h, sql);
    }
}

void bench_exec(helios *h, const char *sql)
{
    const char *tail = sql;
    while (tail && *tail) {
        helios_stmt *st = NULL;
        const char *at = tail;
        if (helios_prepare(h, tail, -1, 0, &st, &tail) != HELIOS_OK)
            die("prepare", h, at);
        if (!st)
            break;
        step_all(h, st, at);
        helios_finalize(st);
    }
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *s = malloc((size_t)n + 1);
    if (!s) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

void bench_execf(helios *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = vformat(fmt, ap);
    va_end(ap);
    bench_exec(h, sql);
    free(sql);
}

/* Prepares the one query of sql; exits on error. */
static helios_stmt *query(helios *h, const char *sql)
{
    helios_stmt *st = NULL;
    if (helios_prepare(h, sql, -1, 0, &st, NULL) != HELIOS_OK || !st)
        die("prepare", h, sql);
    return st;
}

double *bench_column(helios *h, const char *sql, int *n)
{
    helios_stmt *st = query(h, sql);
    double *v = NULL;
    int cap = 0, rc;
    *n = 0;
    while ((rc = helios_step(st)) == HELIOS_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            v = realloc(v, (size_t)cap * sizeof *v);
            if (!v)
                die("out of memory", NULL, NULL);
        }
        v[(*n)++] = helios_column_type(st, 0) == HELIOS_NULL ? NAN : helios_column_double(st, 0);
    }
    if (rc != HELIOS_DONE) {
        helios_finalize(st);
        die("step", h, sql);
    }
    helios_finalize(st);
    return v;
}

double bench_double(helios *h, const char *sql)
{
    int n;
    double *v = bench_column(h, sql, &n), r = n > 0 ? v[0] : NAN;
    free(v);
    return r;
}

double bench_doublef(helios *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = vformat(fmt, ap);
    va_end(ap);
    double r = bench_double(h, sql);
    free(sql);
    return r;
}

char *bench_textf(helios *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = vformat(fmt, ap);
    va_end(ap);
    helios_stmt *st = query(h, sql);
    char *r = NULL;
    int rc = helios_step(st);
    if (rc == HELIOS_ROW && helios_column_text(st, 0))
        r = strdup(helios_column_text(st, 0));
    else if (rc != HELIOS_ROW && rc != HELIOS_DONE) {
        helios_finalize(st);
        die("step", h, sql);
    }
    helios_finalize(st);
    free(sql);
    return r;
}

char *bench_start(helios *h, const char *model)
{
    size_t n = strlen(model) + 32;
    char *sql = malloc(n);
    if (!sql)
        die("out of memory", NULL, NULL);
    snprintf(sql, n, "START FEDERATED TRAINING %s", model);
    helios_stmt *st = query(h, sql);
    step_all(h, st, sql);
    const char *notice = helios_stmt_notice(st);
    char *r = notice ? strdup(notice) : NULL;
    helios_finalize(st);
    free(sql);
    return r;
}

helios *bench_open_fresh(const char *path)
{
    const char *suffix[] = { "", "-wal", "-shm", "-journal" };
    char buf[4096];
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(buf, sizeof buf, "%s%s", path, suffix[i]);
        unlink(buf);
    }
    helios *h = NULL;
    if (helios_open(path, &h) != HELIOS_OK)
        die("open", h, path);
    return h;
}

/* ---- CSV -------------------------------------------------------------------- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench: cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "bench: cannot read %s\n", path);
        exit(1);
    }
    s[n] = 0;
    fclose(f);
    return s;
}

void bench_csv_read(const char *path, BenchCsv *csv)
{
    char *text = read_file(path), *line, *save = NULL;
    memset(csv, 0, sizeof *csv);
    line = strtok_r(text, "\r\n", &save);
    if (!line) {
        fprintf(stderr, "bench: %s is empty\n", path);
        exit(1);
    }
    for (char *p = line, *q; p; p = q) {
        q = strchr(p, ',');
        if (q)
            *q++ = 0;
        csv->names = realloc(csv->names, (size_t)(csv->ncols + 1) * sizeof *csv->names);
        csv->names[csv->ncols++] = strdup(p);
    }
    size_t cap = 0;
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        if ((size_t)(csv->nrows + 1) * csv->ncols > cap) {
            cap = cap ? 2 * cap : (size_t)csv->ncols * 256;
            csv->v = realloc(csv->v, cap * sizeof *csv->v);
        }
        char *p = line;
        for (int j = 0; j < csv->ncols; j++) {
            char *end;
            double x = strtod(p, &end);
            if (end == p || (j < csv->ncols - 1 ? *end != ',' : *end != 0)) {
                fprintf(stderr, "bench: %s: row %d, column %d is not a number\n", path,
                        csv->nrows + 1, j + 1);
                exit(1);
            }
            csv->v[(size_t)csv->nrows * csv->ncols + j] = x;
            p = end + 1;
        }
        csv->nrows++;
    }
    free(text);
}

void bench_csv_free(BenchCsv *csv)
{
    for (int j = 0; j < csv->ncols; j++)
        free(csv->names[j]);
    free(csv->names);
    free(csv->v);
    memset(csv, 0, sizeof *csv);
}

/* Appends to a growing buffer. */
typedef struct Buf {
    char *s;
    size_t n, cap;
} Buf;

static void buf_add(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(Buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        size_t room = b->cap - b->n;
        va_start(ap, fmt);
        int len = b->s ? vsnprintf(b->s + b->n, room, fmt, ap) : -1;
        va_end(ap);
        if (len >= 0 && (size_t)len < room) {
            b->n += (size_t)len;
            return;
        }
        b->cap = b->cap ? 2 * b->cap : 4096;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            die("out of memory", NULL, NULL);
    }
}

char *bench_csv_features(const BenchCsv *csv)
{
    Buf b = { 0 };
    buf_add(&b, "%s", "");
    for (int j = 0; j < csv->ncols - 1; j++)
        buf_add(&b, "%s'%s'", j ? ", " : "", csv->names[j]);
    return b.s;
}

void bench_csv_to_table(helios *h, const BenchCsv *csv, const char *table, const int *rows, int n)
{
    Buf b = { 0 };
    buf_add(&b, "CREATE TABLE \"%s\" (", table);
    for (int j = 0; j < csv->ncols; j++)
        buf_add(&b, "%s\"%s\" %s", j ? ", " : "", csv->names[j],
                j == csv->ncols - 1 ? "INTEGER" : "REAL");
    buf_add(&b, ")");
    bench_exec(h, b.s);
    bench_exec(h, "BEGIN");
    if (!rows)
        n = csv->nrows;
    /* 100 rows a statement: few statements, each well under SQLite's limits */
    for (int i = 0; i < n; i += 100) {
        b.n = 0;
        buf_add(&b, "INSERT INTO \"%s\" VALUES ", table);
        for (int k = i; k < n && k < i + 100; k++) {
            const double *r = csv->v + (size_t)(rows ? rows[k] : k) * csv->ncols;
            buf_add(&b, "%s(", k > i ? ", " : "");
            for (int j = 0; j < csv->ncols; j++)
                buf_add(&b, j == csv->ncols - 1 ? "%s%.0f" : "%s%.17g", j ? ", " : "", r[j]);
            buf_add(&b, ")");
        }
        bench_exec(h, b.s);
    }
    bench_exec(h, "COMMIT");
    free(b.s);
}

void bench_csv_to_sqlite(const char *path, const BenchCsv *csv, const char *table, int from,
                         int to)
{
    const char *suffix[] = { "", "-wal", "-shm", "-journal" };
    char name[4096];
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(name, sizeof name, "%s%s", path, suffix[i]);
        unlink(name);
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    Buf b = { 0 }, ins = { 0 };
    buf_add(&b, "CREATE TABLE \"%s\" (", table);
    buf_add(&ins, "INSERT INTO \"%s\" VALUES (", table);
    for (int j = 0; j < csv->ncols; j++) {
        buf_add(&b, "%s\"%s\" %s", j ? ", " : "", csv->names[j],
                j == csv->ncols - 1 ? "INTEGER" : "REAL");
        buf_add(&ins, "%s?", j ? ", " : "");
    }
    buf_add(&b, ")");
    buf_add(&ins, ")");
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, b.s, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, ins.s, -1, &st, NULL);
    for (int i = from; rc == SQLITE_OK && i < to; i++) {
        const double *r = csv->v + (size_t)i * csv->ncols;
        for (int j = 0; j < csv->ncols; j++)
            if (j == csv->ncols - 1)
                sqlite3_bind_int64(st, j + 1, (sqlite3_int64)llround(r[j]));
            else
                sqlite3_bind_double(st, j + 1, r[j]);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "bench: cannot write %s: %s\n", path, db ? sqlite3_errmsg(db) : "");
        exit(1);
    }
    sqlite3_close(db);
    free(b.s);
    free(ins.s);
}

void bench_synthetic_table(helios *h, const char *table, long nrows, int d, uint64_t seed)
{
    Buf b = { 0 };
    double *w = malloc((size_t)d * sizeof *w), *x = malloc((size_t)d * sizeof *x);
    if (!w || !x)
        die("out of memory", NULL, NULL);
    for (int j = 0; j < d; j++)
        w[j] = bench_normal(&seed) / sqrt((double)d);
    buf_add(&b, "CREATE TABLE \"%s\" (", table);
    for (int j = 0; j < d; j++)
        buf_add(&b, "x%d REAL, ", j + 1);
    buf_add(&b, "y INTEGER)");
    bench_exec(h, b.s);
    bench_exec(h, "BEGIN");
    for (long i = 0; i < nrows; i += 200) {
        b.n = 0;
        buf_add(&b, "INSERT INTO \"%s\" VALUES ", table);
        for (long k = i; k < nrows && k < i + 200; k++) {
            double z = 0.5 * bench_normal(&seed);
            buf_add(&b, "%s(", k > i ? ", " : "");
            for (int j = 0; j < d; j++) {
                x[j] = bench_normal(&seed);
                z += w[j] * x[j];
                buf_add(&b, "%.6f, ", x[j]);
            }
            buf_add(&b, "%d)", z > 0);
        }
        bench_exec(h, b.s);
    }
    bench_exec(h, "COMMIT");
    free(b.s);
    free(w);
    free(x);
}

char *bench_synthetic_features(int d)
{
    Buf b = { 0 };
    buf_add(&b, "%s", "");
    for (int j = 0; j < d; j++)
        buf_add(&b, "%s'x%d'", j ? ", " : "", j + 1);
    return b.s;
}

void bench_register_slices(helios *h, const char *workspace, int nodes, int rows_per_node)
{
    char in[256] = "";
    if (workspace)
        snprintf(in, sizeof in, " IN WORKSPACE %s", workspace);
    bench_exec(h, "BEGIN");
    for (int k = 0; k < nodes; k++)
        bench_execf(h, "REGISTER FEDERATED NODE 'n%05d'%s WITH (endpoint = 'local', "
                       "data_filter = 'rowid > %ld AND rowid <= %ld')",
                    k, in, (long)k * rows_per_node, (long)(k + 1) * rows_per_node);
    bench_exec(h, "COMMIT");
}

/* ---- clocks, memory, machine ---------------------------------------------------- */

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;   /* ru_maxrss is in KiB on Linux */
}

int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double bench_max(const double *v, int n)
{
    double m = -INFINITY;
    for (int i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

void bench_mean_sd(const double *v, int n, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
}

void bench_print_machine(void)
{
    char model[256] = "unknown CPU", line[512];
    long mem_kib = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                snprintf(model, sizeof model, "%s", p + 2);
                model[strcspn(model, "\n")] = 0;
            }
            break;
        }
    if (f)
        fclose(f);
    f = fopen("/proc/meminfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %ld kB", &mem_kib) == 1)
            break;
    if (f)
        fclose(f);
    const char *threads = getenv("HELIOS_THREADS");
    printf("machine: %ld cores (online), %s, %.1f GiB RAM; helios %s; HELIOS_THREADS=%s\n",
           sysconf(_SC_NPROCESSORS_ONLN), model, (double)mem_kib / (1024.0 * 1024.0),
           helios_version(), threads && *threads ? threads : "(unset: one per core)");
}

/* ---- random numbers ----------------------------------------------------------------- */

uint64_t bench_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double bench_uniform(uint64_t *state)
{
    return (double)(bench_rand(state) >> 11) * 0x1.0p-53;
}

double bench_normal(uint64_t *state)
{
    double u = bench_uniform(state), v = bench_uniform(state);
    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

char *bench_predict_call(const BenchCsv *csv, const char *model)
{
    size_t cap = 64 + (size_t)csv->ncols * 96;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t n = (size_t)snprintf(s, cap, "federated_predict('%s'", model);
    for (int j = 0; j < csv->ncols - 1; j++)
        n += (size_t)snprintf(s + n, cap - n, ", %s => \"%s\"", csv->names[j], csv->names[j]);
    snprintf(s + n, cap - n, ")");
    return s;
}

/* ---- train/test splits of a dataset --------------------------------------------------- */

/* The distinct labels of the target column (the last), ascending, at most
 * max of them; returns how many. */
static int labels(const BenchCsv *csv, double *out, int max)
{
    int k = 0;
    for (int i = 0; i < csv->nrows; i++) {
        double y = csv->v[(size_t)i * csv->ncols + csv->ncols - 1];
        int j;
        for (j = 0; j < k && out[j] != y; j++)
            ;
        if (j == k && k < max)
            out[k++] = y;
    }
    qsort(out, (size_t)k, sizeof *out, bench_cmp_double);
    return k;
}

int bench_dataset_read(const char *dir, const char *file, BenchCsv *csv)
{
    char path[4096];
    double lab[128];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    bench_csv_read(path, csv);
    return labels(csv, lab, 128);
}

/* Split k (bench.h): train and test get the row numbers of each part,
 * ascending. */
typedef struct Split {
    int *train, *test;
    int ntrain, ntest;
} Split;

static void split(const BenchCsv *csv, int k, Split *s)
{
    const int n = csv->nrows, t = csv->ncols - 1;
    int *idx = malloc((size_t)n * sizeof *idx);
    char *test = calloc((size_t)n, 1);
    s->train = malloc((size_t)n * sizeof *s->train);
    s->test = malloc((size_t)n * sizeof *s->test);
    if (!idx || !test || !s->train || !s->test)
        die("out of memory", NULL, NULL);
    double lab[128];
    int nlab = labels(csv, lab, 128);
    uint64_t state = BENCH_SPLIT_SEED + (uint64_t)k;
    for (int c = 0; c < nlab; c++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (csv->v[(size_t)i * csv->ncols + t] == lab[c])
                idx[m++] = i;
        for (int i = m - 1; i > 0; i--) {
            int j = (int)(bench_rand(&state) % (uint64_t)(i + 1));
            int tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
        }
        int ntest = (int)lround(BENCH_TEST_FRACTION * m);
        for (int i = 0; i < ntest; i++)
            test[idx[i]] = 1;
    }
    s->ntrain = s->ntest = 0;
    for (int i = 0; i < n; i++) {
        if (test[i])
            s->test[s->ntest++] = i;
        else
            s->train[s->ntrain++] = i;
    }
    free(test);
    free(idx);
}

helios *bench_open_split(const char *path, const BenchCsv *csv, int k, int *ntrain, int *ntest)
{
    Split s;
    split(csv, k, &s);
    helios *h = bench_open_fresh(path);
    bench_csv_to_table(h, csv, "train", s.train, s.ntrain);
    bench_csv_to_table(h, csv, "test", s.test, s.ntest);
    *ntrain = s.ntrain;
    *ntest = s.ntest;
    free(s.train);
    free(s.test);
    return h;
}

void bench_close_split(helios *h, const char *path)
{
    helios_close(h);
    if (!getenv("BENCH_KEEP"))
        unlink(path);
}

void bench_split_model(helios *h, const char *model, const char *ws, const char *features,
                       int rounds, int local_epochs, int seed, const char *options,
                       const char *more)
{
    bench_execf(h, "CREATE FEDERATED MODEL %s IN WORKSPACE %s WITH (source = 'train', "
                   "features = [%s], target = 'target', rounds = %d, local_epochs = %d, "
                   "validation_frequency = %d, seed = %d, %s%s)",
                model, ws, features, rounds, local_epochs, rounds, seed, options, more);
}

void bench_split_wait(helios *h, const char *model, int k)
{
    char *outcome = bench_textf(h, "SELECT wait_for_convergence('%s', timeout_seconds => 7200)",
                                model);
    if (!outcome || strcmp(outcome, "completed") != 0)
        printf("    (!) split %d, %s: %s\n", k, model, outcome ? outcome : "?");
    free(outcome);
}

double bench_test_accuracy(helios *h, const char *model)
{
    return bench_doublef(h, "SELECT value FROM federated_evaluate('%s', 'test') "
                            "WHERE metric = 'accuracy'", model);
}
