/*
 * secagg_int.h - what the files of src/secagg/ share and nobody else
 * needs: the message codec (secagg.c) and the cryptographic primitives
 * over OpenSSL (secagg_crypto.c).  The wire format and the constructions
 * are described in secagg.h.
 */
#ifndef HL_SECAGG_INT_H
#define HL_SECAGG_INT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "secagg.h"
#include "shamir.h"

#define HL_SA_KEY 32                    /* X25519 keys, seeds, symmetric keys */
#define HL_SA_SESSION 16
#define HL_SA_HEADER (2 + HL_SA_SESSION)
#define HL_SA_CHUNKS HL_SHAMIR_CHUNKS(HL_SA_KEY)        /* 5 field elements a secret */
#define HL_SA_SHARE (HL_SA_CHUNKS * 8)                  /* one share: 40 bytes */
#define HL_SA_PLAIN (2 * HL_SA_SHARE)                   /* b share, K share */
#define HL_SA_TAG 16
#define HL_SA_SEALED (HL_SA_PLAIN + HL_SA_TAG)
#define HL_SA_PRG_WORDS 4096            /* keystream words made at a time */

enum {
    HL_SA_SETUP = 1,
    HL_SA_ADVERTISE,
    HL_SA_KEYS,
    HL_SA_ACK,
    HL_SA_SHARE_REQ,
    HL_SA_SHARES,
    HL_SA_CIPHERTEXTS,
    HL_SA_MASKED,
    HL_SA_UNMASK,
    HL_SA_REVEAL
};

/* What a REVEAL entry holds: a share of b_v(r) or of K_v(r). */
enum { HL_SA_REVEAL_B = 0, HL_SA_REVEAL_K = 1 };

/* The purposes a key agreement is hashed for (domain separation). */
enum { HL_SA_PURPOSE_SEAL = 'c', HL_SA_PURPOSE_MASK = 's' };

/* "secure aggregation needs at least t=%d surviving nodes, %d left" */
int hl_sa_too_few(hl_err *err, int t, int left);

/* ---- layout (secagg.c) ---------------------------------------------- */

/* A checked copy of a layout (the default one when segs is NULL): *out
 * malloc'd, *nout segments. */
int hl_sa_layout_copy(const HlSecAggSegment *segs, int nsegs, int dim, HlSecAggSegment **out,
                      int *nout, hl_err *err);

/* ---- writer: messages are sized first, then filled ------------------ */

typedef struct HlSaWriter {
    uint8_t *p;
    size_t len, cap;
} HlSaWriter;

/* Allocates cap bytes and writes the header; NULL p when out of memory. */
int hl_sa_w_open(HlSaWriter *w, size_t cap, int type, const uint8_t session[HL_SA_SESSION],
                 hl_err *err);
void hl_sa_w_u8(HlSaWriter *w, uint8_t v);
void hl_sa_w_u32(HlSaWriter *w, uint32_t v);
void hl_sa_w_u64(HlSaWriter *w, uint64_t v);
void hl_sa_w_f64(HlSaWriter *w, double v);
void hl_sa_w_bytes(HlSaWriter *w, const uint8_t *b, size_t n);
/* Reserves n bytes and returns where they go (NULL when they do not fit:
 * close() then reports it). */
uint8_t *hl_sa_w_reserve(HlSaWriter *w, size_t n);
/* Hands the message over (*msg, *len); an error (and nothing handed over)
 * when the message was not filled exactly. */
int hl_sa_w_close(HlSaWriter *w, uint8_t **msg, size_t *len, hl_err *err);

/* ---- reader: every get checks what is left -------------------------- */

typedef struct HlSaReader {
    const uint8_t *p;
    size_t len, off;
    int bad;                    /* a get ran past the end */
    const char *what;           /* "the ShareKeys reply of node 3", for errors */
} HlSaReader;

/* Checks the header: version, type, and the session when session is not
 * NULL. */
int hl_sa_r_open(HlSaReader *r, const uint8_t *msg, size_t len, int type,
                 const uint8_t *session, const char *what, hl_err *err);
uint8_t hl_sa_r_u8(HlSaReader *r);
uint32_t hl_sa_r_u32(HlSaReader *r);
uint64_t hl_sa_r_u64(HlSaReader *r);
double hl_sa_r_f64(HlSaReader *r);
/* A pointer to the next n bytes, or NULL (and bad set) past the end. */
const uint8_t *hl_sa_r_bytes(HlSaReader *r, size_t n);
/* Whether count items of size bytes each fit in what is left. */
int hl_sa_r_fits(const HlSaReader *r, uint64_t count, size_t size);
/* The error for a message that is malformed: "secure aggregation: <what>
 * is malformed: <why>". */
