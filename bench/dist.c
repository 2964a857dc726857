/*
 * dist.c - the Flower workload of bench/flower.c across real processes:
 * one helios-node per client, each over its own SQLite file holding only
 * its shard's rows, reached by the coordinator over TLS 1.3 with mutual
 * authentication on loopback (issue 5, "Targets"), and the same run with
 * in-process nodes for comparison.
 *
 *   train.csv, test.csv  455 / 114 rows (../shared/data/flower_workload)
 *   shards_N.txt         client k's contiguous half-open row range [a, b)
 *                        of train.csv; N = 100 (the target) and 10 (the
 *                        scaling figure) by default
 *
 * Every configuration runs in a process of its own (forked before helios
 * is opened), so that its ru_maxrss is its own:
 *
 *   distributed  site k's database holds the rows [a, b) as table `train`
 *                (bench/flower's columns, file order); helios-node is
 *                started on it with --listen 127.0.0.1:0 and the test PKI's
 *                node1 certificate for every node (it names DNS:node1,
 *                DNS:localhost and IP:127.0.0.1: the coordinator, failing
 *                to match the registered name 'client_k', matches the
 *                endpoint's host); its port is read from its
 *                "event=listening" log line.  The coordinator's catalog
 *                holds the test table only.
 *   in-process   bench/flower's run: one catalog with train and test, the
 *                nodes `endpoint = 'local'` with data_filter on rowid.
 *
 * Both register the workspace, then the nodes, then the model in the same
 * order, so the nodes get the same catalog ids (which seed their
 * shuffling) and the two runs must train the same model: their final test
 * losses are printed side by side.
 *
 * Printed per configuration: median and max round_duration_seconds
 * (federated_training_metrics), the median of every phase of
 * federated_performance_metrics and its traffic, START (connecting to the
 * nodes, schema, statistics and encoding), the wall time of the 20 rounds
 * (START returned -> wait_for_convergence returned), the time to start and
 * to stop the nodes, memory (the coordinator's ru_maxrss; each node's
 * VmHWM from /proc/PID/status, read before it is stopped, summed; and the
 * sum of the nodes' Pss, which counts shared library pages once), and the
 * final test loss as bench/flower computes it.
 *
 * The nodes are stopped with SIGTERM at the end and must exit 0 after
 * logging event=stopped; on any failure (a refused statement, a node that
 * does not start, a signal) they are killed, and each is also started with
 * PR_SET_PDEATHSIG = SIGKILL so that none outlives the bench.
 *
 * Usage: bench/dist [-n NODES]... [DATA_DIR [WORK_DIR]]
 *   -n NODES   a configuration (shards_NODES.txt), repeatable; default 100
 *              then 10
 *   DATA_DIR   default ../shared/data/flower_workload (run from the top of
 *              the source tree)
 *   WORK_DIR   default a fresh /tmp/helios-bench-dist.XXXXXX, removed at
 *              the end unless BENCH_KEEP is set
 *   HELIOS_NODE     the helios-node binary (default: ../helios-node next to
 *                   this program, i.e. build/helios-node)
 *   HELIOS_SRCDIR   where tests/pki.sh is (default .)
 * Figures only: it never fails because a target is missed.
 *
 * The nodes, the sites, the PKI and the views' figures are
 * bench/dist_common.c's, shared with bench/codec.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "dist_common.h"

/* Flower 1.23, one process per client on this machine (data/README.md) */
#define FLOWER_ROUND_100 0.467      /* s, median */
#define FLOWER_GIB_100 13.0
#define FLOWER_LOSS_100 0.09451
#define FLOWER_ROUND_10 "0.034-0.051"
#define FLOWER_GIB_10 1.5
#define FLOWER_LOSS_10 0.07019
#define TARGET_ROUND 0.02
#define TARGET_MIB 1024.0         /* 1 GiB */
#define TARGET_LOSS_DELTA 0.005

#define MAX_CONFIGS 8

typedef struct Result {
    int ok, nodes, distributed;
    DistFigures f;
    double start_s, rounds_wall_s, spawn_s, stop_s;
    double coord_mib, nodes_hwm_mib, node_hwm_max_mib, nodes_pss_mib;
    double nodes_anon_mib, nodes_file_mib;
    double loss, acc;
    int clean_stops, refused_handshakes;
} Result;

