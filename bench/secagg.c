/*
 * secagg.c - what secure aggregation costs (issue 4, points 8 and 10:
 * "round time with secure aggregation against without, at 10 and 100
 * nodes; the cost of dropout recovery").
 *
 * The four rounds of src/secagg/ (Bonawitz et al. 2017) run in process for
 * n nodes and a vector of d coordinates, with no dropout, with 10% of the
 * nodes dropping before their masked input (the server rebuilds their
 * keys and recomputes their pairwise masks), and with n - t of them
 * dropping there (the most it can recover from).  Each round is timed in
 * three parts, as the engine would run it: the server makes every node's
 * message (serial), the nodes compute their replies (on THREADS threads,
 * like the engine's node pool), the server takes the replies and closes
 * the round (serial; closing round 3 rebuilds the secrets and removes the
 * masks).  Printed per configuration: the wall time of each round, of the
 * server's share of round 3, and of the whole; the CPU time of the whole
 * (what a loaded machine cannot hide); the nodes' CPU time per node (what
 * one site would spend); the bytes each node sends and receives.  Medians over REPS runs.  The "plain" column is what the same
 * aggregation costs without protection: summing n vectors of d doubles.
 *
 * Also printed once: the primitives the cost is made of (an X25519 key
 * agreement through EVP with its SHA-256, a key pair, the AES-256-CTR mask
 * generator per MB).
 *
 * Usage: bench/secagg [-t THREADS] [-r REPS]   (default: the cores, 3)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "secagg/secagg.h"
#include "secagg/secagg_int.h"

typedef struct Run {
    int n, dim, round;
    const int *drop;            /* drop[u]: the first round u does not answer */
    HlSecAggServer *srv;
    HlSecAggClient **cli;
    double *x;
    uint8_t **msg, **reply;
    size_t *len, *rlen;
    double *cpu;                /* per thread: node CPU seconds this round */
    int threads;
    int next;                   /* the next node to take (atomic) */
} Run;

typedef struct Work {
    Run *run;
    int id;
} Work;

static double cpu_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu(void)
{
    return cpu_clock(CLOCK_THREAD_CPUTIME_ID);
}

static void die(const char *what, const hl_err *err)
{
    fprintf(stderr, "bench/secagg: %s: %s\n", what, err->msg);
    exit(1);
}

static void *nodes_work(void *arg)
{
    Work *w = arg;
    Run *r = w->run;
    double t0 = thread_cpu();
    for (;;) {
        int u = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED);
        if (u >= r->n)
            break;
        if (!r->msg[u])
            continue;
        HlSecAggClient *c = r->cli[u];
        hl_err err;
        hl_err_clear(&err);
        int rc;
        switch (r->round) {
        case 0:
            rc = hl_secagg_client_advertise_keys(c, r->msg[u], r->len[u], &r->reply[u],
                                                 &r->rlen[u], &err);
            break;
        case 1:
            rc = hl_secagg_client_share_keys(c, r->msg[u], r->len[u], &r->reply[u], &r->rlen[u],
                                             &err);
            break;
        case 2:
            rc = hl_secagg_client_masked_input(c, r->msg[u], r->len[u],
                                               r->x + (size_t)u * (size_t)r->dim, r->dim,
                                               &r->reply[u], &r->rlen[u], &err);
            break;
        default:
            rc = hl_secagg_client_unmask(c, r->msg[u], r->len[u], &r->reply[u], &r->rlen[u],
                                         &err);
            break;
        }
        if (rc != HELIOS_OK)
            die("node", &err);
    }
    r->cpu[w->id] += thread_cpu() - t0;
    return NULL;
}

typedef struct Figures {
    double round[4];            /* wall seconds */
    double unmask;              /* closing round 3 */
    double total, cpu;          /* wall, and CPU of the whole process */
    double node_cpu;            /* node CPU seconds, all nodes */
    double up, down;            /* bytes per node, all rounds */
    double plain;
} Figures;

