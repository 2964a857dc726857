/*
 * secagg.h - secure aggregation: the coordinator learns the sum of the
 * nodes' vectors and nothing else about any one of them.
 *
 * The protocol is Bonawitz et al. 2017, "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning" (CCS), Figure 4, in its
 * honest-but-curious form: the server follows the protocol (it may try to
 * learn from what it sees, and nodes may drop out at any point), so the
 * ConsistencyCheck round and the signatures of the active-adversary
 * variant are left out.  A server that lies about who dropped out could
 * learn an individual vector; that is outside what this module promises.
 *
 * The four rounds, each a server message to every node of the round's set
 * and one reply from each node that is still there:
 *
 *   0 AdvertiseKeys   server -> u: SETUP (session id, n, t, u's index,
 *                     vector layout);  u -> server: ADVERTISE (two X25519
 *                     public keys: c_pk to encrypt shares between nodes,
 *                     s_pk for the pairwise mask seeds).          U1 = repliers
 *   1 ShareKeys       server -> u: KEYS (every key of U1);  u -> server:
 *                     SHARES (for each v in U1 \ {u}: t-of-n Shamir shares
 *                     of u's s_sk and of a fresh self-mask seed b_u,
 *                     AES-256-GCM-sealed under the c-key agreement of u and
 *                     v, so the server routes them but cannot read them).
 *                                                                 U2 = repliers
 *   2 MaskedInputCollection  server -> u: CIPHERTEXTS (the sealed shares
 *                     addressed to u by U2);  u -> server: MASKED
 *                     y_u = enc(x_u) + PRG(b_u) + sum_{v in U2, v > u}
 *                     PRG(s_uv) - sum_{v in U2, v < u} PRG(s_uv) mod 2^32.
 *                                                                 U3 = repliers
 *   3 Unmasking       server -> u: UNMASK (U3);  u -> server: REVEAL (for
 *                     each v in U3 its share of b_v; for each v in U2 \ U3
 *                     its share of s_sk_v; never both for one v, and only
 *                     once).                                      U4 = repliers
 *
 * The server then rebuilds b_v for v in U3 and s_sk_v for the dropped
 * v in U2 \ U3 from t shares each, removes the self masks and the pairwise
 * masks that did not cancel, and decodes sum_{u in U3} x_u.  Every set
 * U1..U4 must hold at least t nodes, or the session fails with "secure
 * aggregation needs at least t=%d surviving nodes, %d left".
 *
 * Cryptography (OpenSSL 3, EVP): X25519 key agreement, the shared secret
 * hashed with SHA-256 (with a purpose byte and the session id) into a
 * 32-byte key; PRG(seed) = the AES-256-CTR keystream under key seed from a
 * zero 128-bit counter block, read as little-endian uint32 words;
 * AES-256-GCM with nonce (sender, receiver, 0) (each c-key is used once in
 * each direction, in one session) and (version, session, sender, receiver)
 * as associated data;
 * Shamir shares over GF(2^61 - 1) (shamir.h); randomness from RAND_bytes.
 * Keys are fresh for every session (one session per training round).
 *
 * What the server API sees: messages only.  Its inputs are the nodes'
 * replies (public keys, sealed shares, masked vectors, revealed shares);
 * no function of the server takes a node's plain vector.
 *
 * Messages are byte strings: a version byte (HL_SECAGG_VERSION), a type
 * byte, the 16-byte session id, then the type's fields, integers as
 * little-endian uint32 / uint64, doubles as their IEEE-754 bits in a
 * uint64, every count explicit:
 *
 *   1 SETUP       n, t, index, dim, nsegs, nsegs x (count, lo, hi)
 *   2 ADVERTISE   index, c_pk[32], s_pk[32]
 *   3 KEYS        m, m x (index, c_pk[32], s_pk[32])   indexes ascending
 *   4 SHARES      index, m, m x (to, sealed[96])      'to' ascending
 *   5 CIPHERTEXTS m, m x (from, sealed[96])           'from' ascending
 *   6 MASKED      index, dim, dim x uint32
 *   7 UNMASK      m, m x index                         ascending
 *   8 REVEAL      index, m, m x (v, kind byte (0 b, 1 s), 5 x uint64)
 *
 * sealed = AES-256-GCM(s_sk share (5 x uint64) || b share (5 x uint64))
 * and its 16-byte tag.  Every parser checks the version, type, session,
 * each length against what is left and against the round's sets, and
 * that nothing trails; a malformed message is an error, never a crash,
 * and leaves the receiver's state as it was.
 *
 * Fixed-point encoding (Bonawitz et al. sum in Z_{2^32}): coordinate j of
 * segment [lo, hi] is clipped to [lo, hi] and mapped to the nearest of
 * L + 1 levels, q = round((x - lo) * L / (hi - lo)) in 0..L with
 * L = floor((2^32 - 1) / n), n the session's node count.  A sum of at most
 * n such words is at most n L <= 2^32 - 1: it never wraps, so the masks'
 * mod-2^32 arithmetic gives the exact integer sum, and decoding m summed
 * words is sum * (hi - lo) / L + m lo.  Nearest rounding (not stochastic)
 * keeps the result a deterministic function of the clipped inputs, as the
 * engine's determinism needs, and halves the worst case: each coordinate
 * is off by at most (hi - lo) / (2L), the decoded sum of m nodes by
 * m (hi - lo) / (2L) (hl_secagg_error_bound()).
 *
 * Why not Flower's SecAgg+ choice (range +-8, 2^22 levels, modulus 2^32):
 * a fixed 2^22 levels leaves 10 bits of headroom, so more than 1,024 nodes
 * wrap silently, and fewer nodes waste resolution.  Taking L from n uses
 * all 32 bits whatever n is: at n = 100, L ~ 2^25.4, ten times finer than
 * 2^22 (a +-8 coordinate within 1.9e-7, the sum of 100 within 1.9e-5); at
 * n = 1,024 it equals Flower's.  The range is per segment, not one fixed
 * value, because the engine masks different quantities:
 *   - model deltas (local - global) with lo = -R, hi = R: R the node-level
 *     DP clipping threshold when there is one (an L2-clipped update has
 *     every coordinate in [-C, C], so nothing more is clipped), else
 *     HL_SECAGG_DEFAULT_RANGE = 8 as in Flower: with the standardized
 *     features of ml/, a parameter that moves by more than 8 in one round
 *     is a sign of divergence rather than a value worth keeping exactly.
 *     A node that adds its share of distributed DP noise before encoding
 *     needs R to cover the noise too (clipping it would bias it);
 *   - weighted FedAvg: each node sends w_u * delta_u in [-R, R] and w_u in
 *     [0, 1] as the last coordinate, a segment of its own, with
 *     w_u = rows_u / W and W a public bound on the rows (the largest
 *     rows_train of the SETUP answers); the mean is sum(w delta) / sum(w).
 *
 * Thread safety: no global state; a client or a server is used by one
 * thread at a time; different objects may run in parallel.  Everything a
 * function returns in *reply or *msg is malloc'd and freed by the caller
 * with free(); the destructors accept NULL and wipe the secrets.
 */