/* ---- one configuration, in a process of its own ------------------------------------------- */

/* Every node's peak memory (VmHWM; and Pss, RssAnon, RssFile), read from
 * /proc before it is stopped. */
static void read_node_memory(const DistSetup *c, Result *r)
{
    char path[4300];
    for (int k = 0; k < c->nshards; k++) {
        int pid = (int)dist_node_pid(k);
        snprintf(path, sizeof path, "/proc/%d/status", pid);
        double hwm = dist_proc_kib(path, "VmHWM:");
        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
        double pss = dist_proc_kib(path, "\nPss:");
        if (isnan(hwm))
            dist_fail("%s: no VmHWM", path);
        r->nodes_hwm_mib += hwm;
        r->nodes_pss_mib += isnan(pss) ? 0 : pss;
        snprintf(path, sizeof path, "/proc/%d/status", pid);
        double anon = dist_proc_kib(path, "RssAnon:"), file = dist_proc_kib(path, "RssFile:");
        r->nodes_anon_mib += isnan(anon) ? 0 : anon;
        r->nodes_file_mib += isnan(file) ? 0 : file;
        if (hwm > r->node_hwm_max_mib)
            r->node_hwm_max_mib = hwm;
    }
}

static void run(const DistSetup *c, int distributed, Result *r)
{
    char catalog[4200], path[4300];
    int *port = calloc((size_t)c->nshards, sizeof *port);
    if (!port)
        exit(1);
    memset(r, 0, sizeof *r);
    r->nodes = c->nshards;
    r->distributed = distributed;
    dist_nodes_guard(c);

    if (distributed) {
        dist_write_sites(c);
        double t = bench_now();
        dist_start_nodes(c, port);
        r->spawn_s = bench_now() - t;
    }
    snprintf(catalog, sizeof catalog, "%s/coordinator%d_%s.db", c->work, c->nshards,
             distributed ? "dist" : "local");
    helios *h = bench_open_fresh(catalog);
    if (!distributed)
        bench_csv_to_table(h, c->train, "train", NULL, 0);
    bench_csv_to_table(h, c->test, "test", NULL, 0);
    if (distributed)
        bench_execf(h, "CREATE FEDERATED WORKSPACE flower WITH (min_nodes = %d, "
                       "certificate = '%s/coordinator.pem', private_key = '%s/coordinator.key', "
                       "ca_bundle = '%s/ca.pem')", c->nshards, c->pki, c->pki, c->pki);
    else
        bench_execf(h, "CREATE FEDERATED WORKSPACE flower WITH (min_nodes = %d)", c->nshards);
    for (int k = 0; k < c->nshards; k++)
        if (distributed)
            bench_execf(h, "REGISTER FEDERATED NODE 'client_%03d' WITH "
                           "(endpoint = 'tls://127.0.0.1:%d')", k, port[k]);
        else
            bench_execf(h, "REGISTER FEDERATED NODE 'client_%03d' WITH (endpoint = 'local', "
                           "data_filter = 'rowid > %d AND rowid <= %d')", k, c->from[k], c->to[k]);
    char *feats = bench_csv_features(c->train);
    bench_execf(h, "CREATE FEDERATED MODEL lr WITH (source = 'train', features = [%s], "
                   "target = 'target', algorithm = 'logistic_regression', rounds = 20, "
                   "local_epochs = 5, batch_size = 32, learning_rate = 0.1, optimizer = 'sgd', "
                   "aggregation = 'fedavg', weighted_aggregation = true, validation_split = 0, "
                   "seed = 42)", feats);
    free(feats);

    double t0 = bench_now();
    bench_exec(h, "START FEDERATED TRAINING lr");
    double t1 = bench_now();
    char *outcome = bench_textf(h, "SELECT wait_for_convergence('lr', timeout_seconds => 600)");
    double t2 = bench_now();
    r->start_s = t1 - t0;
    r->rounds_wall_s = t2 - t1;
    if (!outcome || strcmp(outcome, "completed") != 0)
        dist_fail("the run ended '%s'", outcome ? outcome : "(null)");
    free(outcome);
    double rows = bench_double(h, "SELECT sum(dataset_size) FROM federated_node_status");
    if (rows != c->train->nrows)
        dist_fail("the nodes report %g rows in all, not %d", rows, c->train->nrows);
    dist_read_figures(h, "lr", &r->f);
    r->loss = dist_test_loss(h, c->test, "lr");
    r->acc = dist_test_accuracy(h, c->test, "lr", ">");

    if (distributed)
        read_node_memory(c, r);
    helios_close(h);        /* BYE to every node */
    r->coord_mib = bench_peak_mib();
    if (distributed) {
        double t = bench_now();
        r->clean_stops = dist_stop_nodes(c);
        r->stop_s = bench_now() - t;
        r->refused_handshakes = dist_count_refused(c);
        dist_remove_sites(c);
    }
    unlink(catalog);
    for (const char *sfx = "-wal"; sfx; sfx = strcmp(sfx, "-wal") == 0 ? "-shm" : NULL) {
        snprintf(path, sizeof path, "%s%s", catalog, sfx);
        unlink(path);
    }
    r->ok = 1;
    free(port);
}

