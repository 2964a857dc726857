/*
 * codec.c - the codecs on the wire (issue 5, point 9 and "Targets"): the
 * bytes a round moves between the coordinator and real helios-node
 * processes on loopback, and the test accuracy each setting reaches, on
 * bench/dist's Flower workload (breast cancer, logistic regression from
 * zero weights, sgd, 5 local epochs, batch 32, lr 0.1, FedAvg weighted by
 * rows, 20 rounds, seed 42; the nodes and sites of bench/dist_common.h).
 *
 * A setting is a list of workspace options and a list of model options
 * (the table `settings` below).  Every setting but `sealed` and
 * `q8+zstd sealed` turns sealing off (encryption = 'none'), so that it
 * differs from `raw` in the codec alone.  Each runs in a process of its
 * own with a fresh set of nodes; then raw and q8+zstd run again with
 * in-process nodes (endpoint 'local', data_filter on rowid) for
 * comparison.
 *
 * The bytes are federated_performance_metrics' network_sent_mb (the
 * coordinator to the nodes: TRAIN and EVAL requests, which carry the
 * global model at full precision) and network_received_mb (the nodes'
 * answers: the updates, coded, and the evaluation counts), summed per
 * round, the median over the rounds.  For remote nodes they are the frame
 * bytes on the wire (headers included, TLS records not); for in-process
 * nodes the payload sizes the engine accounts.  Also printed:
 * federated_training_metrics' communication_mb (median), the final test
 * loss (bench/flower's mean BCE on test.csv, in SQL), the test accuracy
 * (rows whose predicted probability >= 0.5 matches the label), and the
 * median round_duration_seconds.
 *
 * A setting helios refuses (a statement fails) is reported with helios'
 * message and the others go on.
 *
 * Usage: bench/codec [-n NODES]... [-s SETTING]... [-r PASSES] [DATA_DIR [WORK_DIR]]
 *   -n NODES    shards_NODES.txt, repeatable; default 10 then 100
 *   -s SETTING  one setting of the table by name, repeatable; default all
 *               (raw always runs: the ratios are to it)
 *   -r PASSES   run every setting PASSES times (1 to 16, default 1), one
 *               pass over all settings after the other; the table's
 *               median round is the median over the passes (bytes and
 *               losses are the first pass's; a row says so if another
 *               pass differs)
 *   DATA_DIR, WORK_DIR, HELIOS_NODE, HELIOS_SRCDIR: as bench/dist.
 * Figures only: it never fails because a target is missed.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "dist_common.h"

#define TARGET_RATIO 0.30       /* q8 + zstd: at most 30 % of raw's bytes */
#define TARGET_ACC_PTS 0.3      /* and accuracy within 0.3 points of raw's */
#define MAX_SIZES 8
#define MAX_PASSES 16

typedef struct Setting {
    const char *name;
    const char *ws;             /* workspace options, after the credentials */
    const char *model;          /* model options, after the workload's */
} Setting;

static const Setting settings[] = {
    { "raw", "encryption = 'none', compression = 'none'", "quantization = 32" },
    { "sealed", "encryption = 'AES-256-GCM', compression = 'none'", "quantization = 32" },
    { "zstd", "encryption = 'none', compression = 'zstd'", "quantization = 32" },
    { "lz4", "encryption = 'none', compression = 'lz4'", "quantization = 32" },
    { "q16", "encryption = 'none', compression = 'none'", "quantization = 16" },
    { "q8", "encryption = 'none', compression = 'none'", "quantization = 8" },
    { "q8+zstd", "encryption = 'none', compression = 'zstd'", "quantization = 8" },
    { "q8+lz4", "encryption = 'none', compression = 'lz4'", "quantization = 8" },
    { "s0.9+q8+zstd", "encryption = 'none', compression = 'zstd'",
      "quantization = 8, gradient_sparsification = 0.9" },
    { "s0.5+q16+lz4", "encryption = 'none', compression = 'lz4'",
      "quantization = 16, gradient_sparsification = 0.5" },
    { "q8+zstd sealed", "encryption = 'AES-256-GCM', compression = 'zstd'", "quantization = 8" },
};
#define NSETTINGS ((int)(sizeof settings / sizeof settings[0]))
#define RAW 0
#define Q8_ZSTD 6

typedef struct Result {
    int ok;
    char error[600];            /* what helios refused, when !ok */
    DistFigures f;
    double total_mb_round;      /* median over the rounds of sent + received */
    double comm_mb_round;       /* federated_training_metrics' communication_mb, median */
    double loss, acc;
    int clean_stops;
} Result;

