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
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

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

#define MAX_PHASES 8
#define MAX_CONFIGS 8

typedef struct Result {
    int ok, nodes, rounds, distributed;
    double med_round, max_round, min_round;
    int nphases;
    char phase[MAX_PHASES][32];
    double phase_med[MAX_PHASES], phase_sent_mb[MAX_PHASES], phase_recv_mb[MAX_PHASES];
    double sent_mb_round, recv_mb_round;
    double start_s, rounds_wall_s, spawn_s, stop_s;
    double coord_mib, nodes_hwm_mib, node_hwm_max_mib, nodes_pss_mib;
    double nodes_anon_mib, nodes_file_mib;
    double loss, acc;
    int clean_stops, refused_handshakes;
} Result;

typedef struct Config {
    const char *dir, *work, *node_bin, *pki;
    const BenchCsv *train, *test;
    int nshards;
    const int *from, *to;
} Config;

/* ---- the nodes: started, watched, stopped; killed on any way out ---------------------- */

static pid_t *node_pid;     /* 0 once reaped */
static int node_count;

static void kill_nodes(void)
{
    for (int k = 0; k < node_count; k++)
        if (node_pid[k] > 0)
            kill(node_pid[k], SIGKILL);
    for (int k = 0; k < node_count; k++)
        if (node_pid[k] > 0) {
            waitpid(node_pid[k], NULL, 0);
            node_pid[k] = 0;
        }
}

static void on_fatal_signal(int sig)
{
    for (int k = 0; k < node_count; k++)
        if (node_pid[k] > 0)
            kill(node_pid[k], SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dist: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);     /* atexit: kill_nodes */
}

/* The whole of a small file, malloc'd ("" when it cannot be read). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = 0, cap = 4096;
    char *s = malloc(cap);
    if (!s)
        exit(1);
    if (f) {
        size_t r;
        while ((r = fread(s + n, 1, cap - n - 1, f)) > 0) {
            n += r;
            if (cap - n < 2 && !(s = realloc(s, cap *= 2)))
                exit(1);
        }
        fclose(f);
    }
    s[n] = 0;
    return s;
}

/* The value in kB of "Key:" in a /proc file, in MiB (NAN when absent). */
static double proc_kib(const char *path, const char *key)
{
    char *s = slurp(path), *p = strstr(s, key);
    double v = p ? strtod(p + strlen(key), NULL) / 1024.0 : NAN;
    free(s);
    return v;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Starts helios-node k on its site database; returns its pid. */
static pid_t spawn_node(const Config *c, int k)
{
    char db[4200], log[4200], cert[4200], key[4200], ca[4200], name[32];
    snprintf(db, sizeof db, "%s/site%d_%03d.db", c->work, c->nshards, k);
    snprintf(log, sizeof log, "%s/node%d_%03d.log", c->work, c->nshards, k);
    snprintf(cert, sizeof cert, "%s/node1.pem", c->pki);
    snprintf(key, sizeof key, "%s/node1.key", c->pki);
    snprintf(ca, sizeof ca, "%s/ca.pem", c->pki);
    snprintf(name, sizeof name, "client_%03d", k);
    char *argv[] = { (char *)c->node_bin, "--db", db, "--listen", "127.0.0.1:0", "--cert", cert,
                     "--key", key, "--ca", ca, "--name", name, NULL };
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        fail("fork: %s", strerror(errno));
    if (pid == 0) {
        /* only async-signal-safe calls from here on */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_RDWR);
        if (fd < 0 || nul < 0)
            _exit(127);
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(fd, 2);
        execv(c->node_bin, argv);
        _exit(127);
    }
    return pid;
}

/* The port of node k's "event=listening ... port=N" line; 0 while absent. */
static int node_port(const Config *c, int k)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/node%d_%03d.log", c->work, c->nshards, k);
    char *s = slurp(log), *p = strstr(s, "event=listening");
    int port = 0;
    if (p && (p = strstr(p, " port=")))
        port = atoi(p + 6);
    free(s);
    return port;
}

/* Starts every node and waits for all to listen (20 s at most). */
static void start_nodes(const Config *c, int *port)
{
    node_count = 0;
    for (int k = 0; k < c->nshards; k++) {
        node_pid[k] = spawn_node(c, k);
        node_count = k + 1;
        port[k] = 0;
    }
    double until = bench_now() + 20;
    for (int waiting = c->nshards; waiting > 0;) {
        waiting = 0;
        for (int k = 0; k < c->nshards; k++) {
            if (port[k])
                continue;
            int st;
            if (waitpid(node_pid[k], &st, WNOHANG) == node_pid[k]) {
                char log[4200];
                node_pid[k] = 0;
                snprintf(log, sizeof log, "%s/node%d_%03d.log", c->work, c->nshards, k);
                char *s = slurp(log);
                fail("a node exited before listening: %s", s);
            }
            if (!(port[k] = node_port(c, k)))
                waiting++;
        }
        if (waiting && bench_now() > until)
            fail("nodes did not listen within 20 s");
        if (waiting)
            sleep_ms(2);
    }
}

