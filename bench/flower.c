/*
 * flower.c - the Flower workload of ../shared/data/flower_workload/, run by
 * helios as it is, side by side with Flower's published figures (issue 3,
 * "Targets"; data/README.md).
 *
 *   train.csv, test.csv  455 / 114 breast-cancer rows, already standardized
 *                        with the train statistics, `target` last
 *   shards_100.txt       node k's contiguous half-open row range [a, b) of
 *                        train.csv (0-based data rows)
 *
 * train.csv is inserted in file order into a fresh table, so data row i
 * (0-based) has rowid i + 1 and the range [a, b) is the data_filter
 * `rowid > a AND rowid <= b`.  Logistic regression from zero weights
 * (src/ml/logistic.c), plain SGD on the mean binary cross-entropy, 5 local
 * epochs, batch 32, learning rate 0.1, FedAvg weighted by rows, 20 rounds,
 * every node every round, no validation rows.
 *
 * Printed: the round times helios records (federated_training_metrics'
 * round_duration_seconds: local training + aggregation + evaluation of the
 * new global model at every node), the wall time from START to the end of
 * wait_for_convergence (which adds committing every round to the catalog),
 * the process's peak memory (ru_maxrss), the final test loss (mean binary
 * cross-entropy of federated_predict on test.csv, computed in SQL), and how
 * far helios' federated standardization is from the identity on this data.
 *
 * Usage: bench/flower [DATA_DIR [CATALOG]]
 *   DATA_DIR defaults to ../shared/data/flower_workload (run from the top
 *   of the source tree); CATALOG to /tmp/helios-bench-flower.db.
 * Figures only: it never fails because a target is missed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define FLOWER_MEDIAN_ROUND 0.755   /* s, 100 clients as threads, one process */
#define FLOWER_PEAK_MIB 311.0
#define FLOWER_LOSS 0.09451
#define TARGET_ROUND 0.005
#define TARGET_MIB 50.0
#define TARGET_LOSS_DELTA 0.005

/* Reads "a b" lines; returns the number of shards. */
static int read_shards(const char *path, int **from, int **to)
{
    FILE *f = fopen(path, "r");
    int n = 0, cap = 0, a, b;
    if (!f) {
        fprintf(stderr, "flower: cannot open %s\n", path);
        exit(1);
    }
    *from = *to = NULL;
    while (fscanf(f, "%d %d", &a, &b) == 2) {
        if (n == cap) {
            cap = cap ? 2 * cap : 128;
            *from = realloc(*from, (size_t)cap * sizeof **from);
            *to = realloc(*to, (size_t)cap * sizeof **to);
        }
        (*from)[n] = a;
        (*to)[n] = b;
        n++;
    }
    fclose(f);
    return n;
}


/* How far the encoding helios agreed on is from the identity: the largest
 * |mean| and |sd - 1| of the plan stored with the run. */
