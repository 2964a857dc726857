/* dist_common.c - see dist_common.h. */
#include "dist_common.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *dist_prog = "dist";

void dist_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", dist_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);     /* atexit: kill_nodes */
}

char *dist_slurp(const char *path)
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

double dist_proc_kib(const char *path, const char *key)
{
    char *s = dist_slurp(path), *p = strstr(s, key);
    double v = p ? strtod(p + strlen(key), NULL) / 1024.0 : NAN;
    free(s);
    return v;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* ---- the work directory, the node binary, the PKI -------------------------------------- */

int dist_env_open(DistEnv *env, const char *work_arg)
{
    char path[10000];
    memset(env, 0, sizeof *env);
    env->own_work = work_arg == NULL;
    if (env->own_work) {
        snprintf(env->work, sizeof env->work, "/tmp/helios-bench-%s.XXXXXX", dist_prog);
        if (!mkdtemp(env->work)) {
            fprintf(stderr, "%s: mkdtemp: %s\n", dist_prog, strerror(errno));
            return 1;
        }
    } else {
        snprintf(env->work, sizeof env->work, "%s", work_arg);
        mkdir(env->work, 0755);
    }
    if (getenv("HELIOS_NODE"))
        snprintf(env->node_bin, sizeof env->node_bin, "%s", getenv("HELIOS_NODE"));
    else {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = 0;
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        snprintf(env->node_bin, sizeof env->node_bin, "%s/../helios-node", self);
    }
    char *canon = realpath(env->node_bin, NULL);
    if (canon) {
        snprintf(env->node_bin, sizeof env->node_bin, "%s", canon);
        free(canon);
    }
    if (access(env->node_bin, X_OK) != 0) {
        fprintf(stderr, "%s: no helios-node at %s (make -C build helios-node, or HELIOS_NODE)\n",
                dist_prog, env->node_bin);
        return 1;
    }
    const char *src = getenv("HELIOS_SRCDIR") ? getenv("HELIOS_SRCDIR") : ".";
    snprintf(env->pki, sizeof env->pki, "%s/pki", env->work);
    snprintf(path, sizeof path, "sh '%s/tests/pki.sh' '%s'", src, env->pki);
    if (system(path) != 0) {
        fprintf(stderr, "%s: %s failed\n", dist_prog, path);
        return 1;
    }
    return 0;
}

void dist_env_close(const DistEnv *env)
{
    if (env->own_work && !getenv("BENCH_KEEP")) {
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", env->work);
        if (system(cmd) != 0)
            fprintf(stderr, "%s: %s failed\n", dist_prog, cmd);
    } else
        printf("\nkept: %s\n", env->work);
}

/* ---- shards ----------------------------------------------------------------------------- */

int dist_read_shards(const char *path, int nrows, int **from, int **to)
{
    FILE *f = fopen(path, "r");
    int n = 0, cap = 0, a, b, covered = 0;
    if (!f)
        dist_fail("cannot open %s", path);
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
            dist_fail("%s: shards are not contiguous", path);
        covered = b;
        (*from)[n] = a;
        (*to)[n] = b;
        n++;
    }
    fclose(f);
    if (covered != nrows)
        dist_fail("%s: the shards do not cover train.csv", path);
    return n;
}

void dist_shard_sizes(const DistSetup *c, int *lo, int *hi)
{
    *lo = *hi = c->to[0] - c->from[0];
    for (int k = 1; k < c->nshards; k++) {
        int m = c->to[k] - c->from[k];
        *lo = m < *lo ? m : *lo;
        *hi = m > *hi ? m : *hi;
    }
}

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

void dist_nodes_guard(const DistSetup *c)
{
    node_pid = calloc((size_t)c->nshards, sizeof *node_pid);
    if (!node_pid)
        exit(1);
    node_count = 0;
    atexit(kill_nodes);
    signal(SIGINT, on_fatal_signal);
    signal(SIGTERM, on_fatal_signal);
    signal(SIGHUP, on_fatal_signal);
}

