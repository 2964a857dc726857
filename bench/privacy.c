/*
 * privacy.c - accuracy under differential privacy against the same model
 * trained without it (issue 4, point 10 and "Targets": at epsilon = 1,
 * delta = 1e-5, record level, logistic regression on the largest shared
 * binary dataset, churn, within 3 points of its non-private accuracy).
 *
 * What a cell compares.  For a dataset, a model, a level and an epsilon,
 * the private model and its non-private baseline are made by the SAME
 * statement,
 *
 *   CREATE FEDERATED MODEL ... WITH (<options>, rounds = R, local_epochs = E, seed = s)
 *
 * in two workspaces with the same nodes (REGISTER FEDERATED NODES N FROM
 * TABLE train PARTITION BY IID SEED p): one without privacy_budget, one
 * with
 *
 *   privacy_budget = eps, delta = 1e-5, dp_level = 'record' | 'node',
 *   clipping_threshold = C
 *
 * and noise_multiplier left unset, so that helios calibrates the smallest
 * one that lets the R rounds fit in eps (START's notice; read back from
 * federated_privacy_history).  A workspace's budget is shared by all its
 * models and cannot be lowered, so every (epsilon, level, model) of a split
 * gets a workspace of its own; the catalog of a split is fresh.
 *
 * Levels.  'record' (DP-SGD at every node: Poisson sampling at q =
 * batch_size / rows, per-row clipping to C, Gaussian noise z C on each
 * step's sum) runs on 5 IID nodes.  'node' (DP-FedAvg: each node's update
 * clipped to C, noise z C on the sum of the updates, divided by the number
 * of nodes) runs on 100 IID nodes: the noise on the mean update is z C / N
 * and z does not shrink with N, so node-level DP is only useful with many
 * nodes.  Each level has its own options (tuned for DP, see RESULTS.md);
 * its baseline uses the same ones.
 *
 * Splits and repeats.  As bench/accuracy.c: split k (k = 0..S-1) is a
 * stratified 80/20 train/test split by Fisher-Yates with splitmix64 seeded
 * 42 + k, model seed 7 + k, partition seed k + 1.  The noise of DP is drawn
 * from a secret seed (RAND_bytes, at every node and at the coordinator), so
 * a private run cannot be replayed: each (split, epsilon) is trained n times
 * (default 2), in n workspaces, and the split's accuracy is their mean (the
 * sd between them, "run to run", is printed as well).  The difference
 * private - non-private is taken per split (paired: same test rows, nodes
 * and model seed) and reported as mean and sample sd over the splits.
 * Accuracy is federated_evaluate(m, 'test').  For each private run the
 * bench reads the calibrated noise multiplier (federated_privacy_history),
 * the sampling rate and steps of a round (hl_privacy_ledger), and the
 * epsilon the workspace's ledger says was consumed
 * (federated_privacy_budget), and checks it is <= the budget.
 *
 * Usage: bench/privacy [-d DATASET] [-m lr|nn] [-s SPLITS] [-n REPEATS]
 *                      [-e EPS,EPS,...] [-l record|node]
 *                      [-r ROUNDS -E EPOCHS -c CLIP -o OPTIONS]
 *                      [DATA_DIR [CATALOG_PREFIX]]
 *   -d  one dataset (breast_cancer, churn, digits); default all three;
 *   -m  one model; default logistic regression on every dataset and the
 *       network on the binary ones (-m nn -d digits runs the digits
 *       network, barely tuned);
 *   -s  number of splits (default 5, at most 32);
 *   -n  private runs per split and epsilon (default 2, at most 8);
 *   -e  epsilons, comma-separated (default 0.5,1,2,8);
 *   -l  one level (default both);
 *   -r, -E, -c, -o  override rounds, local epochs, clipping threshold or
 *       the model options of the selected model(s) and level(s), for
 *       exploring (the table in RESULTS.md uses the defaults);
 *   DATA_DIR defaults to ../shared/data; catalogs go to
 *   CATALOG_PREFIX-<dataset>-<split>.db (default /tmp/helios-bench-privacy).
 * The runs of a (split, model, level) are started together and run
 * concurrently.  Figures only: it never fails because a target is missed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_SPLITS 32
#define MAX_EPS 16
#define MAX_REPEATS 8
#define DELTA 1e-5

/* A level's model options and budget. */
typedef struct Config {
    const char *options;        /* algorithm, optimizer, learning rate, batch, l2 */
    int rounds, local_epochs;
    double clip;                /* clipping_threshold */
} Config;

