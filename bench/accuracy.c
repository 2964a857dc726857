/*
 * accuracy.c - federated against pooled training, on every dataset of
 * ../shared/data (issue 3, point 12 and "Targets": within 0.5 points of
 * pooled under IID, within 2 points under Dirichlet(0.5)).
 *
 * What a cell compares.  For a dataset, a model and a node layout, the
 * federated model and its pooled baseline are made by the SAME statement,
 *
 *   CREATE FEDERATED MODEL ... WITH (<options>, rounds = R, local_epochs = E, seed = s)
 *
 * in two workspaces: "pooled", one node holding every training row, and the
 * layout's workspace (REGISTER FEDERATED NODES N FROM TABLE train PARTITION
 * BY IID | DIRICHLET(target, 0.5) SEED p, N = 5 or 100).  So algorithm,
 * layers, activation, optimizer, learning rate, batch size, l2, seed and the
 * budget are identical; only the partition of the rows differs.
 *
 * How the budget is matched.  Every run, pooled or federated, makes R
 * rounds of E local epochs: each training row is visited R x E times in
 * every run (R x E passes over the data).  With one node, FedAvg of that
 * node's model is the model itself and the local optimizer is plain SGD
 * (no state to reset between rounds), so the pooled run is R x E epochs of
 * ordinary minibatch SGD.  One (R, E) per dataset and model serves all its
 * layouts, chosen to give the slowest layout (100 nodes, whose nodes of 5-60
 * rows take one or two steps an epoch, against the pooled run's n/32) as many
 * steps as the run time allows (RESULTS.md says where it still falls short);
 * the pooled run reaches its optimum early and stays at it, which the l2 penalty makes
 * a single, well-defined point for logistic regression and keeps from
 * drifting into overfitting for the network (its final training loss is
 * printed next to the federated one).  The engine's early_stopping_rounds
 * watches the training loss, not a held-out one, so it cannot stop
 * overfitting and is not used.
 *
 * Splits.  Each dataset is split S times (default 5) into stratified 80/20
 * train/test parts (bench_open_split, bench.h): the rows of each label, in file
 * order, shuffled by Fisher-Yates with splitmix64 seeded BENCH_SPLIT_SEED + k
 * (42 + k, k = 0..S-1), the first round(0.2 n_label) of them test rows.
 * Split k uses model seed BENCH_FIRST_SEED + k (7 + k) and partition seed
 * k + 1, so the mean over splits averages over the test rows, the
 * initialization and shuffling, and which rows land on which node.  The
 * difference federated - pooled is taken per split (paired: both models of
 * a split share their test rows and model seed) and reported as mean and
 * sample standard deviation over the splits.  A target is met when the
 * |mean difference| is within it.  Accuracy is federated_evaluate(m,
 * 'test'), checked against federated_predict over the test table where the
 * call fits (not digits' 64 features).
 *
 * Usage: bench/accuracy [-d DATASET] [-m lr|nn] [-s SPLITS]
 *                       [-r ROUNDS -e EPOCHS -o OPTIONS] [DATA_DIR [CATALOG_PREFIX]]
 *   -d  one dataset (breast_cancer, churn, digits); default all;
 *   -m  one model; default both;
 *   -s  number of splits (default 5, at most 32);
 *   -r, -e, -o  override the budget or the options of the selected model(s)
 *       (for exploring; the table in RESULTS.md uses the defaults);
 *   DATA_DIR defaults to ../shared/data; catalogs go to
 *   CATALOG_PREFIX-<dataset>-<split>.db (default /tmp/helios-bench-accuracy).
 * The five runs of a (split, model) are started together and run
 * concurrently (results do not depend on it: every random stream is seeded).
 * Figures only: it never fails because a target is missed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_SPLITS 32

/* A model's options (common to every layout) and budget. */
typedef struct Config {
    const char *options;
    int rounds, local_epochs;
} Config;

typedef struct Dataset {
    const char *name, *file;
    double ref_lr, ref_mlp;     /* data/README.md, scikit-learn 1.2.1, seed-42 split */
    Config cfg[2];              /* lr, nn */
} Dataset;

