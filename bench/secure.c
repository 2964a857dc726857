/*
 * secure.c - what secure aggregation costs a training round (issue 4,
 * point 10 and the target "a secure-aggregation round at 100 nodes costs
 * at most 3 x a plain round").
 *
 * For 10 and 100 nodes of 1,000 synthetic rows x 30 features (the
 * workload of bench/speed), the same logistic regression (SGD, batch 32,
 * 1 local epoch, ROUNDS rounds, validation at the last only) is trained
 * with and without secure_aggregation, twice each in alternating order.
 * Printed: the median round time over rounds 2..ROUNDS-1
 * (round_duration_seconds: local training, the protocol, aggregation),
 * round 1 apart (it includes the run's key setup), the ratio, and the
 * traffic per round (communication_mb).  The cost of dropouts inside the
 * protocol is measured by bench/secagg (nodes cannot be made to drop from
 * SQL).
 *
 * Usage: bench/secure [CATALOG]   (default /tmp/helios-bench-secure.db)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define ROWS_PER_NODE 1000
#define FEATURES 30
#define ROUNDS 12

typedef struct Result {
    double median, first, mb;
} Result;

static Result train(helios *h, const char *m, const char *ws, const char *feats, int secure)
{
    bench_execf(h, "CREATE FEDERATED MODEL %s IN WORKSPACE %s WITH (source = 'data', "
                   "features = [%s], target = 'y', algorithm = 'logistic_regression', "
                   "optimizer = 'sgd', learning_rate = 0.01, batch_size = 32, local_epochs = 1, "
                   "rounds = %d, validation_frequency = %d, seed = 3, "
                   "secure_aggregation = %s)",
                m, ws, feats, ROUNDS, ROUNDS, secure ? "true" : "false");
    bench_execf(h, "START FEDERATED TRAINING %s", m);
    char *outcome = bench_textf(h, "SELECT wait_for_convergence('%s', timeout_seconds => 600)", m);
    char q[512];
    int n;
    snprintf(q, sizeof q, "SELECT round_duration_seconds FROM federated_training_metrics('%s') "
                          "WHERE round_number BETWEEN 2 AND %d", m, ROUNDS - 1);
    double *r = bench_column(h, q, &n);
    Result res = {
        .median = bench_median(r, n),
        .first = bench_doublef(h, "SELECT round_duration_seconds FROM "
                                  "federated_training_metrics('%s') WHERE round_number = 1", m),
        .mb = bench_doublef(h, "SELECT communication_mb FROM federated_training_metrics('%s') "
                               "WHERE round_number = 2", m),
    };
    double loss = bench_doublef(h, "SELECT global_loss FROM federated_training_metrics('%s') "
                                   "WHERE round_number = %d", m, ROUNDS);
    printf("    %-10s %s: median round %.2f ms (rounds 2..%d), round 1 %.1f ms, %.3f MB a round, "
           "loss %.6f\n", m, outcome ? outcome : "?", res.median * 1e3, ROUNDS - 1,
           res.first * 1e3, res.mb, loss);
    free(outcome);
    free(r);
    return res;
}

int main(int argc, char **argv)
{
    const char *catalog = argc > 1 ? argv[1] : "/tmp/helios-bench-secure.db";
    static const int sizes[] = { 10, 100 };
    char *feats = bench_synthetic_features(FEATURES);
    bench_print_machine();
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int nodes = sizes[s];
        helios *h = bench_open_fresh(catalog);
        bench_synthetic_table(h, "data", (long)nodes * ROWS_PER_NODE, FEATURES, 2024);
        bench_exec(h, "CREATE FEDERATED WORKSPACE w WITH (min_nodes = 1)");
        bench_register_slices(h, "w", nodes, ROWS_PER_NODE);
        printf("\n%d nodes x %d rows x %d features, logistic regression, SGD, batch 32, "
               "1 local epoch, %d rounds:\n", nodes, ROWS_PER_NODE, FEATURES, ROUNDS);
        Result p1 = train(h, "plain1", "w", feats, 0);
        Result s1 = train(h, "secure1", "w", feats, 1);
        Result s2 = train(h, "secure2", "w", feats, 1);
        Result p2 = train(h, "plain2", "w", feats, 0);
        double pm = 0.5 * (p1.median + p2.median), sm = 0.5 * (s1.median + s2.median);
        printf("  secure / plain round: %.2f ms / %.2f ms = %.2fx%s; round 1 with the key "
               "setup: %.1f ms\n", sm * 1e3, pm * 1e3, sm / pm,
               nodes == 100 ? (sm / pm <= 3 ? " (target <= 3x: met)" : " (target <= 3x: MISSED)")
                            : "",
               0.5 * (s1.first + s2.first) * 1e3);
        helios_close(h);
    }
    printf("\npeak memory %.1f MiB\n", bench_peak_mib());
    free(feats);
    return 0;
}