/* SIGTERM to every node, then waits for each; returns how many exited 0
 * and logged event=stopped. */
static int stop_nodes(const Config *c)
{
    int clean = 0;
    for (int k = 0; k < node_count; k++)
        if (node_pid[k] > 0)
            kill(node_pid[k], SIGTERM);
    for (int k = 0; k < node_count; k++) {
        if (node_pid[k] <= 0)
            continue;
        int st = 0;
        double until = bench_now() + 10;
        pid_t r;
        while ((r = waitpid(node_pid[k], &st, WNOHANG)) == 0 && bench_now() < until)
            sleep_ms(1);
        if (r != node_pid[k]) {     /* did not stop: killed, counted as not clean */
            fprintf(stderr, "dist: node %d ignored SIGTERM for 10 s; killed\n", k);
            kill(node_pid[k], SIGKILL);
            waitpid(node_pid[k], &st, 0);
            node_pid[k] = 0;
            continue;
        }
        node_pid[k] = 0;
        char log[4200];
        snprintf(log, sizeof log, "%s/node%d_%03d.log", c->work, c->nshards, k);
        char *s = slurp(log);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(s, "event=stopped"))
            clean++;
        else
            fprintf(stderr, "dist: node %d: status %d, log:\n%s", k, st, s);
        free(s);
    }
    return clean;
}

/* Lines of the nodes' logs with event=refused (a failed handshake). */
static int count_refused(const Config *c)
{
    int n = 0;
    for (int k = 0; k < c->nshards; k++) {
        char log[4200];
        snprintf(log, sizeof log, "%s/node%d_%03d.log", c->work, c->nshards, k);
        char *s = slurp(log);
        for (char *p = s; (p = strstr(p, "event=refused")); p++)
            n++;
        free(s);
    }
    return n;
}

/* ---- one configuration, in a process of its own ------------------------------------------- */

static void measure(helios *h, const Config *c, Result *r)
{
    int nr;
    double *dur = bench_column(h, "SELECT round_duration_seconds FROM "
                                  "federated_training_metrics('lr') ORDER BY round_number", &nr);
    r->rounds = nr;
    r->max_round = bench_max(dur, nr);
    r->med_round = bench_median(dur, nr);
    r->min_round = nr ? dur[0] : NAN;
    free(dur);
    char *phases = bench_textf(h, "SELECT group_concat(phase, ',') FROM (SELECT DISTINCT phase "
                                  "FROM federated_performance_metrics WHERE model_name = 'lr')");
    r->nphases = 0;
    for (char *save = NULL, *p = phases ? strtok_r(phases, ",", &save) : NULL;
         p && r->nphases < MAX_PHASES; p = strtok_r(NULL, ",", &save)) {
        int i = r->nphases++, np;
        snprintf(r->phase[i], sizeof r->phase[i], "%s", p);
        const char *cols[3] = { "duration_seconds", "network_sent_mb", "network_received_mb" };
        double *out[3] = { &r->phase_med[i], &r->phase_sent_mb[i], &r->phase_recv_mb[i] };
        for (int j = 0; j < 3; j++) {
            char q[256];
            snprintf(q, sizeof q, "SELECT coalesce(%s, 0) FROM federated_performance_metrics "
                                  "WHERE model_name = 'lr' AND phase = '%s'", cols[j], p);
            double *v = bench_column(h, q, &np);
            *out[j] = bench_median(v, np);
            free(v);
        }
    }
    free(phases);
    int n;
    double *v = bench_column(h, "SELECT sum(coalesce(network_sent_mb, 0)) FROM "
                                "federated_performance_metrics WHERE model_name = 'lr' "
                                "GROUP BY round_number", &n);
    r->sent_mb_round = bench_median(v, n);
    free(v);
    v = bench_column(h, "SELECT sum(coalesce(network_received_mb, 0)) FROM "
                        "federated_performance_metrics WHERE model_name = 'lr' "
                        "GROUP BY round_number", &n);
    r->recv_mb_round = bench_median(v, n);
    free(v);

    char *call = bench_predict_call(c->test, "lr");
    r->loss = bench_doublef(h, "SELECT -avg(target * ln(p) + (1 - target) * ln(1 - p)) "
                               "FROM (SELECT target, %s AS p FROM test)", call);
    r->acc = bench_doublef(h, "SELECT avg((%s > 0.5) = target) FROM test", call);
    free(call);
}