enum { REC, NODE, NLEVEL };
static const char *const level_names[NLEVEL] = { "record", "node" };
static const int level_nodes[NLEVEL] = { 5, 100 };

typedef struct Dataset {
    const char *name, *file;
    int nn_by_default;          /* logistic regression always runs by default */
    Config cfg[2][NLEVEL];      /* [lr, nn][record, node] */
} Dataset;

#define LR(lr, bs) "algorithm = 'logistic_regression', optimizer = 'sgd', " \
                   "learning_rate = " lr ", batch_size = " bs ", l2_regularization = 0.001"
#define NN(lr, bs, l2) "algorithm = 'neural_network', activation = 'relu', optimizer = 'sgd', " \
                   "learning_rate = " lr ", batch_size = " bs ", l2_regularization = " l2

static const Dataset datasets[] = {
    { "breast_cancer", "health_breast_cancer_wdbc.csv", 1,
      { { { LR("0.5", "64"), 5, 2, 1.0 }, { LR("0.5", "32"), 10, 5, 0.5 } },
        { { NN("0.5", "64", "0.001"), 5, 2, 1.0 }, { NN("0.5", "32", "0.001"), 10, 5, 0.3 } } } },
    { "churn", "churn_telco.csv", 1,
      { { { LR("0.5", "256"), 10, 2, 1.0 }, { LR("0.5", "32"), 10, 5, 0.5 } },
        { { NN("1.0", "256", "0.001"), 10, 2, 1.0 }, { NN("0.1", "32", "0.001"), 10, 5, 0.3 } } } },
    /* the network on digits is not in the default run: barely tuned, see RESULTS.md */
    { "digits", "image_digits_8x8.csv", 0,
      { { { LR("1.0", "128"), 10, 2, 1.0 }, { LR("0.5", "32"), 10, 5, 0.5 } },
        { { NN("1.0", "288", "0.0001"), 10, 2, 1.0 }, { NN("0.2", "32", "0.0001"), 10, 5, 0.5 } } } },
};
#define NDATASET ((int)(sizeof datasets / sizeof *datasets))

static const char *const model_names[2] = { "lr", "nn" };

typedef struct Options {
    const char *only_dataset, *options;
    int model, level;           /* -1: the default models, both levels */
    int splits, repeats, rounds, epochs;
    double clip;
    double eps[MAX_EPS];
    int neps;
} Options;

/* Results of one dataset, model and level.  base[k]: the non-private run of
 * split k; acc[i][k][j]: repeat j of the private run at eps[i]. */
typedef struct Cell {
    double base[MAX_SPLITS];
    double acc[MAX_EPS][MAX_SPLITS][MAX_REPEATS];
    double sigma[MAX_EPS][MAX_SPLITS], spent[MAX_EPS][MAX_SPLITS];
    double q[MAX_EPS], steps[MAX_EPS];     /* per round, of the node that samples most */
    double secs;
    int done;
} Cell;

static int target_state = -1;   /* churn lr record eps 1: -1 not run, 0 missed, 1 met */
static double target_diff, target_sd, target_base, target_acc;
static int overspent, runs;

static const Config *config_of(const Dataset *D, const Options *o, int mi, int l, Config *buf)
{
    *buf = D->cfg[mi][l];
    if (o->rounds > 0)
        buf->rounds = o->rounds;
    if (o->epochs > 0)
        buf->local_epochs = o->epochs;
    if (o->clip > 0)
        buf->clip = o->clip;
    if (o->options)
        buf->options = o->options;
    return buf;
}

/* Workspace r of a (level, model) in a split: 0 without privacy, 1 + i *
 * repeats + j for repeat j at eps[i]; its model is m_<workspace>. */
static void ws_name(char *buf, size_t n, int l, int mi, int r)
{
    snprintf(buf, n, "%s_%s_%d", level_names[l], model_names[mi], r);
}