typedef struct Job {
    const DistSetup *c;
    const Setting *s;
    int distributed;
} Job;

/* ---- one setting, in a process of its own ---------------------------------------------- */

/* Runs every statement of the formatted SQL; 1 on success, else 0 with
 * the statement and helios' message in r->error. */
static int try_execf(helios *h, Result *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int try_execf(helios *h, Result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *sql = malloc((size_t)n + 1);
    if (!sql)
        exit(1);
    va_start(ap, fmt);
    vsnprintf(sql, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int ok = 1;
    for (const char *tail = sql; ok && tail && *tail;) {
        helios_stmt *st = NULL;
        const char *at = tail;
        if (helios_prepare(h, tail, -1, 0, &st, &tail) != HELIOS_OK)
            ok = 0;
        else if (!st)
            break;
        else {
            int rc;
            while ((rc = helios_step(st)) == HELIOS_ROW)
                ;
            ok = rc == HELIOS_DONE;
            helios_finalize(st);
        }
        if (!ok)
            snprintf(r->error, sizeof r->error, "%.60s...: %s", at, helios_errmsg(h));
    }
    free(sql);
    return ok;
}

/* The median over the rounds of column of federated_training_metrics or
 * of the per-round sum of sent + received. */
static void read_traffic(helios *h, Result *r)
{
    int n;
    double *v = bench_column(h, "SELECT sum(coalesce(network_sent_mb, 0) + "
                                "coalesce(network_received_mb, 0)) FROM "
                                "federated_performance_metrics WHERE model_name = 'lr' "
                                "GROUP BY round_number", &n);
    r->total_mb_round = bench_median(v, n);
    free(v);
    v = bench_column(h, "SELECT communication_mb FROM federated_training_metrics('lr')", &n);
    r->comm_mb_round = bench_median(v, n);
    free(v);
}

/* The catalog, the nodes, the model and the run; 1 when it completed. */
static int train(helios *h, const Job *j, const int *port, Result *r)
{
    const DistSetup *c = j->c;
    if (j->distributed) {
        if (!try_execf(h, r, "CREATE FEDERATED WORKSPACE flower WITH (min_nodes = %d, "
                             "certificate = '%s/coordinator.pem', private_key = "
                             "'%s/coordinator.key', ca_bundle = '%s/ca.pem', %s)",
                       c->nshards, c->pki, c->pki, c->pki, j->s->ws))
            return 0;
    } else if (!try_execf(h, r, "CREATE FEDERATED WORKSPACE flower WITH (min_nodes = %d, %s)",
                          c->nshards, j->s->ws))
        return 0;
    for (int k = 0; k < c->nshards; k++)
        if (j->distributed)
            bench_execf(h, "REGISTER FEDERATED NODE 'client_%03d' WITH "
                           "(endpoint = 'tls://127.0.0.1:%d')", k, port[k]);
        else
            bench_execf(h, "REGISTER FEDERATED NODE 'client_%03d' WITH (endpoint = 'local', "
                           "data_filter = 'rowid > %d AND rowid <= %d')", k, c->from[k], c->to[k]);
    char *feats = bench_csv_features(c->train);
    int ok = try_execf(h, r, "CREATE FEDERATED MODEL lr WITH (source = 'train', features = [%s], "
                             "target = 'target', algorithm = 'logistic_regression', rounds = 20, "
                             "local_epochs = 5, batch_size = 32, learning_rate = 0.1, "
                             "optimizer = 'sgd', aggregation = 'fedavg', "
                             "weighted_aggregation = true, validation_split = 0, seed = 42, %s)",
                       feats, j->s->model);
    free(feats);
    if (!ok || !try_execf(h, r, "START FEDERATED TRAINING lr"))
        return 0;
    char *outcome = bench_textf(h, "SELECT wait_for_convergence('lr', timeout_seconds => 600)");
    if (!outcome || strcmp(outcome, "completed") != 0) {
        snprintf(r->error, sizeof r->error, "the run ended '%s'", outcome ? outcome : "(null)");
        free(outcome);
        return 0;
    }
    free(outcome);
    double rows = bench_double(h, "SELECT sum(dataset_size) FROM federated_node_status");
    if (rows != c->train->nrows)
        dist_fail("the nodes report %g rows in all, not %d", rows, c->train->nrows);
    return 1;
}

static void run(const void *arg, void *result)
{
    const Job *j = arg;
    const DistSetup *c = j->c;
    Result *r = result;
    char catalog[4200], path[4300];
    int *port = calloc((size_t)c->nshards, sizeof *port);
    if (!port)
        exit(1);
    dist_nodes_guard(c);
    if (j->distributed) {
        dist_write_sites(c);
        dist_start_nodes(c, port);
    }
    snprintf(catalog, sizeof catalog, "%s/coordinator%d_%s.db", c->work, c->nshards,
             j->distributed ? "dist" : "local");
    helios *h = bench_open_fresh(catalog);
    if (!j->distributed)
        bench_csv_to_table(h, c->train, "train", NULL, 0);
    bench_csv_to_table(h, c->test, "test", NULL, 0);
    if (train(h, j, port, r)) {
        dist_read_figures(h, "lr", &r->f);
        read_traffic(h, r);
        r->loss = dist_test_loss(h, c->test, "lr");
        r->acc = dist_test_accuracy(h, c->test, "lr", ">=");
        r->ok = 1;
    }
    helios_close(h);        /* BYE to every node */
    if (j->distributed) {
        r->clean_stops = dist_stop_nodes(c);
        dist_remove_sites(c);
    }
    unlink(catalog);
    snprintf(path, sizeof path, "%s-wal", catalog);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", catalog);
    unlink(path);
    free(port);
}

/* ---- printing --------------------------------------------------------------------------- */

/* The median bytes a round of phase (sent or received); 0 when absent. */
static double phase_bytes(const Result *r, const char *phase, int received)
{
    for (int i = 0; i < r->f.nphases; i++)
        if (strcmp(r->f.phase[i], phase) == 0)
            return (received ? r->f.phase_recv_mb[i] : r->f.phase_sent_mb[i]) * 1e6;
    return 0;
}

static void print_detail(const char *name, int distributed, int nodes, const Result *r)
{
    printf("\n== %s, %d nodes, %s ==\n", name, nodes,
           distributed ? "helios-node processes over TLS 1.3 on 127.0.0.1" : "in-process");
    if (!r->ok) {
        printf("REFUSED or FAILED: %s\n", r->error[0] ? r->error : "(see the messages above)");
        return;
    }
    printf("rounds: %d; round_duration_seconds median %.3f ms, min %.3f ms, max %.3f ms\n",
           r->f.rounds, r->f.med_round * 1e3, r->f.min_round * 1e3, r->f.max_round * 1e3);
    for (int i = 0; i < r->f.nphases; i++)
        printf("  phase %-15s median %8.3f ms, sent %8.0f B, received %8.0f B\n", r->f.phase[i],
               r->f.phase_med[i] * 1e3, r->f.phase_sent_mb[i] * 1e6, r->f.phase_recv_mb[i] * 1e6);
    printf("bytes a round (medians): sent %.0f, received %.0f, sent + received %.0f; "
           "communication_mb %.6f\n", r->f.sent_mb_round * 1e6, r->f.recv_mb_round * 1e6,
           r->total_mb_round * 1e6, r->comm_mb_round);
    printf("final test loss %.6f, test accuracy %.4f", r->loss, r->acc);
    if (distributed)
        printf("; %d of %d nodes exited 0 with event=stopped", r->clean_stops, nodes);
    printf("\n");
}

static void print_row(const char *name, const Result *r, const Result *raw, double med_round,
                      int steady)
{
    if (!r->ok) {
        printf("%-22s refused: %.90s\n", name, r->error);
        return;
    }
    double sent = r->f.sent_mb_round * 1e6, recv = r->f.recv_mb_round * 1e6;
    double total = r->total_mb_round * 1e6;
    printf("%-22s %9.0f %9.0f %9.0f", name, sent, recv, total);
    if (raw->ok)
        printf(" %7.1f%% %7.1f%% %7.1f%%", 100 * total / (raw->total_mb_round * 1e6),
               100 * recv / (raw->f.recv_mb_round * 1e6),
               100 * phase_bytes(r, "local_training", 1) / phase_bytes(raw, "local_training", 1));
    else
        printf(" %8s %8s %8s", "-", "-", "-");
    printf(" %10.7f %7.4f %+6.2f %8.3f%s\n", r->loss, r->acc,
           raw->ok ? 100 * (r->acc - raw->acc) : NAN, med_round * 1e3,
           steady ? "" : "  (passes differ in bytes or loss)");
}

static void print_header(int nodes, const char *what, int passes)
{
    printf("\n%d nodes, %s: bytes a round (median over the 20 rounds); median round: "
           "the median over %d pass%s\n", nodes, what, passes, passes == 1 ? "" : "es");
    printf("%-22s %9s %9s %9s %8s %8s %8s %10s %7s %6s %8s\n", "setting", "sent", "received",
           "total", "total", "recv", "update", "test", "test", "acc", "median");
    printf("%-22s %9s %9s %9s %8s %8s %8s %10s %7s %6s %8s\n", "", "B", "B", "B", "/raw", "/raw",
           "/raw", "loss", "acc", "pts", "round ms");
}

static void print_verdict(const char *what, const Result *raw, const Result *q)
{
    if (!raw->ok || !q->ok)
        return;
    printf("%s, ", what);
    double ratio = q->total_mb_round / raw->total_mb_round;
    double recv = q->f.recv_mb_round / raw->f.recv_mb_round;
    double pts = 100 * (q->acc - raw->acc);
    printf("q8+zstd against raw (target: <= %.0f %% of the bytes, accuracy within %.1f pts): "
           "total %.1f %% -> %s; received only %.1f %% -> %s; accuracy %+.2f pts -> %s\n", 100 * TARGET_RATIO,
           TARGET_ACC_PTS, 100 * ratio, ratio <= TARGET_RATIO ? "met" : "MISSED", 100 * recv,
           recv <= TARGET_RATIO ? "met" : "MISSED", pts,
           fabs(pts) <= TARGET_ACC_PTS + 1e-9 ? "met" : "MISSED");
}

/* ---- main ------------------------------------------------------------------------------- */

/* One setting at one node count, over the passes. */
typedef struct Run {
    const Setting *s;
    int distributed;
    Result r[MAX_PASSES];
    double med_round;           /* the median over the passes of the run's median round */
    int steady;                 /* every pass moved the same bytes and reached the same loss */
} Run;

static void usage(void)
{
    fprintf(stderr, "usage: bench/codec [-n NODES]... [-s SETTING]... [-r PASSES] "
                    "[DATA_DIR [WORK_DIR]]\nsettings:");
    for (int i = 0; i < NSETTINGS; i++)
        fprintf(stderr, " '%s'", settings[i].name);
    fprintf(stderr, "\n");
}

static int find_setting(const char *name)
{
    for (int i = 0; i < NSETTINGS; i++)
        if (strcmp(settings[i].name, name) == 0)
            return i;
    return -1;
}

/* The passes' median of the median round, and whether the passes agree. */
static void summarize(Run *u, int passes)
{
    double v[MAX_PASSES];
    int n = 0;
    u->steady = 1;
    for (int p = 0; p < passes; p++) {
        const Result *a = &u->r[0], *b = &u->r[p];
        if (!b->ok)
            continue;
        v[n++] = b->f.med_round;
        if (b->f.sent_mb_round != a->f.sent_mb_round || b->f.recv_mb_round != a->f.recv_mb_round
            || b->loss != a->loss)
            u->steady = 0;
    }
    u->med_round = n ? bench_median(v, n) : NAN;
}

static void print_table(const char *what, int nodes, const Run *runs, int from, int to,
                        const Run *raw, int passes)
{
    print_header(nodes, what, passes);
    for (int i = from; i < to; i++)
        print_row(runs[i].s->name, &runs[i].r[0], &raw->r[0], runs[i].med_round,
                  runs[i].steady);
}

/* Every chosen setting at one node count, then raw and q8+zstd in-process,
 * passes times over (interleaved, so that a change in the machine's load
 * falls on all settings alike); returns 1 if any run failed. */
static int run_size(const DistSetup *c, const int *chosen, int passes)
{
    Run *runs = calloc(NSETTINGS + 2, sizeof *runs);
    int n = 0, failed = 0;
    if (!runs)
        exit(1);
    for (int i = 0; i < NSETTINGS; i++)
        if (chosen[i])
            runs[n++] = (Run){ .s = &settings[i], .distributed = 1 };
    int ndist = n;
    runs[n++] = (Run){ .s = &settings[RAW], .distributed = 0 };
    runs[n++] = (Run){ .s = &settings[Q8_ZSTD], .distributed = 0 };
    for (int p = 0; p < passes; p++)
        for (int i = 0; i < n; i++) {
            Job j = { c, runs[i].s, runs[i].distributed };
            Result *r = &runs[i].r[p];
            if (!dist_run_forked(run, &j, r, sizeof *r) && !r->error[0])
                snprintf(r->error, sizeof r->error, "the run's process failed");
            if (p == 0)
                print_detail(runs[i].s->name, runs[i].distributed, c->nshards, r);
            else
                printf("pass %d, %s, %s: median round %.3f ms\n", p + 1, runs[i].s->name,
                       runs[i].distributed ? "helios-node" : "in-process",
                       r->ok ? r->f.med_round * 1e3 : NAN);
            failed |= !r->ok;
        }
    for (int i = 0; i < n; i++)
        summarize(&runs[i], passes);

    const Run *raw = &runs[0], *lraw = &runs[ndist], *q8z = NULL;
    for (int i = 0; i < ndist; i++)
        if (runs[i].s == &settings[Q8_ZSTD])
            q8z = &runs[i];
    print_table("helios-node processes", c->nshards, runs, 0, ndist, raw, passes);
    print_table("in-process (payload sizes)", c->nshards, runs, ndist, n, lraw, passes);
    printf("\nupdate/raw: the received bytes of the local_training phase (the updates) "
           "against raw's\n");
    if (q8z)
        print_verdict("helios-node", &raw->r[0], &q8z->r[0]);
    print_verdict("in-process", &lraw->r[0], &runs[ndist + 1].r[0]);
    if (raw->r[0].ok && lraw->r[0].ok)
        printf("raw: helios-node and in-process final losses %s\n",
               raw->r[0].loss == lraw->r[0].loss ? "identical" : "DIFFER");
    if (q8z && q8z->r[0].ok && runs[ndist + 1].r[0].ok)
        printf("q8+zstd: helios-node and in-process final losses %s\n",
               q8z->r[0].loss == runs[ndist + 1].r[0].loss ? "identical" : "DIFFER");
    free(runs);
    return failed;
}

int main(int argc, char **argv)
{
    int sizes[MAX_SIZES], nsizes = 0, chosen[NSETTINGS] = { 0 }, any = 0, passes = 1, opt;
    while ((opt = getopt(argc, argv, "n:s:r:")) != -1) {
        int i;
        if (opt == 'n' && nsizes < MAX_SIZES && atoi(optarg) > 0)
            sizes[nsizes++] = atoi(optarg);
        else if (opt == 's' && (i = find_setting(optarg)) >= 0)
            chosen[i] = any = 1;
        else if (opt == 'r' && atoi(optarg) > 0 && atoi(optarg) <= MAX_PASSES)
            passes = atoi(optarg);
        else {
            usage();
            return 2;
        }
    }
    if (!nsizes) {
        sizes[nsizes++] = 10;
        sizes[nsizes++] = 100;
    }
    for (int i = 0; i < NSETTINGS; i++)
        chosen[i] |= !any || i == RAW;
    const char *dir = optind < argc ? argv[optind] : "../shared/data/flower_workload";
    char path[10000];
    DistEnv env;
    dist_prog = "codec";
    if (dist_env_open(&env, optind + 1 < argc ? argv[optind + 1] : NULL) != 0)
        return 1;

    bench_print_machine();
    BenchCsv train, test;
    snprintf(path, sizeof path, "%s/train.csv", dir);
    bench_csv_read(path, &train);
    snprintf(path, sizeof path, "%s/test.csv", dir);
    bench_csv_read(path, &test);
    printf("data: train %d rows x %d features, test %d rows; helios-node: %s; work: %s\n",
           train.nrows, train.ncols - 1, test.nrows, env.node_bin, env.work);
    printf("model: logistic_regression from zero weights, sgd, 5 local epochs, batch 32, "
           "lr 0.1, fedavg weighted by rows, 20 rounds, validation_split 0, seed 42\n");
    printf("settings (workspace options; model options):\n");
    for (int i = 0; i < NSETTINGS; i++)
        if (chosen[i])
            printf("  %-15s %s; %s\n", settings[i].name, settings[i].ws, settings[i].model);

    int failed = 0;
    for (int i = 0; i < nsizes; i++) {
        int *from, *to, lo, hi;
        snprintf(path, sizeof path, "%s/shards_%d.txt", dir, sizes[i]);
        int n = dist_read_shards(path, train.nrows, &from, &to);
        DistSetup c = { dir, env.work, env.node_bin, env.pki, &train, &test, n, from, to };
        dist_shard_sizes(&c, &lo, &hi);
        printf("\n---- %s: %d shards of %d..%d rows ----\n", path, n, lo, hi);
        failed |= run_size(&c, chosen, passes);
        free(from);
        free(to);
    }
    dist_env_close(&env);
    bench_csv_free(&train);
    bench_csv_free(&test);
    return failed;
}