static void run(const Config *c, int distributed, Result *r)
{
    char catalog[4200], path[4300];
    int *port = calloc((size_t)c->nshards, sizeof *port);
    node_pid = calloc((size_t)c->nshards, sizeof *node_pid);
    if (!port || !node_pid)
        exit(1);
    memset(r, 0, sizeof *r);
    r->nodes = c->nshards;
    r->distributed = distributed;
    atexit(kill_nodes);
    signal(SIGINT, on_fatal_signal);
    signal(SIGTERM, on_fatal_signal);
    signal(SIGHUP, on_fatal_signal);

    if (distributed) {
        for (int k = 0; k < c->nshards; k++) {
            snprintf(path, sizeof path, "%s/site%d_%03d.db", c->work, c->nshards, k);
            bench_csv_to_sqlite(path, c->train, "train", c->from[k], c->to[k]);
        }
        double t = bench_now();
        start_nodes(c, port);
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
        fail("the run ended '%s'", outcome ? outcome : "(null)");
    free(outcome);
    double rows = bench_double(h, "SELECT sum(dataset_size) FROM federated_node_status");
    if (rows != c->train->nrows)
        fail("the nodes report %g rows in all, not %d", rows, c->train->nrows);
    measure(h, c, r);

    if (distributed) {
        /* every node's peak before it is stopped */
        for (int k = 0; k < c->nshards; k++) {
            snprintf(path, sizeof path, "/proc/%d/status", (int)node_pid[k]);
            double hwm = proc_kib(path, "VmHWM:");
            snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)node_pid[k]);
            double pss = proc_kib(path, "\nPss:");
            if (isnan(hwm))
                fail("%s: no VmHWM", path);
            r->nodes_hwm_mib += hwm;
            r->nodes_pss_mib += isnan(pss) ? 0 : pss;
            snprintf(path, sizeof path, "/proc/%d/status", (int)node_pid[k]);
            double anon = proc_kib(path, "RssAnon:"), file = proc_kib(path, "RssFile:");
            r->nodes_anon_mib += isnan(anon) ? 0 : anon;
            r->nodes_file_mib += isnan(file) ? 0 : file;
            if (hwm > r->node_hwm_max_mib)
                r->node_hwm_max_mib = hwm;
        }
    }
    helios_close(h);        /* BYE to every node */
    r->coord_mib = bench_peak_mib();
    if (distributed) {
        double t = bench_now();
        r->clean_stops = stop_nodes(c);
        r->stop_s = bench_now() - t;
        r->refused_handshakes = count_refused(c);
        for (int k = 0; k < c->nshards; k++) {
            snprintf(path, sizeof path, "%s/site%d_%03d.db", c->work, c->nshards, k);
            unlink(path);
        }
    }
    unlink(catalog);
    for (const char *sfx = "-wal"; sfx; sfx = strcmp(sfx, "-wal") == 0 ? "-shm" : NULL) {
        snprintf(path, sizeof path, "%s%s", catalog, sfx);
        unlink(path);
    }
    r->ok = 1;
    free(port);
}

/* Runs one configuration in a child process; its Result comes back
 * through a pipe (ok = 0 when the child failed). */
static void run_forked(const Config *c, int distributed, Result *r)
{
    int fd[2];
    memset(r, 0, sizeof *r);
    if (pipe(fd) != 0) {
        perror("dist: pipe");
        exit(1);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("dist: fork");
        exit(1);
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);   /* the bench stopped: stop the nodes too */
        close(fd[0]);
        Result mine;
        run(c, distributed, &mine);
        const char *p = (const char *)&mine;
        size_t left = sizeof mine;
        while (left) {
            ssize_t w = write(fd[1], p, left);
            if (w <= 0)
                exit(1);
            p += w;
            left -= (size_t)w;
        }
        close(fd[1]);
        exit(0);
    }
    close(fd[1]);
    char *p = (char *)r;
    size_t got = 0;
    ssize_t n;
    while (got < sizeof *r && (n = read(fd[0], p + got, sizeof *r - got)) > 0)
        got += (size_t)n;
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    if (got != sizeof *r || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        memset(r, 0, sizeof *r);
        if (WIFSIGNALED(st))
            fprintf(stderr, "dist: the run's process was killed by signal %d\n", WTERMSIG(st));
    }
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
           r->rounds, r->med_round * 1e3, r->min_round * 1e3, r->max_round * 1e3);
    for (int i = 0; i < r->nphases; i++)
        printf("  phase %-15s median %8.3f ms, sent %.4f MB, received %.4f MB\n", r->phase[i],
               r->phase_med[i] * 1e3, r->phase_sent_mb[i], r->phase_recv_mb[i]);
    printf("traffic a round (median): sent %.4f MB, received %.4f MB\n", r->sent_mb_round,
           r->recv_mb_round);
    printf("wall time of the %d rounds (START returned -> wait_for_convergence returned): "
           "%.1f ms = %.3f ms a round\n", r->rounds, r->rounds_wall_s * 1e3,
           r->rounds_wall_s * 1e3 / (r->rounds ? r->rounds : 1));
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
    printf("%-31s %11.3f ms %11.3f ms %11s s", "median round", d->med_round * 1e3,
           l->ok ? l->med_round * 1e3 : NAN, hundred ? "0.467" : FLOWER_ROUND_10);
    if (hundred)
        printf("  < 20 ms -> %s", d->med_round < TARGET_ROUND ? "met" : "MISSED");
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
        printf("speed-up over Flower (median round): %.0fx\n", FLOWER_ROUND_100 / d->med_round);
}