#define LR_OPTIONS(lr) "algorithm = 'logistic_regression', optimizer = 'sgd', " \
                   "learning_rate = " lr ", batch_size = 32, l2_regularization = 0.001, " \
                   "aggregation = 'fednova'"
#define NN_OPTIONS(lr, l2) "algorithm = 'neural_network', activation = 'relu', " \
                   "optimizer = 'sgd', learning_rate = " lr ", batch_size = 32, " \
                   "l2_regularization = " l2

static const Dataset datasets[] = {
    { "breast_cancer", "health_breast_cancer_wdbc.csv", 0.965, 0.965,
      { { LR_OPTIONS("0.1"), 200, 5 }, { NN_OPTIONS("0.1", "0.01"), 400, 5 } } },
    { "churn", "churn_telco.csv", 0.808, 0.750,
      { { LR_OPTIONS("0.01"), 200, 5 }, { NN_OPTIONS("0.05", "0.01"), 150, 4 } } },
    { "digits", "image_digits_8x8.csv", 0.972, 0.967,
      { { LR_OPTIONS("0.1"), 200, 20 }, { NN_OPTIONS("0.05", "0.0001"), 800, 5 } } },
};

static const char *const model_names[2] = { "lr", "nn" };

/* How a run's nodes hold the training rows. */
typedef struct Layout {
    const char *name;           /* workspace name */
    int nodes;                  /* 1: pooled */
    int dirichlet;
} Layout;

static const Layout layouts[] = {
    { "pooled", 1, 0 },
    { "iid5", 5, 0 },
    { "dir5", 5, 1 },
    { "iid100", 100, 0 },
    { "dir100", 100, 1 },
};
#define NLAYOUT ((int)(sizeof layouts / sizeof *layouts))

/* Test accuracy by federated_evaluate(m, 'test'); cross-checked against
 * federated_predict row by row where the call fits SQLite's limit of 127
 * function arguments (63 features: not digits' 64). */
static double test_accuracy(helios *h, const BenchCsv *csv, const char *model, int nclass)
{
    double acc = bench_test_accuracy(h, model);
    if (2 * (csv->ncols - 1) + 1 <= 127) {
        char *call = bench_predict_call(csv, model);
        double acc2 = nclass == 2
            ? bench_doublef(h, "SELECT avg((%s > 0.5) = target) FROM test", call)
            : bench_doublef(h, "SELECT avg(CAST(%s AS INTEGER) = target) FROM test", call);
        if (fabs(acc - acc2) > 1e-12)
            printf("    (!) %s: federated_evaluate says %.4f, federated_predict %.4f\n", model,
                   acc, acc2);
        free(call);
    }
    return acc;
}

static void make_workspaces(helios *h, int pseed)
{
    for (int l = 0; l < NLAYOUT; l++) {
        const Layout *L = &layouts[l];
        bench_execf(h, "CREATE FEDERATED WORKSPACE %s WITH (min_nodes = 1)", L->name);
        if (L->nodes == 1)
            bench_execf(h, "REGISTER FEDERATED NODE 'all_rows' IN WORKSPACE %s "
                           "WITH (endpoint = 'local')", L->name);
        else
            bench_execf(h, "REGISTER FEDERATED NODES %d IN WORKSPACE %s FROM TABLE train "
                           "PARTITION BY %s SEED %d", L->nodes, L->name,
                        L->dirichlet ? "DIRICHLET(target, 0.5)" : "IID", pseed);
    }
}

/* Rows per node at round 1 of a model: min and max. */
static void node_rows(helios *h, const char *model, double *mn, double *mx)
{
    static const char *q = "SELECT %s(rows) FROM hl_round_node n JOIN hl_round r "
                           "ON r.id = n.round_id JOIN hl_model m ON m.id = r.model_id "
                           "WHERE m.name = '%s' AND r.round_number = 1";
    *mn = bench_doublef(h, q, "min", model);
    *mx = bench_doublef(h, q, "max", model);
}

/* Results of one dataset and model, kept for the summary. */
typedef struct Cell {
    double acc[NLAYOUT][MAX_SPLITS];
    double loss[NLAYOUT][MAX_SPLITS];
    double rows_min[NLAYOUT], rows_max[NLAYOUT];
    double secs;
    int done;
} Cell;