typedef struct Job {
    const DistSetup *c;
    int distributed;
} Job;

static void run_job(const void *arg, void *result)
{
    const Job *j = arg;
    run(j->c, j->distributed, result);
}

/* Runs one configuration in a child process; its Result comes back
 * through a pipe (ok = 0 when the child failed). */
static void run_forked(const DistSetup *c, int distributed, Result *r)
{
    Job j = { c, distributed };
    dist_run_forked(run_job, &j, r, sizeof *r);
    r->nodes = c->nshards;
    r->distributed = distributed;
}

/* ---- printing --------------------------------------------------------------------------- */

static void print_result(const Result *r)
{
    printf("\n== %d nodes, %s ==\n", r->nodes,
           r->distributed ? "helios-node processes over TLS 1.3 on 127.0.0.1" : "in-process");
    if (!r->ok) {
        printf("FAILED (see the messages above)\n");
        return;
    }
    if (r->distributed)
        printf("nodes started and listening: %.1f ms for %d processes\n", r->spawn_s * 1e3,
               r->nodes);
    printf("START: %.1f ms%s\n", r->start_s * 1e3,
           r->distributed ? " (TLS handshakes, schema, statistics, encoding, setup)" : "");
    printf("rounds: %d; round_duration_seconds median %.3f ms, min %.3f ms, max %.3f ms\n",
           r->f.rounds, r->f.med_round * 1e3, r->f.min_round * 1e3, r->f.max_round * 1e3);
    for (int i = 0; i < r->f.nphases; i++)
        printf("  phase %-15s median %8.3f ms, sent %.4f MB, received %.4f MB\n", r->f.phase[i],
               r->f.phase_med[i] * 1e3, r->f.phase_sent_mb[i], r->f.phase_recv_mb[i]);
    printf("traffic a round (median): sent %.4f MB, received %.4f MB\n", r->f.sent_mb_round,
           r->f.recv_mb_round);
    printf("wall time of the %d rounds (START returned -> wait_for_convergence returned): "
           "%.1f ms = %.3f ms a round\n", r->f.rounds, r->rounds_wall_s * 1e3,
           r->rounds_wall_s * 1e3 / (r->f.rounds ? r->f.rounds : 1));
    printf("final test loss %.6f, test accuracy %.4f\n", r->loss, r->acc);
    printf("coordinator peak (ru_maxrss): %.1f MiB\n", r->coord_mib);
    if (r->distributed) {
        printf("nodes: sum of VmHWM %.1f MiB (max %.1f MiB a node), sum of Pss %.1f MiB\n",
               r->nodes_hwm_mib, r->node_hwm_max_mib, r->nodes_pss_mib);
        printf("nodes at the end: RssAnon %.1f MiB + RssFile %.1f MiB (summed; the file pages "
               "are the shared libraries, the same pages in every node)\n", r->nodes_anon_mib,
               r->nodes_file_mib);
        printf("all processes (coordinator ru_maxrss + nodes' VmHWM): %.1f MiB = %.3f GB\n",
               r->coord_mib + r->nodes_hwm_mib, (r->coord_mib + r->nodes_hwm_mib) * 1048576 / 1e9);
        printf("stop: SIGTERM to all, %d of %d exited 0 with event=stopped, in %.1f ms; "
               "handshakes refused in the nodes' logs: %d\n", r->clean_stops, r->nodes,
               r->stop_s * 1e3, r->refused_handshakes);
    }
}

