/*
 * secagg.c - what secure aggregation costs (issue 4, points 8 and 10:
 * "round time with secure aggregation against without, at 10 and 100
 * nodes; the cost of dropout recovery"; target: a secure round at 100
 * nodes costs at most 3 x a plain one).
 *
 * A session of src/secagg/ (Bonawitz et al. 2017 with the key agreement
 * amortized over the run) runs in process for n nodes and vectors of d
 * coordinates.  Each stage runs as the engine runs it (engine/secure.c):
 * THREADS workers take the nodes in turn and, for each, make the server's
 * message, compute the node's reply and hand it to the server (message()
 * and receive() are thread-safe for different nodes: no lock here), then
 * the server closes the stage (serial; closing UNMASKING rebuilds the
 * secrets and removes the masks).
 *
 * Printed:
 *   - the primitives (an X25519 key pair; an agreement with its SHA-256; an
 *     HMAC-SHA256 round seed; an AES-256-GCM seal of one node's shares; the
 *     AES-256-CTR mask generator per MB; one node's Shamir sharing at 100
 *     nodes, t = 51);
 *   - the key setup, once per session: wall and CPU time, X25519
 *     agreements, bytes per node (median of REPS sessions);
 *   - a training round after the setup, per n, d and dropouts (none; 10% of
 *     the nodes before their masked input; n - t of them there, the most a
 *     round survives; n - t during UNMASKING): the wall time of each stage
 *     and of the round, the CPU time of the round (every thread: what a
 *     loaded machine cannot hide), one node's CPU time, the server's serial
 *     close of UNMASKING, bytes per node, and the plain sum of the same
 *     vectors for comparison (median of ROUNDS rounds of one session).
 *     The X25519 agreements made during the rounds are counted: 0.
 *
 * Usage: bench/secagg [-t THREADS] [-r ROUNDS] [-s REPS]
 *        (default: the cores, 9 rounds, 3 setups)
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

static double process_cpu(void)
{
    return cpu_clock(CLOCK_PROCESS_CPUTIME_ID);
}

static void die(const char *what, const hl_err *err)
{
    fprintf(stderr, "bench/secagg: %s: %s\n", what, err->msg);
    exit(1);
}

typedef struct Run {
    int n, dim, threads;
    int stage;
    const int *drop;            /* drop[u]: the first stage u does not answer */
    HlSecAggServer *srv;
    HlSecAggClient **cli;
    double *x;
    double *node_cpu;           /* per thread: CPU seconds in the nodes' handle() */
    double *up, *down;          /* per thread: bytes */
    int next;                   /* the next node to take (atomic) */
} Run;

typedef struct Work {
    Run *run;
    int id;
} Work;

static void *stage_work(void *arg)
{
    Work *w = arg;
    Run *r = w->run;
    for (;;) {
        int u = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED);
        if (u >= r->n)
            break;
        if (!hl_secagg_server_active(r->srv, u) || r->drop[u] <= r->stage)
            continue;
        uint8_t *msg = NULL, *reply = NULL;
        size_t len = 0, rlen = 0;
        hl_err err;
        hl_err_clear(&err);
        if (hl_secagg_server_message(r->srv, u, &msg, &len, &err) != HELIOS_OK)
            die("server message", &err);
        double c0 = thread_cpu();
        if (hl_secagg_client_handle(r->cli[u], msg, len, r->x + (size_t)u * (size_t)r->dim,
                                    r->dim, &reply, &rlen, &err) != HELIOS_OK)
            die("node", &err);
        r->node_cpu[w->id] += thread_cpu() - c0;
        if (hl_secagg_server_receive(r->srv, u, reply, rlen, &err) != HELIOS_OK)
            die("server receive", &err);
        r->down[w->id] += (double)len;
        r->up[w->id] += (double)rlen;
        free(msg);
        free(reply);
    }
    return NULL;
}

typedef struct Figures {
    double stage[HL_SECAGG_DONE];       /* wall seconds per stage */
    double unmask;              /* the server closing UNMASKING */
    double wall, cpu;           /* the round (or setup): wall, CPU of the process */
    double node_cpu;            /* all nodes' CPU seconds */
    double up, down;            /* bytes per node */
    double agreements;
} Figures;

