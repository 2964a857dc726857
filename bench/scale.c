/*
 * scale.c - round time and peak memory as the number of in-process nodes
 * grows (issue 3, point 12: 10, 100, 1,000 and 10,000 nodes; target:
 * 10,000 nodes train in one process in under 4 GB, round time growing
 * linearly with nodes).
 *
 * Each size runs in a fresh process (this program re-executes itself), so
 * that ru_maxrss is that size's peak and not the largest so far.  A size's
 * process makes a synthetic table of nodes x ROWS_PER_NODE rows x FEATURES
 * features (bench.c), registers the nodes over contiguous rowid ranges
 * (one transaction), and trains a logistic regression (SGD, batch 32,
 * 1 local epoch) for ROUNDS rounds, validation at the last one only.
 * Printed per size: the time to register, START (every node reads,
 * counts and encodes its rows: SCHEMA, STATS and SETUP), the median round
 * (round_duration_seconds of rounds without validation) and its
 * local_training phase, the wall time per round including the catalog
 * commit, the final round (with validation), and the process's peak memory
 * before and after training (the table itself is in the SQLite file, not in
 * memory; the nodes' encoded rows are: nodes x 100 x 31 doubles).
 *
 * Usage: bench/scale [N ...]   (default 10 100 1000 10000)
 *        bench/scale --one N CATALOG   (one size, used by the above)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define ROWS_PER_NODE 100
#define FEATURES 30
#define ROUNDS 5

static int one(int nodes, const char *catalog)
{
    char *feats = bench_synthetic_features(FEATURES);
    helios *h = bench_open_fresh(catalog);
    double t0 = bench_now();
    bench_synthetic_table(h, "data", (long)nodes * ROWS_PER_NODE, FEATURES, 77);
    double t1 = bench_now();
    bench_exec(h, "CREATE FEDERATED WORKSPACE s WITH (min_nodes = 1)");
    bench_register_slices(h, NULL, nodes, ROWS_PER_NODE);
    double t2 = bench_now();
    bench_execf(h, "CREATE FEDERATED MODEL m WITH (source = 'data', features = [%s], "
                   "target = 'y', algorithm = 'logistic_regression', optimizer = 'sgd', "
                   "learning_rate = 0.01, batch_size = 32, local_epochs = 1, rounds = %d, "
                   "validation_frequency = %d, seed = 5)", feats, ROUNDS, ROUNDS);
    double mem0 = bench_peak_mib();
    double t3 = bench_now();
    bench_exec(h, "START FEDERATED TRAINING m");
    double t4 = bench_now();
    char *outcome = bench_textf(h, "SELECT wait_for_convergence('m', timeout_seconds => 3600)");
    double t5 = bench_now();
    double mem1 = bench_peak_mib();
    int nr, nt;
    char q[256];
    snprintf(q, sizeof q, "SELECT round_duration_seconds FROM federated_training_metrics('m') "
                          "WHERE round_number < %d", ROUNDS);
    double *r = bench_column(h, q, &nr);
    snprintf(q, sizeof q, "SELECT duration_seconds FROM federated_performance_metrics "
                          "WHERE phase = 'local_training' AND round_number < %d", ROUNDS);
    double *t = bench_column(h, q, &nt);
    double last = bench_doublef(h, "SELECT round_duration_seconds FROM "
                                   "federated_training_metrics('m') WHERE round_number = %d",
                                ROUNDS);
    double med = bench_median(r, nr), tmed = bench_median(t, nt);
    printf("%6d %10.2f %9.2f %9.3f %11.3f %11.3f %10.3f %11.3f %9.1f %9.1f  %s\n", nodes,
           t1 - t0, t2 - t1, t4 - t3, med * 1e3, tmed * 1e3, (t5 - t4) / ROUNDS * 1e3,
           last * 1e3, mem0, mem1, outcome ? outcome : "?");
    fflush(stdout);
    free(outcome);
    free(r);
    free(t);
    free(feats);
    helios_close(h);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--one") == 0)
        return one(atoi(argv[2]), argv[3]);
    static const char *dflt[] = { "10", "100", "1000", "10000" };
    const char **sizes = argc > 1 ? (const char **)argv + 1 : dflt;
    int nsizes = argc > 1 ? argc - 1 : 4;
    bench_print_machine();
    printf("%d rows x %d features per node, logistic regression, SGD, batch 32, 1 local epoch, "
           "%d rounds (validation at the last)\n", ROWS_PER_NODE, FEATURES, ROUNDS);
    printf("%6s %10s %9s %9s %11s %11s %10s %11s %9s %9s  %s\n", "nodes", "data (s)",
           "reg (s)", "START (s)", "round (ms)", "train (ms)", "wall/rnd", "last (ms)",
           "MiB pre", "MiB peak", "outcome");
    fflush(stdout);
    for (int i = 0; i < nsizes; i++) {
        char catalog[256];
        snprintf(catalog, sizeof catalog, "/tmp/helios-bench-scale-%s.db", sizes[i]);
        pid_t pid = fork();
        if (pid == 0) {
            execl("/proc/self/exe", argv[0], "--one", sizes[i], catalog, (char *)NULL);
            _exit(127);
        }
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            printf("%6s  failed (status %d)\n", sizes[i], status);
    }
    return 0;
}