static void run_level(helios *h, const char *feats, const char *layers,
                      const Config *C, int l, int mi, int k, const Options *o, Cell *c)
{
    char model[80], ws[64];
    const int nws = 1 + o->neps * o->repeats;
    double t0 = bench_now();
    for (int r = 0; r < nws; r++) {
        ws_name(ws, sizeof ws, l, mi, r);
        double eps = r ? o->eps[(r - 1) / o->repeats] : 0;
        if (r == 0)
            bench_execf(h, "CREATE FEDERATED WORKSPACE %s WITH (min_nodes = 1)", ws);
        else
            bench_execf(h, "CREATE FEDERATED WORKSPACE %s WITH (min_nodes = 1, "
                           "privacy_budget = %.17g, delta = %g, dp_level = '%s', "
                           "clipping_threshold = %.17g)", ws, eps, DELTA, level_names[l],
                        C->clip);
        bench_execf(h, "REGISTER FEDERATED NODES %d IN WORKSPACE %s FROM TABLE train "
                       "PARTITION BY IID SEED %d", level_nodes[l], ws, k + 1);
        snprintf(model, sizeof model, "m_%s", ws);
        bench_split_model(h, model, ws, feats, C->rounds, C->local_epochs, BENCH_FIRST_SEED + k,
                          C->options, layers);
        char *note = bench_start(h, model);
        if (k == 0 && note && r > 0 && (r - 1) % o->repeats == 0)
            printf("    START %s: %s\n", model, note);
        free(note);
    }
    for (int r = 0; r < nws; r++) {
        ws_name(ws, sizeof ws, l, mi, r);
        snprintf(model, sizeof model, "m_%s", ws);
        bench_split_wait(h, model, k);
    }
    c->secs += bench_now() - t0;
    for (int r = 0; r < nws; r++) {
        ws_name(ws, sizeof ws, l, mi, r);
        snprintf(model, sizeof model, "m_%s", ws);
        double acc = bench_test_accuracy(h, model);
        if (r == 0) {
            c->base[k] = acc;
            continue;
        }
        int i = (r - 1) / o->repeats, j = (r - 1) % o->repeats;
        c->acc[i][k][j] = acc;
        runs++;
        double sigma = bench_doublef(h, "SELECT noise_multiplier FROM federated_privacy_history "
                                        "WHERE model_name = '%s' ORDER BY round_number DESC "
                                        "LIMIT 1", model);
        int nrounds = (int)bench_doublef(h, "SELECT count(*) FROM federated_privacy_history "
                                            "WHERE model_name = '%s'", model);
        double spent = bench_doublef(h, "SELECT consumed_epsilon FROM "
                                        "federated_privacy_budget('%s')", ws);
        double last = bench_doublef(h, "SELECT max(cumulative_epsilon) FROM "
                                       "federated_privacy_history WHERE workspace_name = '%s'",
                                    ws);
        /* every repeat of a split has the same nodes, so the same calibration */
        c->sigma[i][k] = sigma;
        if (j == 0 || spent > c->spent[i][k])
            c->spent[i][k] = spent;
        c->q[i] = bench_doublef(h, "SELECT sample_rate FROM hl_privacy_ledger WHERE "
                                   "model_name = '%s' ORDER BY round_number DESC LIMIT 1", model);
        c->steps[i] = bench_doublef(h, "SELECT steps FROM hl_privacy_ledger WHERE "
                                       "model_name = '%s' ORDER BY round_number DESC LIMIT 1",
                                    model);
        if (!(spent <= o->eps[i]) || fabs(spent - last) > 1e-9 * o->eps[i]) {
            overspent++;
            printf("    (!) split %d, %s: consumed epsilon %.6g (history says %.6g), "
                   "budget %g\n", k, model, spent, last, o->eps[i]);
        }
        if (nrounds != C->rounds)
            printf("    (!) split %d, %s: %d rounds in the ledger, %d planned\n", k, model,
                   nrounds, C->rounds);
    }
    c->done = k + 1;
    printf("  split %d %s %s: no DP %.4f", k, model_names[mi], level_names[l], c->base[k]);
    for (int i = 0; i < o->neps; i++) {
        printf(" | eps %g:", o->eps[i]);
        for (int j = 0; j < o->repeats; j++)
            printf(" %.4f", c->acc[i][k][j]);
        printf(" (z %.3f)", c->sigma[i][k]);
    }
    printf("  (%.1f s)\n", bench_now() - t0);
    fflush(stdout);
}

