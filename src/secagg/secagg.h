/*
 * secagg.h - secure aggregation: the coordinator learns the sum of the
 * nodes' vectors and nothing else about any one of them, round after round
 * of a training run, for the price of one key agreement per run.
 *
 * The protocol is Bonawitz et al. 2017, "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning" (CCS), Figure 4, in its
 * honest-but-curious form (the ConsistencyCheck round and the signatures
 * of the active-adversary variant are left out), with the key agreement
 * amortized over a training run: the X25519 agreements, 2 n (n - 1) of
 * them and almost all of the paper's cost, are done once per session, and
 * each training round derives fresh pairwise mask seeds from the agreed
 * secrets with a PRF of the round number.  Deriving per-round masks from
 * long-lived pairwise secrets is the idea of the multi-round protocols,
 * e.g. Ma et al. 2023, "Flamingo: Multi-Round Single-Server Secure
 * Aggregation with Applications to Private Federated Learning" (IEEE S&P);
 * the dropout recovery below stays the paper's (t-of-n Shamir shares held
 * by the round's nodes), not Flamingo's decryptor committee.
 *
 * Threat model: the server is honest but curious: it runs the protocol as
 * written (sends every node the same sets, does not claim that a live node
 * dropped, does not forge messages) and tries to learn from all it sees;
 * nodes may drop at any point.  A server that lies about who dropped out
 * could learn an individual vector; that is outside what this module
 * promises, as in the paper's honest-but-curious variant.
 *
 * ---- The session ----------------------------------------------------------
 *
 * A session (one HlSecAggServer, one HlSecAggClient per node) spans a
 * training run of n nodes, node u being index u.  It starts with the key
 * setup, two stages run once:
 *
 *   SETUP_ADVERTISE  server -> u: SETUP (session id, n, u, vector layout);
 *                    u -> server: ADVERTISE (c_pk, s_pk: two fresh X25519
 *                    public keys).
 *   SETUP_KEYS       server -> u: KEYS (the keys of every node that
 *                    advertised); u derives, for every other v,
 *                      c_uv = SHA-256('c' || sid || X25519(c_sk_u, c_pk_v))
 *                      s_uv = SHA-256('s' || sid || X25519(s_sk_u, s_pk_v))
 *                    keeps them for the run and wipes both private keys;
 *                    u -> server: ACK.  The nodes that acknowledge are the
 *                    session's members; any other node (dropped during
 *                    setup) counts as dropped in every later round.
 *
 * Then every training round r (an int64 that increases from round to
 * round), for the members U_r the server selects, threshold t (the
 * config's, or max(2, floor(|U_r| / 2) + 1)):
 *
 *   SHARE         server -> u: SHARE (r, t, U_r);  u draws two fresh
 *                 32-byte secrets, the self-mask seed b_u(r) and the key
 *                 K_u(r), shares both t-of-|U_r| (Shamir, x = v + 1 for v in
 *                 U_r), seals v's shares with AES-256-GCM under c_uv (nonce
 *                 (u, r), the session and r in the associated data), and
 *                 seals its round's pairwise seeds (below) for every v in
 *                 U_r \ {u} under K_u(r);  u -> server: SHARES.
 *                                                  U2 = the nodes that answered
 *   MASKED_INPUT  server -> u: CIPHERTEXTS (r, the shares sealed for u by U2);
 *                 u -> server: MASKED (r, y_u), mod 2^32,
 *                   y_u = enc(x_u) + PRG(b_u(r)) + sum_{v in U2, v > u}
 *                         PRG(seed_uv(r)) - sum_{v in U2, v < u} PRG(seed_uv(r)),
 *                   seed_uv(r) = HMAC-SHA256(s_uv, "helios secagg mask" ||
 *                                            sid || r)    (= seed_vu(r)).
 *                                                  U3 = S_r = the nodes that answered
 *   UNMASKING     server -> u: UNMASK (r, S_r);  u -> server: REVEAL: for each
 *                 v in U2, its share of b_v(r) when v is in S_r, else its
 *                 share of K_v(r); never both for one v, and once per round
 *                 (the round's secrets are wiped when the reply is made).
 *
 * With t REVEALs the server rebuilds b_v(r) for v in S_r and removes the
 * self masks; for each v that dropped after SHARE it rebuilds K_v(r),
 * opens v's sealed seeds (the GCM tag checks the rebuilt key) and removes
 * the pairwise masks between v and the survivors, as v would have added
 * them; the pairwise masks between survivors cancel; it decodes
 * sum_{u in S_r} x_u.  Every stage of a round needs t of the round's nodes
 * (U_r, U2, S_r and the REVEALs), or the round fails with "secure
 * aggregation needs at least t=%d surviving nodes, %d left"; the session
 * goes on with the next round.  It is over when fewer than 2 members hold
 * keys.
 *
 * ---- Why a round is as safe as a session of the paper -----------------------
 *
 * What the server learns in round r beyond the masked vectors: b_v(r) for
 * the survivors and seed_vw(r) (all w of U_r) for the nodes v that dropped
 * after SHARE, exactly what the paper's server learns in one session (b_v
 * of survivors; s_sk_v, hence every pairwise seed of v, of the dropped).
 * The paper's argument then carries over round by round, given three facts:
 *   - seeds of different rounds are independent: seed_uv(r) is a PRF
 *     (HMAC-SHA256 keyed with s_uv) of r, so seeds revealed in some rounds
 *     say nothing about the seeds or masks of any other round, and a mask
 *     never repeats (rounds strictly increase, and a node shares once per
 *     round);
 *   - the long-term secrets are never revealed: the private keys are wiped
 *     at the end of setup, and c_uv, s_uv never leave the nodes (each round
 *     shares only its fresh b_u(r), K_u(r)); the sealing key c_uv is used
 *     once per direction per round (nonce (sender, r));
 *   - a node whose seeds were revealed (it dropped, or the server counts it
 *     as dropped) keeps its self mask: honest nodes give b-shares only for
 *     the nodes the UNMASK names as survivors and K-shares only for the
 *     others, never both, so a server colluding with fewer than t nodes
 *     never holds t shares of both secrets of one node in one round.  A
 *     dropped node's y_u (had it arrived) stays hidden by PRG(b_u(r)); a
 *     survivor's, once PRG(b_u(r)) is removed, by its pairwise masks with
 *     the other honest survivors, which cancel only in the sum.
 * So per round the server (with fewer than t colluding nodes) learns the
 * sum of the survivors' inputs and nothing else, as in the paper.
 *
 * Cost of a round (no X25519 after the setup): per node, |U_r| - 1 HMACs,
 * GCM seals and opens, one Shamir sharing of 10 field elements at |U_r|
 * points, and |U2| + 1 mask generations of dim words; the server removes
 * |S_r| self masks and |S_r| masks per dropped node.  The mask generation,
 * O(n^2 dim) over all nodes, dominates for large vectors; the neighbourhood
 * graph of Bell et al. 2020, "Secure Single-Server Aggregation with
 * (Poly)Logarithmic Overhead" (CCS), would cut it (not done).  Figures:
 * bench/secagg.c.
 *
 * Differences from the paper, all consequences of the amortization:
 *   1. Key agreement once per run, not per aggregation: the pairwise
 *      secrets c_uv, s_uv live in the nodes' memory for the run (a node
 *      compromised mid-run exposes its own pairs for the run, where the
 *      paper would expose one session).
 *   2. Dropout recovery shares a per-round key K_u(r) that seals u's seeds
 *      of round r, where the paper shares the secret key s_sk_u itself (one
 *      session = one round there).  Revealing K_v(r) reveals v's seeds of
 *      round r only.  (Having each survivor reveal seed_uv(r) directly
 *      would work only when every survivor answers UNMASKING: the seed a
 *      survivor w shares with a dropped v is known to w and v alone.
 *      Sharing K_v(r) keeps the paper's rule that any t answers suffice.)
 *   3. The selection U_r and the threshold are per round; the Shamir shares
 *      are t-of-|U_r| among U_r.
 *
 * Cryptography (OpenSSL 3, EVP): X25519 (setup only); SHA-256; HMAC-SHA256
 * (RFC 2104); PRG(seed) = the AES-256-CTR keystream under key seed from a
 * zero 128-bit counter block, read as little-endian uint32 words;
 * AES-256-GCM; Shamir shares over GF(2^61 - 1) (shamir.h); randomness from
 * RAND_bytes.
 *
 * What the server API sees: messages only.  No function of the server
 * takes a node's plain vector, and a masked vector is added to the running
 * sum as it arrives, never kept.
 *
 * Messages are byte strings: a version byte (HL_SECAGG_VERSION), a type
 * byte, the 16-byte session id, then the type's fields, integers as
 * little-endian uint32 / uint64 (r as uint64), doubles as their IEEE-754
 * bits in a uint64, every count explicit:
 *
 *   1 SETUP       n, index, dim, nsegs, nsegs x (count, lo, hi)
 *   2 ADVERTISE   index, c_pk[32], s_pk[32]
 *   3 KEYS        m, m x (index, c_pk[32], s_pk[32])     indexes ascending
 *   4 ACK         index, m (the keys it derived from)
 *   5 SHARE       r, t, m, m x index                      U_r, ascending
 *   6 SHARES      index, r, m, m x (to, sealed[96]), seeds[32 m + 16]
 *                 (sealed: b share || K share, 2 x 5 x uint64, and the tag;
 *                 seeds: seed_uv(r) for the m nodes 'to', in that order,
 *                 and the tag)
 *   7 CIPHERTEXTS r, m, m x (from, sealed[96])            'from' ascending
 *   8 MASKED      index, r, dim, dim x uint32
 *   9 UNMASK      r, m, m x index                         S_r, ascending
 *  10 REVEAL      index, r, m, m x (v, kind (0 b, 1 K), 5 x uint64)
 *
 * Every parser checks the version, type, session, round, each length
 * against what is left and against the round's sets, and that nothing
 * trails; a malformed message, or one of another session or round (a
 * replay), is an error, never a crash, and leaves the receiver's state as
 * it was.
 *
 * Fixed-point encoding (Bonawitz et al. sum in Z_{2^32}): coordinate j of
 * segment [lo, hi] is clipped to [lo, hi] and mapped to the nearest of
 * L + 1 levels, q = round((x - lo) * L / (hi - lo)) in 0..L with
 * L = floor((2^32 - 1) / n), n the session's node count (HlSecAggConfig.n,
 * not the round's |U_r|: the levels must be fixed before anyone knows how
 * many vectors a round will sum, and no round sums more than the n nodes
 * of its session).  A sum of at most n such words is at most n L <=
 * 2^32 - 1: it never wraps, so the masks'
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
 * Thread safety: no global state but a counter of X25519 agreements (for
 * tests, atomic).  A client is used by one thread at a time.  A server:
 * hl_secagg_server_message() and hl_secagg_server_receive() may be called
 * at the same stage from any number of threads at once, for different or
 * even the same nodes (message() only reads what earlier stages froze;
 * receive() parses without a lock and commits under the server's mutex;
 * the masked vectors are added to the running sum under it), and so may
 * hl_secagg_server_round(), _threshold() and _active().  Everything else
 * (new, free, begin, advance, result) needs the server to itself: no
 * message() or receive() may run during it.  Different objects may run in
 * parallel.  Everything a function returns in *reply or *msg is malloc'd
 * and freed by the caller with free(); the destructors accept NULL and
 * wipe the secrets.
 */