#ifndef HL_SECAGG_H
#define HL_SECAGG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HL_SECAGG_VERSION 1
#define HL_SECAGG_MIN_NODES 2
/* Memory is quadratic in the nodes: the server keeps every sealed share
 * until round 2 is sent (n^2 * 96 bytes: 1 MB at 100 nodes, 1.6 GB at the
 * limit) and t revealed shares of every node (t * n * 40 bytes); a node
 * keeps 160 bytes per other node. */
#define HL_SECAGG_MAX_NODES 4096
#define HL_SECAGG_MAX_DIM (1 << 27)
#define HL_SECAGG_MAX_SEGMENTS 1024
#define HL_SECAGG_DEFAULT_RANGE 8.0

/* The rounds, in order; what hl_secagg_server_round() returns. */
typedef enum HlSecAggRound {
    HL_SECAGG_FAILED = -1,
    HL_SECAGG_ADVERTISE_KEYS = 0,
    HL_SECAGG_SHARE_KEYS = 1,
    HL_SECAGG_MASKED_INPUT = 2,
    HL_SECAGG_UNMASKING = 3,
    HL_SECAGG_DONE = 4
} HlSecAggRound;

/* Coordinates [start, start + count) of the vector, in segment order,
 * clipped to [lo, hi] (finite, lo < hi). */
typedef struct HlSecAggSegment {
    int count;
    double lo, hi;
} HlSecAggSegment;

/* ---- fixed point ---------------------------------------------------- */

/* L = floor((2^32 - 1) / n): the top level of a session of n nodes. */
uint32_t hl_secagg_levels(int n);

/* The threshold when none is given: floor(n / 2) + 1, a strict majority,
 * and at least 2 (n >= 2): the sum is recovered while fewer than half of
 * the nodes drop out, and no minority of nodes can rebuild a secret.  The
 * engine passes the `threshold` option instead when it is given. */
int hl_secagg_default_threshold(int n);

/* Checks a layout: nsegs in 1..HL_SECAGG_MAX_SEGMENTS, counts >= 1 that
 * add up to dim (1..HL_SECAGG_MAX_DIM), finite lo < hi.  segs == NULL
 * with nsegs == 0 stands for one segment [-HL_SECAGG_DEFAULT_RANGE,
 * HL_SECAGG_DEFAULT_RANGE] over all dim coordinates, here and below. */
int hl_secagg_check_layout(const HlSecAggSegment *segs, int nsegs, int dim, hl_err *err);

/* Encodes x[0..dim) for a session of n nodes into q[0..dim); *clipped
 * (NULL: not wanted) gets the number of coordinates outside their range.
 * Errors: a bad layout or n, a NaN coordinate (no level stands for it). */
int hl_secagg_encode(const HlSecAggSegment *segs, int nsegs, int n, const double *x, int dim,
                     uint32_t *q, int *clipped, hl_err *err);