/* Runs the current stages until `until` (DONE, or SHARE after the setup),
 * timing each. */
static void run_stages(Run *r, HlSecAggRound until, Figures *f)
{
    pthread_t *tid = malloc((size_t)r->threads * sizeof *tid);
    Work *work = malloc((size_t)r->threads * sizeof *work);
    hl_err err;
    hl_err_clear(&err);
    memset(r->node_cpu, 0, (size_t)r->threads * sizeof *r->node_cpu);
    memset(r->up, 0, (size_t)r->threads * sizeof *r->up);
    memset(r->down, 0, (size_t)r->threads * sizeof *r->down);
    while (hl_secagg_server_round(r->srv) != until) {
        double t0 = bench_now();
        r->stage = (int)hl_secagg_server_round(r->srv);
        r->next = 0;
        for (int i = 0; i < r->threads; i++) {
            work[i].run = r;
            work[i].id = i;
            pthread_create(&tid[i], NULL, stage_work, &work[i]);
        }
        for (int i = 0; i < r->threads; i++)
            pthread_join(tid[i], NULL);
        double t1 = bench_now();
        if (hl_secagg_server_advance(r->srv, &err) != HELIOS_OK)
            die("advance", &err);
        double t2 = bench_now();
        f->stage[r->stage] = t2 - t0;
        if (r->stage == HL_SECAGG_UNMASKING)
            f->unmask = t2 - t1;
    }
    for (int i = 0; i < r->threads; i++) {
        f->node_cpu += r->node_cpu[i];
        f->up += r->up[i] / r->n;
        f->down += r->down[i] / r->n;
    }
    free(tid);
    free(work);
}

static void run_open(Run *r, int n, int dim, int threads, const int *drop)
{
    HlSecAggConfig cfg = { n, 0, dim, NULL, 0 };
    hl_err err;
    hl_err_clear(&err);
    memset(r, 0, sizeof *r);
    r->n = n;
    r->dim = dim;
    r->threads = threads;
    r->drop = drop;
    if (!(r->srv = hl_secagg_server_new(&cfg, &err)))
        die("server", &err);
    r->cli = malloc((size_t)n * sizeof *r->cli);
    for (int u = 0; u < n; u++)
        r->cli[u] = hl_secagg_client_new();
    r->x = malloc((size_t)n * (size_t)dim * sizeof *r->x);
    uint64_t seed = 1;
    for (size_t i = 0; i < (size_t)n * (size_t)dim; i++)
        r->x[i] = 2 * bench_uniform(&seed) - 1;
    r->node_cpu = calloc((size_t)threads, sizeof *r->node_cpu);
    r->up = calloc((size_t)threads, sizeof *r->up);
    r->down = calloc((size_t)threads, sizeof *r->down);
}

static void run_close(Run *r)
{
    for (int u = 0; u < r->n; u++)
        hl_secagg_client_free(r->cli[u]);
    hl_secagg_server_free(r->srv);
    free(r->cli);
    free(r->x);
    free(r->node_cpu);
    free(r->up);
    free(r->down);
}

/* Round `round` of the session, timed: every node in, its stages run until
 * `until` and, at DONE, the sum taken.  Round 0 stopped at SHARE is the key
 * setup (once per session); a round after it runs to DONE. */
static void timed_round(Run *r, int64_t round, HlSecAggRound until, Figures *f)
{
    unsigned char *all = malloc((size_t)r->n);
    double *sum = malloc((size_t)r->dim * sizeof *sum);
    memset(all, 1, (size_t)r->n);
    hl_err err;
    hl_err_clear(&err);
    memset(f, 0, sizeof *f);
    uint64_t a0 = hl_sa_agreements();
    double w0 = bench_now(), c0 = process_cpu();
    if (hl_secagg_server_begin(r->srv, round, all, &err) != HELIOS_OK)
        die("begin", &err);
    run_stages(r, until, f);
    if (until == HL_SECAGG_DONE
        && hl_secagg_server_result(r->srv, sum, NULL, NULL, &err) != HELIOS_OK)
        die("result", &err);
    f->wall = bench_now() - w0;
    f->cpu = process_cpu() - c0;
    f->agreements = (double)(hl_sa_agreements() - a0);
    free(sum);
    free(all);
}