static void print_summary(const Result *d, const Result *l)
{
    if (!d->ok)
        return;
    double all = d->coord_mib + d->nodes_hwm_mib;
    int hundred = d->nodes == 100;
    printf("\n%d nodes %-22s %14s %14s %14s %s\n", d->nodes, "", "helios-node", "in-process",
           "Flower", hundred ? "target" : "");
    printf("%-31s %11.3f ms %11.3f ms %11s s", "median round", d->f.med_round * 1e3,
           l->ok ? l->f.med_round * 1e3 : NAN, hundred ? "0.467" : FLOWER_ROUND_10);
    if (hundred)
        printf("  < 20 ms -> %s", d->f.med_round < TARGET_ROUND ? "met" : "MISSED");
    printf("\n%-31s %10.1f MiB %10.1f MiB %10.1f GiB", "peak memory, all processes", all,
           l->ok ? l->coord_mib : NAN, hundred ? FLOWER_GIB_100 : FLOWER_GIB_10);
    if (hundred)    /* Flower's "13 GB" is 13.0 GiB (data/README.md): both units shown */
        printf("  < 1 GiB -> %s; < 10^9 bytes -> %s (%.3f GB)", all < TARGET_MIB ? "met" : "MISSED",
               all * 1048576.0 < 1e9 ? "met" : "MISSED", all * 1048576.0 / 1e9);
    double fl = hundred ? FLOWER_LOSS_100 : FLOWER_LOSS_10;
    printf("\n%-31s %14.6f %14.6f %14.5f", "final test loss", d->loss, l->ok ? l->loss : NAN,
           fl);
    if (hundred)
        printf("  +-0.005 -> %s (|diff| %.5f)",
               fabs(d->loss - fl) <= TARGET_LOSS_DELTA ? "met" : "MISSED", fabs(d->loss - fl));
    printf("\nhelios-node and in-process final losses %s\n",
           l->ok && d->loss == l->loss ? "identical" : "DIFFER");
    if (hundred)
        printf("speed-up over Flower (median round): %.0fx\n", FLOWER_ROUND_100 / d->f.med_round);
}

/* ---- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    int sizes[MAX_CONFIGS], nsizes = 0, opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt == 'n' && nsizes < MAX_CONFIGS && atoi(optarg) > 0)
            sizes[nsizes++] = atoi(optarg);
        else {
            fprintf(stderr, "usage: bench/dist [-n NODES]... [DATA_DIR [WORK_DIR]]\n");
            return 2;
        }
    }
    if (!nsizes) {
        sizes[nsizes++] = 100;
        sizes[nsizes++] = 10;
    }
    const char *dir = optind < argc ? argv[optind] : "../shared/data/flower_workload";
    char path[10000];
    DistEnv env;
    dist_prog = "dist";
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

    int failed = 0;
    for (int i = 0; i < nsizes; i++) {
        int *from, *to, lo, hi;
        snprintf(path, sizeof path, "%s/shards_%d.txt", dir, sizes[i]);
        int n = dist_read_shards(path, train.nrows, &from, &to);
        DistSetup c = { dir, env.work, env.node_bin, env.pki, &train, &test, n, from, to };
        dist_shard_sizes(&c, &lo, &hi);
        printf("\n---- %s: %d shards of %d..%d rows ----\n", path, n, lo, hi);
        Result d, l;
        run_forked(&c, 1, &d);
        print_result(&d);
        run_forked(&c, 0, &l);
        print_result(&l);
        print_summary(&d, &l);
        failed |= !d.ok || !l.ok;
        free(from);
        free(to);
    }
    dist_env_close(&env);
    bench_csv_free(&train);
    bench_csv_free(&test);
    return failed;
}
