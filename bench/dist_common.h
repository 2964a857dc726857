/*
 * dist_common.h - what the benchmarks over real helios-node processes
 * (bench/dist, bench/codec) share: the Flower workload's shards, one plain
 * SQLite database and one helios-node process per client on loopback, the
 * test PKI, a configuration run in a forked process of its own, and the
 * figures read back from the views.
 *
 * The nodes.  Client k's site database (WORK/siteN_kkk.db, N the number of
 * shards) holds the rows [from[k], to[k]) of train.csv as table `train`
 * (bench_csv_to_sqlite).  helios-node is started on it with --listen
 * 127.0.0.1:0, the test PKI's node1 certificate for every node (it names
 * DNS:node1, DNS:localhost and IP:127.0.0.1: the coordinator, failing to
 * match the registered name 'client_kkk', matches the endpoint's host),
 * --name client_kkk, stderr to WORK/nodeN_kkk.log; its port is read from
 * its "event=listening" line.  Every node is started with PR_SET_PDEATHSIG
 * = SIGKILL, and dist_nodes_guard makes the process that started them kill
 * them on exit() and on SIGINT, SIGTERM and SIGHUP, so that none outlives
 * the bench.  One set of nodes per process at a time.
 *
 * Errors (a file that cannot be read, a node that does not start) exit
 * with a message prefixed by dist_prog; figures never fail anything.
 */
#ifndef BENCH_DIST_COMMON_H
#define BENCH_DIST_COMMON_H

#include <stddef.h>
#include <sys/types.h>

#include "bench.h"

/* The program's name in messages ("dist: ..."); main sets it. */
extern const char *dist_prog;

/* One configuration's data, nodes and credentials. */
typedef struct DistSetup {
    const char *dir, *work, *node_bin, *pki;
    const BenchCsv *train, *test;
    int nshards;
    const int *from, *to;
} DistSetup;

/* What main prepares once: the work directory (WORK_DIR as given and
 * created, or a fresh /tmp/helios-bench-<dist_prog>.XXXXXX), the
 * helios-node binary (HELIOS_NODE, else ../helios-node next to this
 * program) and the test PKI (HELIOS_SRCDIR/tests/pki.sh, run into
 * WORK/pki). */
typedef struct DistEnv {
    char work[4096], pki[4200], node_bin[4200];
    int own_work;
} DistEnv;

/* Fills env (work_arg NULL: a fresh directory); 0, or 1 after a message. */
int dist_env_open(DistEnv *env, const char *work_arg);
/* Removes a fresh work directory unless BENCH_KEEP is set; else prints
 * where it was kept. */
void dist_env_close(const DistEnv *env);

/* Exits 1 with "<dist_prog>: message" (exit kills the guarded nodes). */
void dist_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The whole of a small file, malloc'd ("" when it cannot be read). */
char *dist_slurp(const char *path);
/* The value in kB of "Key:" in a /proc file, in MiB (NAN when absent). */
double dist_proc_kib(const char *path, const char *key);

/* Reads "a b" lines of a shards file; returns the number of shards, which
 * must tile nrows rows, contiguous and in order (else dist_fail).  *from
 * and *to are malloc'd, the caller frees them. */
int dist_read_shards(const char *path, int nrows, int **from, int **to);
/* The smallest and largest shard, in rows. */
void dist_shard_sizes(const DistSetup *c, int *lo, int *hi);

/* ---- the nodes (one set per process) ---- */

/* Makes room for c->nshards nodes and installs the guard: atexit and the
 * SIGINT, SIGTERM, SIGHUP handlers kill whatever nodes are running. */
void dist_nodes_guard(const DistSetup *c);
/* Writes every client's site database. */
void dist_write_sites(const DistSetup *c);
/* Removes them. */
void dist_remove_sites(const DistSetup *c);
/* Starts every node and waits for all to listen (20 s at most); port[k]
 * gets node k's. */
void dist_start_nodes(const DistSetup *c, int *port);
/* Node k's pid (0 once reaped). */
pid_t dist_node_pid(int k);
/* SIGTERM to every node, then waits for each; returns how many exited 0
 * and logged event=stopped. */
int dist_stop_nodes(const DistSetup *c);
/* Lines of the nodes' logs with event=refused (a failed handshake). */
int dist_count_refused(const DistSetup *c);

/* ---- a configuration in a process of its own ---- */

/* Forks; the child runs fn(arg, result) and sends the size bytes of
 * *result back through a pipe.  Returns 1 when the child did so and exited
 * 0; else 0, with *result all zeros. */
int dist_run_forked(void (*fn)(const void *arg, void *result), const void *arg, void *result,
                    size_t size);

/* ---- what the views say about model's run ---- */

#define DIST_MAX_PHASES 8

typedef struct DistFigures {
    int rounds;
    double med_round, max_round, min_round;     /* round_duration_seconds */
    int nphases;                                /* federated_performance_metrics */
    char phase[DIST_MAX_PHASES][32];
    double phase_med[DIST_MAX_PHASES], phase_sent_mb[DIST_MAX_PHASES],
        phase_recv_mb[DIST_MAX_PHASES];         /* medians over the rounds */
    double sent_mb_round, recv_mb_round;        /* medians of the rounds' sums */
} DistFigures;

void dist_read_figures(helios *h, const char *model, DistFigures *f);
/* The mean binary cross-entropy of federated_predict on table test, in
 * SQL (bench/flower's loss). */
double dist_test_loss(helios *h, const BenchCsv *test, const char *model);
/* The share of test rows whose predicted probability is cmp 0.5 (">" or
 * ">=") and equals the label (0/1). */
double dist_test_accuracy(helios *h, const BenchCsv *test, const char *model, const char *cmp);

#endif