#ifndef HL_SECAGG_H
#define HL_SECAGG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HL_SECAGG_VERSION 2
#define HL_SECAGG_MIN_NODES 2
/* Memory is quadratic in the nodes: during a round the server keeps every
 * sealed share until MASKED_INPUT is sent (|U_r|^2 * 96 bytes: 1 MB at 100
 * nodes, 1.6 GB at the limit), every node's sealed seeds (|U_r|^2 * 32
 * bytes) and t revealed shares of every node (t * n * 40 bytes); a node
 * keeps 64 bytes per other node for the run and 160 during a round. */
#define HL_SECAGG_MAX_NODES 4096
#define HL_SECAGG_MAX_DIM (1 << 27)
#define HL_SECAGG_MAX_SEGMENTS 1024
#define HL_SECAGG_DEFAULT_RANGE 8.0

/* The stages, in order; what hl_secagg_server_round() returns.  The two
 * SETUP stages run once per session (before its first round); SHARE ..
 * UNMASKING once per round.  FAILED: the round failed (or none was begun);
 * DONE: the round's result is ready. */
typedef enum HlSecAggRound {
    HL_SECAGG_FAILED = -1,
    HL_SECAGG_SETUP_ADVERTISE = 0,
    HL_SECAGG_SETUP_KEYS,
    HL_SECAGG_SHARE,
    HL_SECAGG_MASKED_INPUT,
    HL_SECAGG_UNMASKING,
    HL_SECAGG_DONE
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

/* The threshold of a round of n selected nodes when the config gives none:
 * max(2, floor(n / 2) + 1), a strict majority: the sum is recovered while
 * fewer than half of the round's nodes drop out, and no minority of them
 * can rebuild a secret.  The engine passes the `threshold` option instead
 * when it is given. */
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

/* The stage of a server message (HL_SECAGG_SETUP_ADVERTISE ..
 * HL_SECAGG_UNMASKING, from its type byte), or -1 when msg is not a server
 * message of this version.  A node that sees HL_SECAGG_SETUP_ADVERTISE
 * knows a new session (a new training run) starts. */
int hl_secagg_message_round(const uint8_t *msg, size_t len);

/* ---- server (the coordinator) ----------------------------------------- */

typedef struct HlSecAggConfig {
    int n;                          /* nodes of the run, 2..HL_SECAGG_MAX_NODES;
                                       node u is index u, its shares at x = u + 1 */
    int t;                          /* threshold, 2..n; 0: per round, max(2,
                                       floor(|U_r| / 2) + 1) */
    int dim;                        /* coordinates of each vector */
    const HlSecAggSegment *segs;    /* layout (copied); NULL: the default range */
    int nsegs;
} HlSecAggConfig;

typedef struct HlSecAggServer HlSecAggServer;

/* A session for one training run, no round begun (hl_secagg_server_round()
 * says HL_SECAGG_FAILED until the first begin); a fresh random session id.
 * NULL with err filled on a bad config or out of memory. */
HlSecAggServer *hl_secagg_server_new(const HlSecAggConfig *cfg, hl_err *err);
void hl_secagg_server_free(HlSecAggServer *s);

/* Starts training round `round` (any int64, greater than every round begun
 * before) for the nodes with selected[u] != 0 (n flags); the members among
 * them are the round's U_r.  The first call runs the setup stages first:
 * hl_secagg_server_round() then says SETUP_ADVERTISE (every node takes
 * part), and the round's SHARE follows the setup.  A call abandons a round
 * still running.  Errors (the round fails, hl_secagg_server_round() says
 * HL_SECAGG_FAILED, the session stays usable): a round that does not
 * increase, fewer than 2 selected members, a config t above their count, a
 * session over (fewer than 2 members). */
int hl_secagg_server_begin(HlSecAggServer *s, int64_t round, const unsigned char *selected,
                           hl_err *err);

HlSecAggRound hl_secagg_server_round(const HlSecAggServer *s);

/* The current round's threshold (during setup: from the selection). */
int hl_secagg_server_threshold(const HlSecAggServer *s);

/* 1 when node u gets a message at this stage (SETUP_ADVERTISE: every node;
 * SETUP_KEYS: the nodes that advertised; SHARE: U_r; MASKED_INPUT: U2;
 * UNMASKING: S_r), else 0. */
int hl_secagg_server_active(const HlSecAggServer *s, int u);

/* The current stage's message for node u (malloc'd into *msg, *len bytes;
 * the caller frees).  Error when u is not active. */
int hl_secagg_server_message(HlSecAggServer *s, int u, uint8_t **msg, size_t *len, hl_err *err);

/* Takes node u's reply to the current stage's message.  An error (bad
 * message, another round's, u not active, u already answered) leaves the
 * session as it was: the engine counts u as dropped and goes on. */
int hl_secagg_server_receive(HlSecAggServer *s, int u, const uint8_t *msg, size_t len,
                             hl_err *err);

/* Closes the current stage: the nodes that answered go on to the next.
 * Closing UNMASKING rebuilds the round's secrets, removes the masks and
 * decodes the sum (most of the server's work in a round).  Fewer than t
 * answers, or shares that do not rebuild (a node revealed a wrong share),
 * fail the round (HL_SECAGG_FAILED; the next begin() starts the next one);
 * fewer than 2 members after setup ends the session. */
int hl_secagg_server_advance(HlSecAggServer *s, hl_err *err);

/* After UNMASKING closed (HL_SECAGG_DONE): the decoded sum of the included
 * nodes' vectors (dim doubles into sum; NULL: not wanted), included[u] = 1
 * for the nodes of S_r (n bytes; NULL: not wanted), their count in *m
 * (NULL: not wanted). */
int hl_secagg_server_result(const HlSecAggServer *s, double *sum, unsigned char *included,
                            int *m, hl_err *err);

/* ---- client (a node) ---------------------------------------------------- */

typedef struct HlSecAggClient HlSecAggClient;

/* A node's side of one session (a training run); NULL when out of memory. */
HlSecAggClient *hl_secagg_client_new(void);
void hl_secagg_client_free(HlSecAggClient *c);

/* Answers one server message of any stage (msg, len), the reply malloc'd
 * in *reply (*rlen bytes).  x (dim values, dim as in SETUP) is read only at
 * MASKED_INPUT (NULL is fine otherwise): it is encoded as above and does
 * not leave this call unmasked.  A message out of order (e.g. an UNMASK
 * before the round's CIPHERTEXTS), of another session, of a round already
 * shared (a replay), or malformed fails with err filled and leaves the
 * client as it was.  A SHARE of a later round is always taken: the node
 * drops whatever is left of the previous round.  A SETUP of another
 * session resets the client to that session. */
int hl_secagg_client_handle(HlSecAggClient *c, const uint8_t *msg, size_t len, const double *x,
                            int dim, uint8_t **reply, size_t *rlen, hl_err *err);

#endif