pid_t dist_node_pid(int k)
{
    return node_pid[k];
}

static void site_path(const DistSetup *c, int k, char *path, size_t size)
{
    snprintf(path, size, "%s/site%d_%03d.db", c->work, c->nshards, k);
}

static void log_path(const DistSetup *c, int k, char *path, size_t size)
{
    snprintf(path, size, "%s/node%d_%03d.log", c->work, c->nshards, k);
}

void dist_write_sites(const DistSetup *c)
{
    char path[4300];
    for (int k = 0; k < c->nshards; k++) {
        site_path(c, k, path, sizeof path);
        bench_csv_to_sqlite(path, c->train, "train", c->from[k], c->to[k]);
    }
}

void dist_remove_sites(const DistSetup *c)
{
    char path[4300];
    for (int k = 0; k < c->nshards; k++) {
        site_path(c, k, path, sizeof path);
        unlink(path);
    }
}

/* Starts helios-node k on its site database; returns its pid. */
static pid_t spawn_node(const DistSetup *c, int k)
{
    char db[4200], log[4200], cert[4200], key[4200], ca[4200], name[32];
    site_path(c, k, db, sizeof db);
    log_path(c, k, log, sizeof log);
    snprintf(cert, sizeof cert, "%s/node1.pem", c->pki);
    snprintf(key, sizeof key, "%s/node1.key", c->pki);
    snprintf(ca, sizeof ca, "%s/ca.pem", c->pki);
    snprintf(name, sizeof name, "client_%03d", k);
    char *argv[] = { (char *)c->node_bin, "--db", db, "--listen", "127.0.0.1:0", "--cert", cert,
                     "--key", key, "--ca", ca, "--name", name, NULL };
    /* a log left by an earlier set of nodes would show its port until the
     * child truncates it */
    if (unlink(log) != 0 && errno != ENOENT)
        dist_fail("%s: %s", log, strerror(errno));
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        dist_fail("fork: %s", strerror(errno));
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
static int node_port(const DistSetup *c, int k)
{
    char log[4200];
    log_path(c, k, log, sizeof log);
    char *s = dist_slurp(log), *p = strstr(s, "event=listening");
    int port = 0;
    if (p && (p = strstr(p, " port=")))
        port = atoi(p + 6);
    free(s);
    return port;
}

void dist_start_nodes(const DistSetup *c, int *port)
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
                log_path(c, k, log, sizeof log);
                char *s = dist_slurp(log);
                dist_fail("a node exited before listening: %s", s);
            }
            if (!(port[k] = node_port(c, k)))
                waiting++;
        }
        if (waiting && bench_now() > until)
            dist_fail("nodes did not listen within 20 s");
        if (waiting)
            sleep_ms(2);
    }
}

int dist_stop_nodes(const DistSetup *c)
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
            fprintf(stderr, "%s: node %d ignored SIGTERM for 10 s; killed\n", dist_prog, k);
            kill(node_pid[k], SIGKILL);
            waitpid(node_pid[k], &st, 0);
            node_pid[k] = 0;
            continue;
        }
        node_pid[k] = 0;
        char log[4200];
        log_path(c, k, log, sizeof log);
        char *s = dist_slurp(log);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(s, "event=stopped"))
            clean++;
        else
            fprintf(stderr, "%s: node %d: status %d, log:\n%s", dist_prog, k, st, s);
        free(s);
    }
    return clean;
}

int dist_count_refused(const DistSetup *c)
{
    int n = 0;
    for (int k = 0; k < c->nshards; k++) {
        char log[4200];
        log_path(c, k, log, sizeof log);
        char *s = dist_slurp(log);
        for (char *p = s; (p = strstr(p, "event=refused")); p++)
            n++;
        free(s);
    }
    return n;
}

/* ---- a configuration in a process of its own ---------------------------------------------- */

