/*
 * rng.h - deterministic random streams.
 *
 * Every random number helios draws comes from a stream named by
 * (seed, round, node, purpose): the same statements on the same data give
 * the same model, whatever the number of threads, and a node's stream does
 * not depend on what other nodes drew.  The generator is xoshiro256**
 * (Blackman & Vigna 2018), seeded through SplitMix64 over the four names.
 */
#ifndef HL_RNG_H
#define HL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef enum HlRngPurpose {
    HL_RNG_INIT = 1,        /* model parameters at round 0 */
    HL_RNG_SHUFFLE,         /* a node's batch order in a round */
    HL_RNG_SELECT,          /* which nodes take part in a round */
    HL_RNG_SPLIT,           /* validation hold-out of a node's rows */
    HL_RNG_PARTITION,       /* REGISTER FEDERATED NODES ... PARTITION BY */
    HL_RNG_NOISE,           /* differential privacy noise */
    HL_RNG_MASK,            /* secure aggregation masks */
    HL_RNG_QUANT            /* stochastic rounding of a node's update */
} HlRngPurpose;

typedef struct HlRng {
    uint64_t s[4];
    int has_spare;          /* hl_rng_normal() makes two at a time */
    double spare;
} HlRng;

void hl_rng_seed(HlRng *r, uint64_t seed, uint64_t round, uint64_t node, HlRngPurpose purpose);
uint64_t hl_rng_next(HlRng *r);
double hl_rng_uniform(HlRng *r);                /* [0, 1), 53 bits */
uint64_t hl_rng_below(HlRng *r, uint64_t n);    /* [0, n), unbiased (Lemire 2019) */
double hl_rng_normal(HlRng *r);                 /* N(0, 1), Marsaglia polar */
double hl_rng_gamma(HlRng *r, double shape);    /* Gamma(shape, 1), Marsaglia & Tsang 2000 */
void hl_rng_dirichlet(HlRng *r, double alpha, double *out, int k);
void hl_rng_shuffle(HlRng *r, uint32_t *v, size_t n);   /* Fisher-Yates */

#endif
