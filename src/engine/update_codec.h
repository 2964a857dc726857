/*
 * update_codec.h - compressing a node's model update before it is sent to
 * the coordinator: top-k sparsification with error feedback, then
 * stochastic quantization of the values kept.
 *
 * Top-k with memory (Stich, Cordonnier & Jaggi 2018, "Sparsified SGD with
 * Memory", NeurIPS): the node encodes a = delta + residual, sends the k
 * largest |a_i|, and keeps everything it did not deliver, residual <-
 * a - decode(code), for the next round.  Nothing is lost, only delayed:
 * over any number of rounds, the sum of the decoded vectors plus the last
 * residual is the sum of the deltas.
 *
 * Quantization (QSGD's unbiased stochastic rounding, Alistarh et al. 2017,
 * "QSGD: Communication-Efficient SGD via Gradient Quantization and
 * Encoding", NeurIPS; with one max-norm scale per tensor as in TernGrad,
 * Wen et al. 2017, and 8-bit schemes, Dettmers 2016): with L = 2^(bits-1)
 * - 1 and scale = max |a_i| / L over the values sent,
 *
 *     q_i = clamp(floor(a_i / scale + u_i), -L, L),  u_i ~ U[0, 1),
 *
 * so E[scale q_i] = a_i and |scale q_i - a_i| < scale.
 *
 * What it promises: the arithmetic above, deterministic given the HlRng
 * (draw the stream as (seed, round, node, HL_RNG_QUANT)), and a decoder
 * that refuses any code it did not accept as well formed, leaving its
 * output alone.  What it does not: the wire format (the struct carries no
 * lengths, so whoever fills it from bytes must check that the blob holds
 * exactly nnz values and nnz indices before pointing q, d or idx at it:
 * hl_update_code_unpack below); privacy (quantizing a noised update is post-processing, but the
 * chosen indices of a non-noised one reveal where it is large); nor
 * secure aggregation (nodes' top-k supports differ, so a masked sum would
 * first need a shared support).
 */
#ifndef HL_UPDATE_CODEC_H
#define HL_UPDATE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "node.h"
#include "rng.h"

/* How to compress. */
typedef struct HlUpdateCodec {
    int bits;          /* 8 or 16: stochastic quantization; 32: full precision (the doubles as they are) */
    double sparsity;   /* in [0, 1): fraction of the values not sent (top-k); 0: dense */
} HlUpdateCodec;

/*
 * A compressed vector.  Well formed (what hl_update_decode accepts):
 * 0 <= nnz <= p; idx NULL when nnz == p, else nnz strictly ascending
 * indices < p; bits 8 or 16: q holds nnz * bits/8 bytes (non-NULL when
 * nnz > 0), d NULL, scale finite, >= 0 and with L * scale finite, every
 * q in [-L, L]; bits 32: d holds nnz finite doubles (non-NULL when
 * nnz > 0), q NULL, scale finite and >= 0 (encode sets 0).
 */
typedef struct HlUpdateCode {
    int p;             /* the vector's full length */
    int nnz;           /* values sent */
    uint32_t *idx;     /* nnz ascending indices; NULL when dense (nnz == p) */
    int bits;          /* 8, 16: q holds nnz signed little-endian integers of that width; 32: d holds nnz doubles (8 bytes each) */
    double scale;      /* 8, 16: a value is scale * q; 0 when every value sent is 0 */
    uint8_t *q;        /* nnz * bits/8 bytes (bits 8, 16), else NULL */
    double *d;         /* nnz doubles (bits 32), else NULL */
} HlUpdateCode;

/*
 * Encodes delta (p values) into *out, which the caller owns afterward
 * (hl_update_code_clear); *out is overwritten without being freed.
 * residual (p values, or NULL for none) is the error-feedback memory: the
 * vector encoded is a = delta + residual, and residual becomes
 * a - decode(out) at every index (what was not sent plus the rounding
 * error).  residual must not overlap delta.
 *
 * k = max(1, p - floor(sparsity p)) values are sent when p > 0 (0.9 sends
 * the largest 10%, rounded up): those with the largest |a_i|, ties going to
 * the lower index.  Bits 8 and 16 draw exactly one hl_rng_uniform(rng) per
 * value sent, in index order, whatever the values; bits 32 draws nothing
 * and rng may be NULL.  Bits 32 with k == p sends a copy of a, and the
 * residual becomes all zeros.  Should max |a_i| / L underflow to 0 (values
 * below ~1e-321), scale is 0, every q is 0, and the values stay in the
 * residual.
 *
 * Fails (HELIOS_ERROR; HELIOS_NOMEM) on p < 0, bits not 8, 16 or 32,
 * sparsity outside [0, 1), a missing rng for bits 8 or 16, or an a_i that
 * is not finite.  On failure *out is all zeros (nothing to free) and
 * residual is unchanged.
 */
int hl_update_encode(const double *delta, int p, const HlUpdateCodec *c, double *residual,
                     HlRng *rng, HlUpdateCode *out, hl_err *err);

/*
 * Writes all p values of the decoded vector to delta (zeros where nothing
 * was sent).  The code may come from a hostile peer: it must be well
 * formed (above) and have p == expected_p; otherwise HELIOS_ERROR with the
 * first reason found, and delta is unchanged.
 */
int hl_update_decode(const HlUpdateCode *c, int expected_p, double *delta, hl_err *err);

/* Frees what c holds and zeroes it; accepts NULL. */
void hl_update_code_clear(HlUpdateCode *c);

/* The payload's bytes: the values (bits/8 each for 8 and 16, 8 a double
 * for 32), 4 per index when sparse, and 8 for the scale when quantized
 * (bits 8, 16; full precision has none).  0 for NULL. */
size_t hl_update_code_bytes(const HlUpdateCode *c);

/* ---- what travels (update_pack.c; engine/node.h's update_* members) ---- */

/* The indices (uint32 little-endian; *idx NULL when dense) and the values
 * (bits 8, 16: q as it is; 32: little-endian doubles) of c as malloc'd
 * bytes. */
int hl_update_code_pack(const HlUpdateCode *c, uint8_t **idx, size_t *idx_len, uint8_t **vals,
                        size_t *vals_len, hl_err *err);

/* The code those bytes hold, into *c (the caller clears it), after
 * checking that the lengths agree (bits 8, 16 or 32; whole values; 4
 * bytes an index, or p values when idx is NULL).  What the values are is
 * hl_update_decode's to check. */
int hl_update_code_unpack(int p, int bits, double scale, const uint8_t *idx, size_t idx_len,
                          const uint8_t *vals, size_t vals_len, HlUpdateCode *c, hl_err *err);

/* A TRAIN or EVAL request's model fields (node.h: version): req->version
 * = version and, when down is a dense 8- or 16-bit code (bits 0: none)
 * and version > 1, the code from version - 1 (req points into down). */
void hl_update_code_model(const HlUpdateCode *down, int version, HlMsg *req);

#endif