/* The median of reps figures, field by field. */
static void median(Figures *runs, int reps, Figures *out)
{
    size_t nf = sizeof *out / sizeof(double);
    double *v = malloc((size_t)reps * sizeof *v);
    for (size_t i = 0; i < nf; i++) {
        for (int k = 0; k < reps; k++)
            v[k] = ((double *)&runs[k])[i];
        qsort(v, (size_t)reps, sizeof *v, bench_cmp_double);
        ((double *)out)[i] = v[reps / 2];
    }
    free(v);
}

/* The plain sum of the included vectors: what the round costs without
 * protection (median of 5). */
static double plain_sum(const Run *r)
{
    double t[5], *sum = malloc((size_t)r->dim * sizeof *sum);
    for (int k = 0; k < 5; k++) {
        double t0 = bench_now();
        memset(sum, 0, (size_t)r->dim * sizeof *sum);
        for (int u = 0; u < r->n; u++)
            if (r->drop[u] > HL_SECAGG_MASKED_INPUT)
                for (int j = 0; j < r->dim; j++)
                    sum[j] += r->x[(size_t)u * (size_t)r->dim + (size_t)j];
        t[k] = bench_now() - t0;
    }
    volatile double sink = sum[0];
    (void)sink;
    free(sum);
    return bench_median(t, 5);
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
    uint8_t plain[HL_SA_PLAIN] = { 0 }, sealed[HL_SA_SEALED];
    enum { KEYS = 200, AGREE = 2000, SEEDS = 100000, WORDS = 1 << 20, SPLITS = 200 };
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
    for (int i = 0; i < SEEDS; i++)
        hl_sa_round_seed(&c, out, session, i, out, &err);
    double t3 = bench_now();
    for (int i = 0; i < SEEDS; i++)
        hl_sa_seal(&c, out, session, i, 1, 2, plain, sealed, &err);
    double t4 = bench_now();
    uint32_t *acc = calloc(WORDS, sizeof *acc);
    for (int i = 0; i < 16; i++)
        hl_sa_prg_add(&c, out, +1, acc, WORDS, &err);
    double t5 = bench_now();
    uint64_t secret[2 * HL_SA_CHUNKS] = { 0 }, xs[100], *shares = malloc(100 * sizeof secret);
    for (int i = 0; i < 100; i++)
        xs[i] = (uint64_t)i + 1;
    for (int i = 0; i < SPLITS; i++)
        if (hl_shamir_split_at(secret, 2 * HL_SA_CHUNKS, 51, xs, 100, shares, &err) != HELIOS_OK)
            die("shamir", &err);
    double t6 = bench_now();
    printf("primitives: X25519 key pair %.1f us, agreement + SHA-256 %.1f us (setup only); "
           "round seed (HMAC-SHA256) %.2f us, share sealing (AES-256-GCM) %.2f us, mask "
           "generation (AES-256-CTR, add) %.2f ms per MB, Shamir sharing of b and K at 100 "
           "nodes, t=51: %.0f us\n",
           (t1 - t0) / KEYS * 1e6, (t2 - t1) / AGREE * 1e6, (t3 - t2) / SEEDS * 1e6,
           (t4 - t3) / SEEDS * 1e6, (t5 - t4) / 64 * 1e3, (t6 - t5) / SPLITS * 1e6);
    free(shares);
    free(acc);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
    hl_sa_crypto_clear(&c);
}

/* drop[]: ndrop nodes (spread) stop at `stage`. */
static void spread_drops(int *drop, int n, int ndrop, int stage)
{
    for (int u = 0; u < n; u++)
        drop[u] = HL_SECAGG_DONE;
    for (int i = 0; i < ndrop; i++)
        drop[(int)((long)i * n / ndrop)] = stage;
}