static void print_standardization(helios *h, int nfeat)
{
    double mmax = 0, smax = 0;
    for (int j = 0; j < nfeat; j++) {
        double m = bench_doublef(h, "SELECT json_extract(plan, '$.mean[%d]') FROM hl_run "
                                    "ORDER BY id DESC LIMIT 1", j);
        double s = bench_doublef(h, "SELECT json_extract(plan, '$.sd[%d]') FROM hl_run "
                                    "ORDER BY id DESC LIMIT 1", j);
        if (fabs(m) > mmax)
            mmax = fabs(m);
        if (fabs(s - 1) > smax)
            smax = fabs(s - 1);
    }
    printf("standardization agreed across nodes: max |mean| = %.3g, max |sd - 1| = %.3g "
           "over %d features\n", mmax, smax, nfeat);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/data/flower_workload";
    const char *catalog = argc > 2 ? argv[2] : "/tmp/helios-bench-flower.db";
    char path[4096];
    BenchCsv train, test;
    int *from, *to;

    bench_print_machine();
    snprintf(path, sizeof path, "%s/train.csv", dir);
    bench_csv_read(path, &train);
    snprintf(path, sizeof path, "%s/test.csv", dir);
    bench_csv_read(path, &test);
    snprintf(path, sizeof path, "%s/shards_100.txt", dir);
    int nshards = read_shards(path, &from, &to);

    /* The shards must tile train.csv: contiguous, in order, 455 rows. */
    int covered = 0;
    for (int k = 0; k < nshards; k++) {
        if (from[k] != covered || to[k] <= from[k]) {
            fprintf(stderr, "flower: shard %d is [%d, %d), expected to start at %d\n", k,
                    from[k], to[k], covered);
            return 1;
        }
        covered = to[k];
    }
    printf("data: train %d rows x %d features, test %d rows; %d shards covering %d rows%s\n",
           train.nrows, train.ncols - 1, test.nrows, nshards, covered,
           covered == train.nrows ? "" : " (MISMATCH)");
    if (covered != train.nrows)
        return 1;

    helios *h = bench_open_fresh(catalog);
    bench_csv_to_table(h, &train, "train", NULL, 0);
    bench_csv_to_table(h, &test, "test", NULL, 0);
    bench_exec(h, "CREATE FEDERATED WORKSPACE flower WITH (min_nodes = 100)");
    for (int k = 0; k < nshards; k++)
        bench_execf(h, "REGISTER FEDERATED NODE 'client_%03d' WITH (endpoint = 'local', "
                       "data_filter = 'rowid > %d AND rowid <= %d')", k, from[k], to[k]);

    char *feats = bench_csv_features(&train);
    const char *settings =
        "algorithm = 'logistic_regression', rounds = 20, local_epochs = 5, batch_size = 32, "
        "learning_rate = 0.1, optimizer = 'sgd', aggregation = 'fedavg', "
        "weighted_aggregation = true, validation_split = 0, seed = 42";
    printf("model: %s\n", settings);
    bench_execf(h, "CREATE FEDERATED MODEL lr WITH (source = 'train', features = [%s], "
                   "target = 'target', %s)", feats, settings);

    double rss_before = bench_peak_mib();
    double t0 = bench_now();
    bench_exec(h, "START FEDERATED TRAINING lr");
    double t_started = bench_now();
    char *outcome = bench_textf(h, "SELECT wait_for_convergence('lr', timeout_seconds => 600)");
    double t_end = bench_now();
    double rss_after = bench_peak_mib();
    printf("outcome: %s\n", outcome ? outcome : "(null)");

    /* rows each node trained on, as the catalog saw them */
    double rows_min = bench_double(h, "SELECT min(dataset_size) FROM federated_node_status");
    double rows_max = bench_double(h, "SELECT max(dataset_size) FROM federated_node_status");
    double rows_sum = bench_double(h, "SELECT sum(dataset_size) FROM federated_node_status");
    printf("nodes: %d, rows per node %g..%g, total %g\n", nshards, rows_min, rows_max, rows_sum);
    print_standardization(h, train.ncols - 1);

    int nr;
    double *dur = bench_column(h, "SELECT round_duration_seconds FROM "
                                  "federated_training_metrics('lr') ORDER BY round_number", &nr);
    double sum = 0;
    for (int i = 0; i < nr; i++)
        sum += dur[i];
    double med = bench_median(dur, nr), mx = bench_max(dur, nr);
    printf("\nrounds: %d\n", nr);
    printf("round time (round_duration_seconds): median %.3f ms, max %.3f ms, sum %.1f ms\n",
           med * 1e3, mx * 1e3, sum * 1e3);
    const char *phases[] = { "local_training", "aggregation", "evaluation" };
    for (size_t i = 0; i < sizeof phases / sizeof *phases; i++) {
        int np;
        char q[256];
        snprintf(q, sizeof q, "SELECT duration_seconds FROM federated_performance_metrics "
                              "WHERE model_name = 'lr' AND phase = '%s'", phases[i]);
        double *v = bench_column(h, q, &np);
        double pm = bench_median(v, np);
        printf("  phase %-15s median %.3f ms\n", phases[i], pm * 1e3);
        free(v);
    }
    printf("wall time: START %.1f ms (nodes read, count and encode their rows), then rounds "
           "until wait_for_convergence returned %.1f ms = %.3f ms per round (with the catalog "
           "commits)\n", (t_started - t0) * 1e3, (t_end - t_started) * 1e3,
           (t_end - t_started) * 1e3 / (nr ? nr : 1));

    char *call = bench_predict_call(&test, "lr");
    double loss = bench_doublef(h, "SELECT -avg(target * ln(p) + (1 - target) * ln(1 - p)) "
                                   "FROM (SELECT target, %s AS p FROM test)", call);
    double acc = bench_doublef(h, "SELECT avg((%s > 0.5) = target) FROM test", call);
    double train_loss = bench_double(h, "SELECT global_loss FROM federated_training_metrics('lr') "
                                        "ORDER BY round_number DESC LIMIT 1");
    printf("final test loss (mean BCE over %d test rows): %.6f; test accuracy %.4f\n", test.nrows,
           loss, acc);
    printf("global training loss of round 20 (before its local steps, weighted by rows): %.5f\n",
           train_loss);
    double peak = bench_peak_mib();
    printf("peak memory (ru_maxrss of this process): %.1f MiB (%.1f before START, %.1f after "
           "training)\n", peak, rss_before, rss_after);

    printf("\n%-28s %12s %12s %12s\n", "", "helios", "Flower", "target");
    printf("%-28s %9.3f ms %9.0f ms %9s ms -> %s\n", "median round", med * 1e3,
           FLOWER_MEDIAN_ROUND * 1e3, "< 5", med < TARGET_ROUND ? "met" : "MISSED");
    printf("%-28s %8.1f MiB %8.0f MiB %8s MiB -> %s\n", "peak memory", peak, FLOWER_PEAK_MIB,
           "< 50", peak < TARGET_MIB ? "met" : "MISSED");
    printf("%-28s %12.5f %12.5f %12s -> %s (|diff| %.5f)\n", "final test loss", loss,
           FLOWER_LOSS, "+-0.005", fabs(loss - FLOWER_LOSS) <= TARGET_LOSS_DELTA ? "met" : "MISSED",
           fabs(loss - FLOWER_LOSS));
    printf("speed-up over Flower (median round): %.0fx\n", FLOWER_MEDIAN_ROUND / med);

    free(call);
    free(dur);
    free(feats);
    free(outcome);
    free(from);
    free(to);
    helios_close(h);
    bench_csv_free(&train);
    bench_csv_free(&test);
    return 0;
}