static void report(const Dataset *D, const Options *o, int mi, int l, const char *layers,
                   const Cell *c)
{
    Config buf;
    const Config *C = config_of(D, o, mi, l, &buf);
    const int s = c->done, nr = o->repeats;
    double bm, bsd;
    bench_mean_sd(c->base, s, &bm, &bsd);
    printf("  -- %s, %s level, %d IID nodes: %s%s; rounds = %d, local_epochs = %d, "
           "clipping_threshold = %g, delta = %g; %.0f s for %d splits\n", model_names[mi],
           level_names[l], level_nodes[l], C->options, layers, C->rounds, C->local_epochs,
           C->clip, DELTA, c->secs, s);
    printf("    %-8s accuracy %.4f sd %.4f\n", "no DP", bm, bsd);
    for (int i = 0; i < o->neps; i++) {
        double a[MAX_SPLITS], d[MAX_SPLITS], am, asd, dm, dsd, zm, zsd, emax = 0, within = 0;
        for (int k = 0; k < s; k++) {
            double m, sd;
            bench_mean_sd(c->acc[i][k], nr, &m, &sd);
            a[k] = m;
            within += sd * sd / s;
            d[k] = 100 * (a[k] - c->base[k]);
            if (c->spent[i][k] > emax)
                emax = c->spent[i][k];
        }
        bench_mean_sd(a, s, &am, &asd);
        bench_mean_sd(d, s, &dm, &dsd);
        bench_mean_sd(c->sigma[i], s, &zm, &zsd);
        printf("    eps %-4g accuracy %.4f sd %.4f (run to run %.4f)  difference %+.2f sd %.2f "
               "pts  noise_multiplier %.4f (sd %.4f; q %.3g, %g steps a round)  "
               "epsilon consumed <= %.9g  diffs", o->eps[i], am, asd, nr > 1 ? sqrt(within) : NAN,
               dm, dsd, zm, zsd, c->q[i], c->steps[i], emax);
        for (int k = 0; k < s; k++)
            printf(" %+.2f", d[k]);
        printf("\n");
        if (l == REC && mi == 0 && strcmp(D->name, "churn") == 0 && o->eps[i] == 1.0) {
            target_state = dm >= -3.0;
            target_diff = dm;
            target_sd = dsd;
            target_base = bm;
            target_acc = am;
        }
    }
}

static void run_dataset(const char *dir, const char *prefix, const Dataset *D, const Options *o)
{
    char path[4096];
    BenchCsv csv;
    int nclass = bench_dataset_read(dir, D->file, &csv);
    Cell *cells = calloc(2 * NLEVEL, sizeof *cells);
    int models[2];
    char layers[2][64] = { "", "" };
    snprintf(layers[1], sizeof layers[1], ", layers = '[64, 32, %d]'", nclass == 2 ? 1 : nclass);
    for (int mi = 0; mi < 2; mi++)
        models[mi] = o->model >= 0 ? o->model == mi : mi == 0 || D->nn_by_default;
    char *feats = bench_csv_features(&csv);

    for (int k = 0; k < o->splits; k++) {
        int ntr, nte;
        snprintf(path, sizeof path, "%s-%s-%d.db", prefix, D->name, k);
        helios *h = bench_open_split(path, &csv, k, &ntr, &nte);
        if (k == 0)
            printf("\n== %s: %d rows, %d features, %d labels; %d splits of %d train / %d "
                   "test rows (1 test row = %.2f points)\n", D->name, csv.nrows, csv.ncols - 1,
                   nclass, o->splits, ntr, nte, 100.0 / nte);
        for (int mi = 0; mi < 2; mi++)
            for (int l = 0; l < NLEVEL; l++) {
                if (!models[mi] || (o->level >= 0 && o->level != l))
                    continue;
                Config buf;
                run_level(h, feats, layers[mi], config_of(D, o, mi, l, &buf), l, mi, k,
                          o, &cells[mi * NLEVEL + l]);
            }
        bench_close_split(h, path);
    }
    for (int mi = 0; mi < 2; mi++)
        for (int l = 0; l < NLEVEL; l++)
            if (cells[mi * NLEVEL + l].done)
                report(D, o, mi, l, layers[mi], &cells[mi * NLEVEL + l]);
    fflush(stdout);
    free(cells);
    free(feats);
    bench_csv_free(&csv);
}