typedef struct Options {
    const char *only_dataset, *only_model, *options;
    int splits, rounds, epochs;
} Options;

static int summary_met, summary_cells;

static void run_dataset(const char *dir, const char *prefix, const Dataset *D, const Options *o)
{
    char path[4096];
    BenchCsv csv;
    int nclass = bench_dataset_read(dir, D->file, &csv);
    Cell *cells = calloc(2, sizeof *cells);
    char *feats = bench_csv_features(&csv);

    Config cfg[2];
    for (int mi = 0; mi < 2; mi++) {
        cfg[mi] = D->cfg[mi];
        if (o->only_model && strcmp(o->only_model, model_names[mi]) != 0)
            continue;
        if (o->rounds > 0)
            cfg[mi].rounds = o->rounds;
        if (o->epochs > 0)
            cfg[mi].local_epochs = o->epochs;
        if (o->options)
            cfg[mi].options = o->options;
    }

    for (int k = 0; k < o->splits; k++) {
        int ntr, nte;
        snprintf(path, sizeof path, "%s-%s-%d.db", prefix, D->name, k);
        helios *h = bench_open_split(path, &csv, k, &ntr, &nte);
        if (k == 0)
            printf("\n== %s: %d rows, %d features, %d labels; %d splits of %d train / %d test "
                   "rows (%d test rows in all; 1 test row = %.2f points)\n", D->name, csv.nrows,
                   csv.ncols - 1, nclass, o->splits, ntr, nte, o->splits * nte, 100.0 / nte);
        make_workspaces(h, k + 1);

        for (int mi = 0; mi < 2; mi++) {
            if (o->only_model && strcmp(o->only_model, model_names[mi]) != 0)
                continue;
            const Config *C = &cfg[mi];
            Cell *c = &cells[mi];
            char layers[64] = "", model[64];
            if (mi == 1)
                snprintf(layers, sizeof layers, ", layers = '[64, 32, %d]'",
                         nclass == 2 ? 1 : nclass);
            double t0 = bench_now();
            /* the five runs of this split and model, concurrently */
            for (int l = 0; l < NLAYOUT; l++) {
                snprintf(model, sizeof model, "%s_%s", model_names[mi], layouts[l].name);
                bench_split_model(h, model, layouts[l].name, feats, C->rounds, C->local_epochs,
                                  BENCH_FIRST_SEED + k, C->options, layers);
                bench_execf(h, "START FEDERATED TRAINING %s", model);
            }
            for (int l = 0; l < NLAYOUT; l++) {
                snprintf(model, sizeof model, "%s_%s", model_names[mi], layouts[l].name);
                bench_split_wait(h, model, k);
            }
            c->secs += bench_now() - t0;
            for (int l = 0; l < NLAYOUT; l++) {
                snprintf(model, sizeof model, "%s_%s", model_names[mi], layouts[l].name);
                c->acc[l][k] = test_accuracy(h, &csv, model, nclass);
                c->loss[l][k] = bench_doublef(h, "SELECT global_loss FROM "
                                                 "federated_training_metrics('%s') "
                                                 "ORDER BY round_number DESC LIMIT 1", model);
                double mn, mx;
                node_rows(h, model, &mn, &mx);
                if (k == 0 || mn < c->rows_min[l])
                    c->rows_min[l] = mn;
                if (k == 0 || mx > c->rows_max[l])
                    c->rows_max[l] = mx;
            }
            c->done = k + 1;
            printf("  split %d %s:", k, model_names[mi]);
            for (int l = 0; l < NLAYOUT; l++)
                printf(" %s %.4f", layouts[l].name, c->acc[l][k]);
            printf("  (%.1f s)\n", bench_now() - t0);
            fflush(stdout);
        }
        bench_close_split(h, path);
    }

    for (int mi = 0; mi < 2; mi++) {
        const Cell *c = &cells[mi];
        if (!c->done)
            continue;
        const Config *C = &cfg[mi];
        int s = c->done;
        printf("  -- %s: %s%s; rounds = %d, local_epochs = %d (%d passes over the data, "
               "every run); %.0f s for %d splits\n", model_names[mi], C->options,
               mi == 1 ? (nclass == 2 ? ", layers = '[64, 32, 1]'" : ", layers = '[64, 32, 10]'")
                       : "", C->rounds, C->local_epochs, C->rounds * C->local_epochs, c->secs, s);
        double pm, psd, plm, plsd;
        bench_mean_sd(c->acc[0], s, &pm, &psd);
        bench_mean_sd(c->loss[0], s, &plm, &plsd);
        printf("    %-7s accuracy %.4f sd %.4f  train loss %.4f  (scikit-learn, seed-42 split: "
               "%.3f)\n", "pooled", pm, psd, plm, mi ? D->ref_mlp : D->ref_lr);
        for (int l = 1; l < NLAYOUT; l++) {
            const Layout *L = &layouts[l];
            double d[MAX_SPLITS], fm, fsd, dm, dsd, lm, lsd;
            for (int k = 0; k < s; k++)
                d[k] = 100 * (c->acc[l][k] - c->acc[0][k]);
            bench_mean_sd(c->acc[l], s, &fm, &fsd);
            bench_mean_sd(d, s, &dm, &dsd);
            bench_mean_sd(c->loss[l], s, &lm, &lsd);
            double target = L->dirichlet ? 2.0 : 0.5;
            int met = fabs(dm) <= target;
            summary_cells++;
            summary_met += met;
            printf("    %-7s accuracy %.4f sd %.4f  train loss %.4f  difference %+.2f sd %.2f "
                   "(se %.2f) pts, target %.1f: %-6s  rows/node %g..%g  diffs",
                   L->name, fm, fsd, lm, dm, dsd, dsd / sqrt(s), target, met ? "met" : "MISSED",
                   c->rows_min[l], c->rows_max[l]);
            for (int k = 0; k < s; k++)
                printf(" %+.2f", d[k]);
            printf("\n");
        }
    }
    fflush(stdout);
    free(cells);
    free(feats);
    bench_csv_free(&csv);
}