/* Decodes the sum of m encoded vectors (1 <= m <= n) into out[0..dim). */
int hl_secagg_decode(const HlSecAggSegment *segs, int nsegs, int n, const uint32_t *sum,
                     int dim, int m, double *out, hl_err *err);

/* The most |decoded sum - sum of the m clipped inputs| can be, for a
 * coordinate of segment seg (NULL: the default range) in a session of n
 * nodes: m (hi - lo) / (2L), plus 8 m (|lo| + |hi|) 2^-52 for the
 * rounding of the double arithmetic in encode and decode. */
double hl_secagg_error_bound(const HlSecAggSegment *seg, int n, int m);

/* The round of a server message (0..3, from its type byte; SETUP is
 * round 0), or -1 when msg is not a server message of this version.  Lets
 * a node hand a message to the right client function. */
int hl_secagg_message_round(const uint8_t *msg, size_t len);

/* ---- server (the coordinator) ----------------------------------------- */

typedef struct HlSecAggConfig {
    int n;                          /* nodes selected, 2..HL_SECAGG_MAX_NODES;
                                       node u is index u, its shares at x = u + 1 */
    int t;                          /* threshold, 2..n; 0: the default */
    int dim;                        /* coordinates of each vector */
    const HlSecAggSegment *segs;    /* layout (copied); NULL: the default range */
    int nsegs;
} HlSecAggConfig;

typedef struct HlSecAggServer HlSecAggServer;

/* A session for one aggregation, in round 0; a fresh random session id.
 * NULL with err filled on a bad config or out of memory. */
HlSecAggServer *hl_secagg_server_new(const HlSecAggConfig *cfg, hl_err *err);
void hl_secagg_server_free(HlSecAggServer *s);

HlSecAggRound hl_secagg_server_round(const HlSecAggServer *s);
int hl_secagg_server_threshold(const HlSecAggServer *s);

/* 1 when node u is in the current round's set (every node in round 0;
 * U1, U2, U3 in rounds 1, 2, 3), else 0. */
int hl_secagg_server_active(const HlSecAggServer *s, int u);

/* The current round's message for node u (malloc'd into *msg, *len
 * bytes; the caller frees).  Error when u is not active. */
int hl_secagg_server_message(HlSecAggServer *s, int u, uint8_t **msg, size_t *len, hl_err *err);

/* Takes node u's reply to the current round's message.  An error (bad
 * message, u not active, u already answered, wrong round) leaves the
 * session as it was: the engine counts u as dropped and goes on. */
int hl_secagg_server_receive(HlSecAggServer *s, int u, const uint8_t *msg, size_t len,
                             hl_err *err);

/* Closes the current round: the nodes that answered go on to the next.
 * Closing round 3 rebuilds the secrets, removes the masks and decodes the
 * sum (most of the server's work).  Fewer than t answers, or shares that
 * do not rebuild the advertised keys, fail the session for good
 * (hl_secagg_server_round() is then HL_SECAGG_FAILED). */
int hl_secagg_server_advance(HlSecAggServer *s, hl_err *err);

/* After round 3 closed: the decoded sum of the included nodes' vectors
 * (dim doubles into sum), included[u] = 1 for the nodes of U3 (n bytes;
 * NULL: not wanted), and their count in *m (NULL: not wanted). */
int hl_secagg_server_result(const HlSecAggServer *s, double *sum, unsigned char *included,
                            int *m, hl_err *err);

/* ---- client (a node) ---------------------------------------------------- */

typedef struct HlSecAggClient HlSecAggClient;

/* A node's side of one session; NULL when out of memory. */
HlSecAggClient *hl_secagg_client_new(void);
void hl_secagg_client_free(HlSecAggClient *c);

/* One function per round: each takes the server's message (msg, len) and
 * puts the reply, malloc'd, in *reply (*rlen bytes).  A call out of order
 * or on a malformed message fails with err filled and leaves the client
 * as it was, so it can still answer a correct message of that round. */

/* Round 0: SETUP -> ADVERTISE (generates the two key pairs). */
int hl_secagg_client_advertise_keys(HlSecAggClient *c, const uint8_t *msg, size_t len,
                                    uint8_t **reply, size_t *rlen, hl_err *err);
/* Round 1: KEYS -> SHARES. */
int hl_secagg_client_share_keys(HlSecAggClient *c, const uint8_t *msg, size_t len,
                                uint8_t **reply, size_t *rlen, hl_err *err);
/* Round 2: CIPHERTEXTS and the node's plain vector x[0..dim) (dim as in
 * SETUP) -> MASKED.  x is encoded as above; it does not leave this call
 * unmasked. */
int hl_secagg_client_masked_input(HlSecAggClient *c, const uint8_t *msg, size_t len,
                                  const double *x, int dim, uint8_t **reply, size_t *rlen,
                                  hl_err *err);
/* Round 3: UNMASK -> REVEAL.  Answers once per session. */
int hl_secagg_client_unmask(HlSecAggClient *c, const uint8_t *msg, size_t len,
                            uint8_t **reply, size_t *rlen, hl_err *err);

#endif