int dist_run_forked(void (*fn)(const void *arg, void *result), const void *arg, void *result,
                    size_t size)
{
    int fd[2];
    memset(result, 0, size);
    if (pipe(fd) != 0) {
        fprintf(stderr, "%s: pipe: %s\n", dist_prog, strerror(errno));
        exit(1);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", dist_prog, strerror(errno));
        exit(1);
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);   /* the bench stopped: stop the nodes too */
        close(fd[0]);
        void *mine = calloc(1, size);
        if (!mine)
            exit(1);
        fn(arg, mine);
        const char *p = mine;
        size_t left = size;
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
    char *p = result;
    size_t got = 0;
    ssize_t n;
    while (got < size && (n = read(fd[0], p + got, size - got)) > 0)
        got += (size_t)n;
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    if (got != size || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        memset(result, 0, size);
        if (WIFSIGNALED(st))
            fprintf(stderr, "%s: the run's process was killed by signal %d\n", dist_prog,
                    WTERMSIG(st));
        return 0;
    }
    return 1;
}

/* ---- what the views say ------------------------------------------------------------------- */

/* The median over the rounds of model's per-round sum of column of
 * federated_performance_metrics. */
static double per_round_median(helios *h, const char *model, const char *column)
{
    int n;
    char q[512];
    snprintf(q, sizeof q, "SELECT sum(coalesce(%s, 0)) FROM federated_performance_metrics "
                          "WHERE model_name = '%s' GROUP BY round_number", column, model);
    double *v = bench_column(h, q, &n), m = bench_median(v, n);
    free(v);
    return m;
}

void dist_read_figures(helios *h, const char *model, DistFigures *f)
{
    int nr;
    char q[512];
    snprintf(q, sizeof q, "SELECT round_duration_seconds FROM federated_training_metrics('%s') "
                          "ORDER BY round_number", model);
    double *dur = bench_column(h, q, &nr);
    f->rounds = nr;
    f->max_round = bench_max(dur, nr);
    f->med_round = bench_median(dur, nr);     /* sorts dur */
    f->min_round = nr ? dur[0] : NAN;
    free(dur);
    char *phases = bench_textf(h, "SELECT group_concat(phase, ',') FROM (SELECT DISTINCT phase "
                                  "FROM federated_performance_metrics WHERE model_name = '%s')",
                               model);
    f->nphases = 0;
    for (char *save = NULL, *p = phases ? strtok_r(phases, ",", &save) : NULL;
         p && f->nphases < DIST_MAX_PHASES; p = strtok_r(NULL, ",", &save)) {
        int i = f->nphases++, np;
        snprintf(f->phase[i], sizeof f->phase[i], "%s", p);
        const char *cols[3] = { "duration_seconds", "network_sent_mb", "network_received_mb" };
        double *out[3] = { &f->phase_med[i], &f->phase_sent_mb[i], &f->phase_recv_mb[i] };
        for (int j = 0; j < 3; j++) {
            snprintf(q, sizeof q, "SELECT coalesce(%s, 0) FROM federated_performance_metrics "
                                  "WHERE model_name = '%s' AND phase = '%s'", cols[j], model, p);
            double *v = bench_column(h, q, &np);
            *out[j] = bench_median(v, np);
            free(v);
        }
    }
    free(phases);
    f->sent_mb_round = per_round_median(h, model, "network_sent_mb");
    f->recv_mb_round = per_round_median(h, model, "network_received_mb");
}

double dist_test_loss(helios *h, const BenchCsv *test, const char *model)
{
    char *call = bench_predict_call(test, model);
    double loss = bench_doublef(h, "SELECT -avg(target * ln(p) + (1 - target) * ln(1 - p)) "
                                   "FROM (SELECT target, %s AS p FROM test)", call);
    free(call);
    return loss;
}

double dist_test_accuracy(helios *h, const BenchCsv *test, const char *model, const char *cmp)
{
    char *call = bench_predict_call(test, model);
    double acc = bench_doublef(h, "SELECT avg((%s %s 0.5) = target) FROM test", call, cmp);
    free(call);
    return acc;
}