static void usage(void)
{
    fprintf(stderr, "usage: privacy [-d dataset] [-m lr|nn] [-s splits] [-n repeats] "
                    "[-e eps,eps,...] [-l record|node] [-r rounds] [-E local_epochs] [-c clip] "
                    "[-o options] [data_dir [catalog_prefix]]\n");
    exit(2);
}

static int parse_eps(const char *s, Options *o)
{
    o->neps = 0;
    while (*s) {
        char *end;
        double e = strtod(s, &end);
        if (end == s || !(e > 0) || o->neps == MAX_EPS)
            return -1;
        o->eps[o->neps++] = e;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return o->neps > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    Options o = { .splits = 5, .repeats = 2, .model = -1, .level = -1,
                  .eps = { 0.5, 1, 2, 8 }, .neps = 4 };
    int c;
    while ((c = getopt(argc, argv, "d:m:s:n:e:l:r:E:c:o:")) != -1) {
        switch (c) {
        case 'd': o.only_dataset = optarg; break;
        case 'm':
            if (strcmp(optarg, "lr") == 0)
                o.model = 0;
            else if (strcmp(optarg, "nn") == 0)
                o.model = 1;
            else
                usage();
            break;
        case 's': o.splits = atoi(optarg); break;
        case 'n': o.repeats = atoi(optarg); break;
        case 'e':
            if (parse_eps(optarg, &o) != 0)
                usage();
            break;
        case 'l':
            if (strcmp(optarg, "record") == 0)
                o.level = REC;
            else if (strcmp(optarg, "node") == 0)
                o.level = NODE;
            else
                usage();
            break;
        case 'r': o.rounds = atoi(optarg); break;
        case 'E': o.epochs = atoi(optarg); break;
        case 'c': o.clip = atof(optarg); break;
        case 'o': o.options = optarg; break;
        default: usage();
        }
    }
    if (o.splits < 1 || o.splits > MAX_SPLITS || o.repeats < 1 || o.repeats > MAX_REPEATS)
        usage();
    const char *dir = optind < argc ? argv[optind] : "../shared/data";
    const char *prefix = optind + 1 < argc ? argv[optind + 1] : "/tmp/helios-bench-privacy";
    int found = 0;
    bench_print_machine();
    printf("%d stratified 80/20 splits (split k: splitmix64 seed %d + k, model seed %d + k, "
           "partition seed k + 1), %d private run%s per split and epsilon (DP noise is drawn "
           "from a secret seed: runs differ); delta = %g; epsilons", o.splits, BENCH_SPLIT_SEED,
           BENCH_FIRST_SEED, o.repeats, o.repeats == 1 ? "" : "s", DELTA);
    for (int i = 0; i < o.neps; i++)
        printf(" %g", o.eps[i]);
    printf("; per cell: mean and sd over splits of the split's mean accuracy, difference = "
           "private - non-private per split, in points\n");
    double t0 = bench_now();
    for (int d = 0; d < NDATASET; d++) {
        if (o.only_dataset && strcmp(o.only_dataset, datasets[d].name) != 0)
            continue;
        found = 1;
        run_dataset(dir, prefix, &datasets[d], &o);
    }
    if (!found)
        usage();
    if (target_state >= 0)
        printf("\ntarget (eps 1, delta 1e-5, record level, logistic regression, churn: within 3 "
               "points of non-private): %.4f against %.4f, %+.2f sd %.2f points: %s\n",
               target_acc, target_base, target_diff, target_sd, target_state ? "met" : "MISSED");
    if (overspent)
        printf("(!) %d of %d private runs consumed more than their budget", overspent, runs);
    else
        printf("every one of the %d private runs consumed at most its budget", runs);
    printf("; peak memory %.1f MiB, %.1f s in all\n", bench_peak_mib(), bench_now() - t0);
    return 0;
}