int hl_sa_r_fail(const HlSaReader *r, hl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The end: an error when a get ran past it or bytes trail. */
int hl_sa_r_close(HlSaReader *r, hl_err *err);

/* ---- cryptography (secagg_crypto.c) ---------------------------------- */

/* One party's OpenSSL handles, fetched once.  The cipher contexts are
 * bound to their cipher once (later calls only set key and IV: OpenSSL 3
 * rebuilds the provider context whenever a cipher is passed). */
typedef struct HlSaCrypto {
    EVP_CIPHER *ctr, *gcm;
    EVP_MD *sha256;
    EVP_CIPHER_CTX *prg, *seal, *unseal;
    EVP_MD_CTX *md;
    uint32_t *ks;               /* HL_SA_PRG_WORDS of keystream */
} HlSaCrypto;

int hl_sa_crypto_init(HlSaCrypto *c, hl_err *err);
void hl_sa_crypto_clear(HlSaCrypto *c);

/* A fresh X25519 key pair: *key (EVP_PKEY_free) and its public key. */
int hl_sa_keygen(EVP_PKEY **key, uint8_t pub[HL_SA_KEY], hl_err *err);
int hl_sa_key_private(EVP_PKEY *key, uint8_t priv[HL_SA_KEY], hl_err *err);
/* The key pair of a private key (e.g. rebuilt from shares) and its public
 * key. */
int hl_sa_key_from_private(const uint8_t priv[HL_SA_KEY], EVP_PKEY **key,
                           uint8_t pub[HL_SA_KEY], hl_err *err);

/* Key agreement with one own key and many peers: a derivation context set
 * up once (EVP_PKEY_CTX_free).  Setup only. */
int hl_sa_agree_init(EVP_PKEY *mine, EVP_PKEY_CTX **ctx, hl_err *err);
/* SHA-256(purpose || session || X25519(mine, peer)) into out.  A peer key
 * of small order (an all-zero shared secret) is an error. */
int hl_sa_agree(HlSaCrypto *c, EVP_PKEY_CTX *ctx, const uint8_t peer[HL_SA_KEY], int purpose,
                const uint8_t session[HL_SA_SESSION], uint8_t out[HL_SA_KEY], hl_err *err);

/* The number of X25519 derivations hl_sa_agree() made in this process so
 * far (every thread; atomic): lets the tests check that rounds after the
 * setup make none. */
uint64_t hl_sa_agreements(void);

/* HMAC-SHA256 (RFC 2104) of msg under key (keylen <= 64) into out. */
int hl_sa_hmac(HlSaCrypto *c, const uint8_t *key, size_t keylen, const uint8_t *msg,
               size_t mlen, uint8_t out[HL_SA_KEY], hl_err *err);

/* seed_uv(r) = HMAC-SHA256(s_uv, "helios secagg mask" || session || r as
 * uint64 little-endian). */
int hl_sa_round_seed(HlSaCrypto *c, const uint8_t suv[HL_SA_KEY],
                     const uint8_t session[HL_SA_SESSION], int64_t round,
                     uint8_t out[HL_SA_KEY], hl_err *err);

/* acc[0..dim) += PRG(seed) (sign > 0) or -= (sign < 0), mod 2^32. */
int hl_sa_prg_add(HlSaCrypto *c, const uint8_t seed[HL_SA_KEY], int sign, uint32_t *acc,
                  size_t dim, hl_err *err);

/* AES-256-GCM of the HL_SA_PLAIN bytes (the shares) from node `from` to
 * node `to` in round r under c_uv: nonce (from, r), associated data
 * (version, session, r, from, to); out gets HL_SA_SEALED bytes.  open()
 * fails on a wrong tag (plain is then wiped). */
int hl_sa_seal(HlSaCrypto *c, const uint8_t key[HL_SA_KEY], const uint8_t session[HL_SA_SESSION],
               int64_t round, uint32_t from, uint32_t to, const uint8_t plain[HL_SA_PLAIN],
               uint8_t out[HL_SA_SEALED], hl_err *err);
int hl_sa_open(HlSaCrypto *c, const uint8_t key[HL_SA_KEY], const uint8_t session[HL_SA_SESSION],
               int64_t round, uint32_t from, uint32_t to, const uint8_t sealed[HL_SA_SEALED],
               uint8_t plain[HL_SA_PLAIN], hl_err *err);

/* AES-256-GCM of node u's seeds of round r (len bytes) under its fresh
 * K_u(r): nonce 0 (the key seals once), associated data (version, session,
 * r, u); out gets len + HL_SA_TAG bytes.  open() fails on a wrong tag. */
int hl_sa_seal_seeds(HlSaCrypto *c, const uint8_t key[HL_SA_KEY],
                     const uint8_t session[HL_SA_SESSION], int64_t round, uint32_t u,
                     const uint8_t *plain, size_t len, uint8_t *out, hl_err *err);
int hl_sa_open_seeds(HlSaCrypto *c, const uint8_t key[HL_SA_KEY],
                     const uint8_t session[HL_SA_SESSION], int64_t round, uint32_t u,
                     const uint8_t *sealed, size_t len, uint8_t *plain, hl_err *err);

#endif