/* ---- main ------------------------------------------------------------------------------- */

/* Reads "a b" lines; returns the number of shards (they must tile nrows). */
static int read_shards(const char *path, int nrows, int **from, int **to)
{
    FILE *f = fopen(path, "r");
    int n = 0, cap = 0, a, b, covered = 0;
    if (!f)
        fail("cannot open %s", path);
    *from = *to = NULL;
    while (fscanf(f, "%d %d", &a, &b) == 2) {
        if (n == cap) {
            cap = cap ? 2 * cap : 128;
            *from = realloc(*from, (size_t)cap * sizeof **from);
            *to = realloc(*to, (size_t)cap * sizeof **to);
            if (!*from || !*to)
                exit(1);
        }
        if (a != covered || b <= a)
            fail("%s: shards are not contiguous", path);
        covered = b;
        (*from)[n] = a;
        (*to)[n] = b;
        n++;
    }
    fclose(f);
    if (covered != nrows)
        fail("%s: the shards do not cover train.csv", path);
    return n;
}

static int remove_tree(const char *dir)
{
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

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
    char work[4096], pki[4200], node_bin[4200], path[10000];
    int own_work = optind + 1 >= argc;
    if (own_work) {
        snprintf(work, sizeof work, "/tmp/helios-bench-dist.XXXXXX");
        if (!mkdtemp(work)) {
            perror("dist: mkdtemp");
            return 1;
        }
    } else {
        snprintf(work, sizeof work, "%s", argv[optind + 1]);
        mkdir(work, 0755);
    }
    if (getenv("HELIOS_NODE"))
        snprintf(node_bin, sizeof node_bin, "%s", getenv("HELIOS_NODE"));
    else {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = 0;
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        snprintf(node_bin, sizeof node_bin, "%s/../helios-node", self);
    }
    char *canon = realpath(node_bin, NULL);
    if (canon) {
        snprintf(node_bin, sizeof node_bin, "%s", canon);
        free(canon);
    }
    if (access(node_bin, X_OK) != 0) {
        fprintf(stderr, "dist: no helios-node at %s (make -C build helios-node, or HELIOS_NODE)\n",
                node_bin);
        return 1;
    }
    const char *src = getenv("HELIOS_SRCDIR") ? getenv("HELIOS_SRCDIR") : ".";
    snprintf(pki, sizeof pki, "%s/pki", work);
    snprintf(path, sizeof path, "sh '%s/tests/pki.sh' '%s'", src, pki);
    if (system(path) != 0) {
        fprintf(stderr, "dist: %s failed\n", path);
        return 1;
    }

    bench_print_machine();
    BenchCsv train, test;
    snprintf(path, sizeof path, "%s/train.csv", dir);
    bench_csv_read(path, &train);
    snprintf(path, sizeof path, "%s/test.csv", dir);
    bench_csv_read(path, &test);
    printf("data: train %d rows x %d features, test %d rows; helios-node: %s; work: %s\n",
           train.nrows, train.ncols - 1, test.nrows, node_bin, work);
    printf("model: logistic_regression from zero weights, sgd, 5 local epochs, batch 32, "
           "lr 0.1, fedavg weighted by rows, 20 rounds, validation_split 0, seed 42\n");

    int failed = 0;
    for (int i = 0; i < nsizes; i++) {
        int *from, *to;
        snprintf(path, sizeof path, "%s/shards_%d.txt", dir, sizes[i]);
        int n = read_shards(path, train.nrows, &from, &to);
        Config c = { dir, work, node_bin, pki, &train, &test, n, from, to };
        int lo = to[0] - from[0], hi = lo;
        for (int k = 1; k < n; k++) {
            int m = to[k] - from[k];
            lo = m < lo ? m : lo;
            hi = m > hi ? m : hi;
        }
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
    if (own_work && !getenv("BENCH_KEEP"))
        remove_tree(work);
    else
        printf("\nkept: %s\n", work);
    bench_csv_free(&train);
    bench_csv_free(&test);
    return failed;
}