static void usage(void)
{
    fprintf(stderr, "usage: accuracy [-d dataset] [-m lr|nn] [-s splits] [-r rounds] "
                    "[-e local_epochs] [-o options] [data_dir [catalog_prefix]]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    Options o = { .splits = 5 };
    int c;
    while ((c = getopt(argc, argv, "d:m:s:r:e:o:")) != -1) {
        switch (c) {
        case 'd': o.only_dataset = optarg; break;
        case 'm': o.only_model = optarg; break;
        case 's': o.splits = atoi(optarg); break;
        case 'r': o.rounds = atoi(optarg); break;
        case 'e': o.epochs = atoi(optarg); break;
        case 'o': o.options = optarg; break;
        default: usage();
        }
    }
    if (o.splits < 1 || o.splits > MAX_SPLITS
        || (o.only_model && strcmp(o.only_model, "lr") != 0 && strcmp(o.only_model, "nn") != 0))
        usage();
    const char *dir = optind < argc ? argv[optind] : "../shared/data";
    const char *prefix = optind + 1 < argc ? argv[optind + 1] : "/tmp/helios-bench-accuracy";
    int found = 0;
    bench_print_machine();
    printf("%d stratified 80/20 splits (split k: splitmix64 seed %d + k, model seed %d + k, "
           "partition seed k + 1); per cell: mean and sd over splits, difference = federated - "
           "pooled per split, in points\n", o.splits, BENCH_SPLIT_SEED, BENCH_FIRST_SEED);
    double t0 = bench_now();
    for (size_t d = 0; d < sizeof datasets / sizeof *datasets; d++) {
        if (o.only_dataset && strcmp(o.only_dataset, datasets[d].name) != 0)
            continue;
        found = 1;
        run_dataset(dir, prefix, &datasets[d], &o);
    }
    if (!found)
        usage();
    printf("\n%d of %d cells met their target; peak memory %.1f MiB, %.1f s in all\n",
           summary_met, summary_cells, bench_peak_mib(), bench_now() - t0);
    return 0;
}