/* One session; fills f.  The nodes' vectors are in [-1, 1]. */
static void session(int n, int dim, int ndrop, int threads, Figures *f)
{
    HlSecAggConfig cfg = { n, 0, dim, NULL, 0 };
    hl_err err;
    hl_err_clear(&err);
    Run r = { 0 };
    r.n = n;
    r.dim = dim;
    r.threads = threads;
    r.srv = hl_secagg_server_new(&cfg, &err);
    if (!r.srv)
        die("server", &err);
    int *drop = malloc((size_t)n * sizeof *drop);
    for (int u = 0; u < n; u++)         /* every (n / ndrop)-th node drops at round 2 */
        drop[u] = ndrop && u % (n / ndrop) == 0 && u / (n / ndrop) < ndrop ? 2 : 4;
    r.drop = drop;
    r.cli = malloc((size_t)n * sizeof *r.cli);
    r.x = malloc((size_t)n * (size_t)dim * sizeof *r.x);
    r.msg = calloc((size_t)n, sizeof *r.msg);
    r.reply = calloc((size_t)n, sizeof *r.reply);
    r.len = calloc((size_t)n, sizeof *r.len);
    r.rlen = calloc((size_t)n, sizeof *r.rlen);
    r.cpu = calloc((size_t)threads, sizeof *r.cpu);
    uint64_t seed = 1;
    for (int u = 0; u < n; u++)
        r.cli[u] = hl_secagg_client_new();
    for (size_t i = 0; i < (size_t)n * (size_t)dim; i++)
        r.x[i] = 2 * bench_uniform(&seed) - 1;
    memset(f, 0, sizeof *f);
    pthread_t *tid = malloc((size_t)threads * sizeof *tid);
    Work *work = malloc((size_t)threads * sizeof *work);
    double start = bench_now(), cpu0 = cpu_clock(CLOCK_PROCESS_CPUTIME_ID);
    for (int k = 0; k < 4; k++) {
        double t0 = bench_now();
        r.round = k;
        r.next = 0;
        for (int u = 0; u < n; u++)
            if (hl_secagg_server_active(r.srv, u) && drop[u] > k) {
                if (hl_secagg_server_message(r.srv, u, &r.msg[u], &r.len[u], &err) != HELIOS_OK)
                    die("server message", &err);
                f->down += (double)r.len[u];
            }
        for (int i = 0; i < threads; i++) {
            work[i].run = &r;
            work[i].id = i;
            pthread_create(&tid[i], NULL, nodes_work, &work[i]);
        }
        for (int i = 0; i < threads; i++)
            pthread_join(tid[i], NULL);
        for (int u = 0; u < n; u++) {
            if (r.reply[u]) {
                f->up += (double)r.rlen[u];
                if (hl_secagg_server_receive(r.srv, u, r.reply[u], r.rlen[u], &err) != HELIOS_OK)
                    die("server receive", &err);
            }
            free(r.msg[u]);
            free(r.reply[u]);
            r.msg[u] = r.reply[u] = NULL;
        }
        double t1 = bench_now();
        if (hl_secagg_server_advance(r.srv, &err) != HELIOS_OK)
            die("advance", &err);
        double t2 = bench_now();
        f->round[k] = t2 - t0;
        if (k == 3)
            f->unmask = t2 - t1;
    }
    f->total = bench_now() - start;
    f->cpu = cpu_clock(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    for (int i = 0; i < threads; i++)
        f->node_cpu += r.cpu[i];
    f->up /= n;
    f->down /= n;
    double *sum = malloc((size_t)dim * sizeof *sum);
    if (hl_secagg_server_result(r.srv, sum, NULL, NULL, &err) != HELIOS_OK)
        die("result", &err);
    /* Without protection: the same sum over the vectors themselves. */
    double t0 = bench_now();
    memset(sum, 0, (size_t)dim * sizeof *sum);
    for (int u = 0; u < n; u++)
        if (drop[u] > 2)
            for (int j = 0; j < dim; j++)
                sum[j] += r.x[(size_t)u * (size_t)dim + (size_t)j];
    f->plain = bench_now() - t0;
    free(sum);
    for (int u = 0; u < n; u++)
        hl_secagg_client_free(r.cli[u]);
    hl_secagg_server_free(r.srv);
    free(tid);
    free(work);
    free(drop);
    free(r.cli);
    free(r.x);
    free(r.msg);
    free(r.reply);
    free(r.len);
    free(r.rlen);
    free(r.cpu);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of reps figures, field by field. */
static void median(Figures *runs, int reps, Figures *out)
{
    size_t nf = sizeof *out / sizeof(double);
    double *v = malloc((size_t)reps * sizeof *v);
    for (size_t i = 0; i < nf; i++) {
        for (int k = 0; k < reps; k++)
            v[k] = ((double *)&runs[k])[i];
        qsort(v, (size_t)reps, sizeof *v, cmp_double);
        ((double *)out)[i] = v[reps / 2];
    }
    free(v);
}

static void primitives(void)
{
    HlSaCrypto c;
    hl_err err;
    hl_err_clear(&err);
    if (hl_sa_crypto_init(&c, &err) != HELIOS_OK)
        die("crypto", &err);
    EVP_PKEY *a = NULL, *b = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t pa[HL_SA_KEY], pb[HL_SA_KEY], out[HL_SA_KEY], session[HL_SA_SESSION] = { 0 };
    enum { KEYS = 200, AGREE = 2000, WORDS = 1 << 20 };
    double t0 = bench_now();
    for (int i = 0; i < KEYS; i++) {
        EVP_PKEY_free(a);
        if (hl_sa_keygen(&a, pa, &err) != HELIOS_OK)
            die("keygen", &err);
    }
    double t1 = bench_now();
    if (hl_sa_keygen(&b, pb, &err) != HELIOS_OK || hl_sa_agree_init(a, &ctx, &err) != HELIOS_OK)
        die("agree", &err);
    for (int i = 0; i < AGREE; i++)
        if (hl_sa_agree(&c, ctx, pb, HL_SA_PURPOSE_MASK, session, out, &err) != HELIOS_OK)
            die("agree", &err);
    double t2 = bench_now();
    uint32_t *acc = calloc(WORDS, sizeof *acc);
    for (int i = 0; i < 16; i++)
        hl_sa_prg_add(&c, out, +1, acc, WORDS, &err);
    double t3 = bench_now();
    printf("primitives: X25519 key pair %.1f us, key agreement + SHA-256 %.1f us, "
           "mask generation (AES-256-CTR, add) %.2f ms per MB of mask (%.1f GB/s)\n",
           (t1 - t0) / KEYS * 1e6, (t2 - t1) / AGREE * 1e6, (t3 - t2) / 64 * 1e3,
           64.0 * 1e-3 * 1.048576 / (t3 - t2));
    free(acc);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
    hl_sa_crypto_clear(&c);
}

int main(int argc, char **argv)
{
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), reps = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-t") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-r") == 0)
            reps = atoi(argv[i + 1]);
    }
    if (threads < 1)
        threads = 1;
    if (reps < 1)
        reps = 1;
    bench_print_machine();
    printf("node threads: %d; median of %d runs; vectors in [-1, 1], range +-%g, threshold "
           "floor(n/2)+1; dropped nodes leave before their masked input\n\n",
           threads, reps, HL_SECAGG_DEFAULT_RANGE);
    primitives();
    printf("\n%5s %6s %4s %4s | %7s %7s %7s %7s | %7s | %8s %8s | %9s | %6s %7s | %8s\n",
           "nodes", "params", "t", "drop", "r0 ms", "r1 ms", "r2 ms", "r3 ms", "unmask",
           "total ms", "cpu ms", "node cpu", "up kB", "down kB", "plain ms");
    static const int sizes[] = { 10, 100 }, dims[] = { 1000, 10000 };
    Figures *runs = malloc((size_t)reps * sizeof *runs);
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            int n = sizes[a], t = hl_secagg_default_threshold(n);
            const int drops[] = { 0, n / 10, n - t };
            for (int c = 0; c < 3; c++) {
                Figures f;
                for (int k = 0; k < reps; k++)
                    session(n, dims[b], drops[c], threads, &runs[k]);
                median(runs, reps, &f);
                printf("%5d %6d %4d %4d | %7.2f %7.2f %7.2f %7.2f | %7.2f | %8.2f %8.2f | "
                       "%6.2f ms | %6.1f %7.1f | %8.3f\n",
                       n, dims[b], t, drops[c], f.round[0] * 1e3, f.round[1] * 1e3,
                       f.round[2] * 1e3, f.round[3] * 1e3, f.unmask * 1e3, f.total * 1e3,
                       f.cpu * 1e3, f.node_cpu / n * 1e3, f.up / 1e3, f.down / 1e3,
                       f.plain * 1e3);
                fflush(stdout);
            }
        }
    printf("\nr0..r3, total: wall time; cpu: CPU time of the process (nodes and server, "
           "every thread); node cpu: one node's CPU time over the four rounds (all nodes' / "
           "n); up, down: bytes a node sends and receives; unmask: the server closing round "
           "3; plain: the same sum over the unmasked vectors\n");
    free(runs);
    return 0;
}
