/*
 * speed.c - what federation costs over the arithmetic (issue 3, point 12:
 * "a round with 100 in-process nodes x 1,000 rows x 30 features, 1 local
 * epoch, divided by one epoch over the same 100,000 rows pooled, with the
 * same number of threads"; target: at most 1.5).
 *
 * One synthetic table of 100,000 rows x 30 features (bench.c,
 * bench_synthetic_table).  Two workspaces over it:
 *   fed     100 nodes, node k the rows k*1000 < rowid <= (k+1)*1000;
 *   pooled  one node with every row.
 * The same logistic regression (SGD, batch 32, 1 local epoch) trains for
 * ROUNDS rounds in each; validation only at the last round, so the other
 * rounds are distribution + local training + aggregation.  Printed: the
 * median round time (round_duration_seconds, rounds 1..ROUNDS-1) and the
 * median local_training phase of each, and their ratio.  HELIOS_THREADS
 * is whatever the environment says (the same for both runs): run it with
 * HELIOS_THREADS=1 too, since one pooled node can use one thread only.
 *
 * Usage: bench/speed [CATALOG]   (default /tmp/helios-bench-speed.db)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define NODES 100
#define ROWS_PER_NODE 1000
#define FEATURES 30
#define ROUNDS 6

/* Trains model m; prints and returns the median round time (rounds
 * without validation) and *train the median local_training phase. */
static double train(helios *h, const char *m, const char *ws, const char *feats, double *train_s)
{
    bench_execf(h, "CREATE FEDERATED MODEL %s IN WORKSPACE %s WITH (source = 'data', "
                   "features = [%s], target = 'y', algorithm = 'logistic_regression', "
                   "optimizer = 'sgd', learning_rate = 0.01, batch_size = 32, local_epochs = 1, "
                   "rounds = %d, validation_frequency = %d, seed = 3)",
                m, ws, feats, ROUNDS, ROUNDS);
    double t0 = bench_now();
    bench_execf(h, "START FEDERATED TRAINING %s", m);
    double t1 = bench_now();
    char *outcome = bench_textf(h, "SELECT wait_for_convergence('%s', timeout_seconds => 600)", m);
    double t2 = bench_now();
    int n, nt;
    char q[512];
    snprintf(q, sizeof q, "SELECT round_duration_seconds FROM federated_training_metrics('%s') "
                          "WHERE round_number < %d", m, ROUNDS);
    double *r = bench_column(h, q, &n);
    snprintf(q, sizeof q, "SELECT duration_seconds FROM federated_performance_metrics "
                          "WHERE model_name = '%s' AND phase = 'local_training' "
                          "AND round_number < %d", m, ROUNDS);
    double *t = bench_column(h, q, &nt);
    double med = bench_median(r, n);
    *train_s = bench_median(t, nt);
    double loss = bench_doublef(h, "SELECT global_loss FROM federated_training_metrics('%s') "
                                   "WHERE round_number = %d", m, ROUNDS);
    printf("  %-7s %s: median round %.2f ms (local training %.2f ms), max %.2f ms over rounds "
           "1..%d; START %.0f ms, rounds %.0f ms wall; loss at round %d %.4f\n",
           m, outcome ? outcome : "?", med * 1e3, *train_s * 1e3, bench_max(r, n) * 1e3,
           ROUNDS - 1, (t1 - t0) * 1e3, (t2 - t1) * 1e3, ROUNDS, loss);
    free(outcome);
    free(r);
    free(t);
    return med;
}

int main(int argc, char **argv)
{
    const char *catalog = argc > 1 ? argv[1] : "/tmp/helios-bench-speed.db";
    bench_print_machine();
    helios *h = bench_open_fresh(catalog);
    double t0 = bench_now();
    bench_synthetic_table(h, "data", (long)NODES * ROWS_PER_NODE, FEATURES, 2024);
    printf("data: %d rows x %d features, synthetic (made in %.1f s)\n", NODES * ROWS_PER_NODE,
           FEATURES, bench_now() - t0);
    bench_exec(h, "CREATE FEDERATED WORKSPACE fed WITH (min_nodes = 1)");
    bench_register_slices(h, "fed", NODES, ROWS_PER_NODE);
    bench_exec(h, "CREATE FEDERATED WORKSPACE pooled WITH (min_nodes = 1)");
    bench_exec(h, "REGISTER FEDERATED NODE 'all_rows' IN WORKSPACE pooled WITH (endpoint = 'local')");
    char *feats = bench_synthetic_features(FEATURES);

    printf("logistic regression, SGD, batch 32, 1 local epoch, %d rounds (validation at the "
           "last only)\n", ROUNDS);
    double tf, tp;
    double f = train(h, "fed", "fed", feats, &tf);
    double p = train(h, "pooled", "pooled", feats, &tp);
    /* and once more each, in the other order, to see the noise */
    double tf2, tp2;
    double p2 = train(h, "pooled2", "pooled", feats, &tp2);
    double f2 = train(h, "fed2", "fed", feats, &tf2);
    double fr = 0.5 * (f + f2), pr = 0.5 * (p + p2);
    printf("\nround, %d nodes x %d rows / one epoch pooled: %.2f ms / %.2f ms = %.2fx "
           "(target <= 1.5x: %s)\n", NODES, ROWS_PER_NODE, fr * 1e3, pr * 1e3, fr / pr,
           fr / pr <= 1.5 ? "met" : "MISSED");
    printf("local training phase only: %.2f ms / %.2f ms = %.2fx\n", 0.5 * (tf + tf2) * 1e3,
           0.5 * (tp + tp2) * 1e3, (tf + tf2) / (tp + tp2));
    printf("peak memory %.1f MiB\n", bench_peak_mib());
    free(feats);
    helios_close(h);
    return 0;
}
