/*
 * partition.c - how REGISTER FEDERATED NODES <n> ... PARTITION BY splits a
 * table among n simulated nodes, as SQL functions that a node's
 * data_filter calls on the node's own connection:
 *
 *   hl_partition_iid(seed, n, rowid)
 *       each row goes to node k (0-based) with probability 1/n, drawn from
 *       the (seed, 0, rowid, PARTITION) stream;
 *   hl_partition_dirichlet(seed, n, alpha, label, rowid)
 *       label skew after Hsu, Qi & Brown 2019 ("Measuring the effects of
 *       non-identical data distribution for federated visual
 *       classification"): each label value c has proportions q_c ~
 *       Dirichlet(alpha) over the n nodes (from a stream named by seed and
 *       a hash of c), and each row of label c goes to node k with
 *       probability q_c[k] (Hsu et al. allocate a class's examples in those
 *       proportions exactly; drawing row by row keeps the split stateless,
 *       so every node computes its own share without a coordinator).
 *       Small alpha: each node sees few labels; large alpha: close to IID.
 * PARTITION BY COLUMN needs no function: node k keeps the rows whose
 * column equals the k-th distinct value.
 * The functions are deterministic: the same seed gives the same split on
 * every machine and in every process.
 */
#include "partition.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* FNV-1a, 64 bits: a stable name for a label value. */
static uint64_t hash_bytes(const unsigned char *p, int n)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void fn_iid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_int64 n = sqlite3_value_int64(argv[1]);
    if (n < 1) {
        sqlite3_result_error(ctx, "hl_partition_iid(): n must be at least 1", -1);
        return;
    }
    HlRng r;
    hl_rng_seed(&r, (uint64_t)sqlite3_value_int64(argv[0]), 0,
                (uint64_t)sqlite3_value_int64(argv[2]), HL_RNG_PARTITION);
    sqlite3_result_int64(ctx, (sqlite3_int64)hl_rng_below(&r, (uint64_t)n));
}

/* The proportions of one label, cached: the last label asked for (rows of
 * one label often come together) and a small table of the others. */
#define CACHE 64
typedef struct Props {
    uint64_t key;               /* hash of (seed, n, alpha, label); 0: empty */
    int n;
    double *cdf;                /* n cumulative proportions */
} Props;

static void props_free(void *p)
{
    Props *c = p;
    for (int i = 0; i < CACHE; i++)
        free(c[i].cdf);
    free(c);
}

static const double *label_cdf(sqlite3_context *ctx, uint64_t seed, int n, double alpha,
                               sqlite3_value *label)
{
    Props *cache = sqlite3_user_data(ctx);
    const unsigned char *txt = sqlite3_value_text(label);
    int len = sqlite3_value_bytes(label);
    uint64_t lh = txt ? hash_bytes(txt, len) : 0x9e3779b97f4a7c15ULL;
    double a = alpha;
    uint64_t ab;
    memcpy(&ab, &a, sizeof ab);
    uint64_t key = (lh ^ (seed * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)n << 32) ^ ab) | 1;
    Props *slot = &cache[key % CACHE];
    if (slot->key == key && slot->n == n)
        return slot->cdf;
    double *cdf = realloc(slot->cdf, sizeof *cdf * (size_t)n);
    if (!cdf)
        return NULL;
    slot->cdf = cdf;
    HlRng r;
    hl_rng_seed(&r, seed, 1, lh, HL_RNG_PARTITION);
    hl_rng_dirichlet(&r, alpha, cdf, n);
    for (int k = 1; k < n; k++)
        cdf[k] += cdf[k - 1];
    slot->key = key;
    slot->n = n;
    return cdf;
}

static void fn_dirichlet(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t seed = (uint64_t)sqlite3_value_int64(argv[0]);
    sqlite3_int64 n = sqlite3_value_int64(argv[1]);
    double alpha = sqlite3_value_double(argv[2]);
    if (n < 1 || n > 1000000 || !(alpha > 0)) {
        sqlite3_result_error(ctx, "hl_partition_dirichlet(): needs n >= 1 and alpha > 0", -1);
        return;
    }
    const double *cdf = label_cdf(ctx, seed, (int)n, alpha, argv[3]);
    if (!cdf) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    HlRng r;
    hl_rng_seed(&r, seed, 0, (uint64_t)sqlite3_value_int64(argv[4]), HL_RNG_PARTITION);
    double u = hl_rng_uniform(&r) * cdf[n - 1];
    int lo = 0, hi = (int)n - 1;
    while (lo < hi) {           /* the first k with cdf[k] > u */
        int mid = (lo + hi) / 2;
        if (cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    sqlite3_result_int(ctx, lo);
}

int hl_partition_register(sqlite3 *db)
{
    Props *cache = calloc(CACHE, sizeof *cache);
    if (!cache)
        return SQLITE_NOMEM;
    int rc = sqlite3_create_function_v2(db, "hl_partition_iid", 3,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_iid,
                                        NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "hl_partition_dirichlet", 5,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, cache, fn_dirichlet,
                                        NULL, NULL, props_free);
    else
        free(cache);
    return rc;
}