int main(int argc, char **argv)
{
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), rounds = 9, reps = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-t") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-r") == 0)
            rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-s") == 0)
            reps = atoi(argv[i + 1]);
    }
    if (threads < 1)
        threads = 1;
    if (rounds < 1)
        rounds = 1;
    if (reps < 1)
        reps = 1;
    bench_print_machine();
    printf("node threads: %d; vectors in [-1, 1], range +-%g, threshold max(2, floor(n/2)+1)\n\n",
           threads, HL_SECAGG_DEFAULT_RANGE);
    primitives();

    static const int sizes[] = { 10, 100 }, dims[] = { 32, 1000, 10000 };
    int maxrep = reps > rounds ? reps : rounds;
    Figures *runs = malloc((size_t)maxrep * sizeof *runs), f;

    printf("\nkey setup, once per session (median of %d):\n", reps);
    printf("%5s | %9s %9s | %10s | %7s %8s\n", "nodes", "wall ms", "cpu ms", "agreements",
           "up kB", "down kB");
    for (int a = 0; a < 2; a++) {
        int n = sizes[a], *drop = malloc((size_t)n * sizeof *drop);
        spread_drops(drop, n, 0, 0);
        for (int k = 0; k < reps; k++) {
            Run r;
            run_open(&r, n, 1000, threads, drop);
            timed_round(&r, 0, HL_SECAGG_SHARE, &runs[k]);
            run_close(&r);
        }
        median(runs, reps, &f);
        printf("%5d | %9.1f %9.1f | %10.0f | %7.1f %8.1f\n", n, f.wall * 1e3, f.cpu * 1e3,
               f.agreements, f.up / 1e3, f.down / 1e3);
        free(drop);
    }

    printf("\na training round after the setup (median of %d rounds):\n", rounds);
    printf("%5s %6s %4s %-11s | %6s %6s %6s | %8s %8s | %8s | %7s | %6s %7s | %5s | %8s\n",
           "nodes", "params", "t", "dropouts", "share", "masked", "unmask", "wall ms", "cpu ms",
           "node cpu", "close", "up kB", "down kB", "x25519", "plain ms");
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++) {
            int n = sizes[a], t = hl_secagg_default_threshold(n), dim = dims[b];
            const int ndrops[] = { 0, n / 10, n - t, n - t };
            const int stages[] = { HL_SECAGG_DONE, HL_SECAGG_MASKED_INPUT,
                                   HL_SECAGG_MASKED_INPUT, HL_SECAGG_UNMASKING };
            int *drop = malloc((size_t)n * sizeof *drop), *none = malloc((size_t)n * sizeof *none);
            spread_drops(none, n, 0, 0);
            Run r;
            run_open(&r, n, dim, threads, none);
            Figures sf;
            timed_round(&r, 0, HL_SECAGG_SHARE, &sf);
            int64_t round = 0;
            for (int c = 0; c < 4; c++) {
                spread_drops(drop, n, ndrops[c], stages[c]);
                r.drop = drop;
                for (int k = 0; k < rounds; k++)
                    timed_round(&r, ++round, HL_SECAGG_DONE, &runs[k]);
                median(runs, rounds, &f);
                char what[32];
                snprintf(what, sizeof what, "%d %s", ndrops[c],
                         c == 0 ? "" : c == 3 ? "at unmask" : "at masked");
                printf("%5d %6d %4d %-11s | %6.2f %6.2f %6.2f | %8.2f %8.2f | %5.3f ms | "
                       "%7.2f | %6.1f %7.1f | %5.0f | %8.3f\n",
                       n, dim, t, what, f.stage[HL_SECAGG_SHARE] * 1e3,
                       f.stage[HL_SECAGG_MASKED_INPUT] * 1e3,
                       f.stage[HL_SECAGG_UNMASKING] * 1e3, f.wall * 1e3, f.cpu * 1e3,
                       f.node_cpu / n * 1e3, f.unmask * 1e3, f.up / 1e3, f.down / 1e3,
                       f.agreements, plain_sum(&r) * 1e3);
                fflush(stdout);
            }
            run_close(&r);
            free(drop);
            free(none);
        }
    printf("\nshare, masked, unmask: wall time of each stage (the server's messages, the "
           "nodes' replies, the server taking them, the close); wall, cpu: the whole round "
           "(cpu: every thread of the process); node cpu: one node's CPU time in the round "
           "(all nodes' / n); close: the server closing UNMASKING (rebuilding the secrets, "
           "removing the masks); up, down: bytes a node sends and receives in the round; "
           "x25519: agreements made during the round; plain: summing the same vectors "
           "unprotected\n");
    free(runs);
    return 0;
}
