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
#define HL_SA_PLAIN (2 * HL_SA_CHUNKS * 8)              /* s_sk share, b share */
#define HL_SA_TAG 16
#define HL_SA_SEALED (HL_SA_PLAIN + HL_SA_TAG)
#define HL_SA_PRG_WORDS 4096            /* keystream words made at a time */

enum {
    HL_SA_SETUP = 1,
    HL_SA_ADVERTISE,
    HL_SA_KEYS,
    HL_SA_SHARES,
    HL_SA_CIPHERTEXTS,
    HL_SA_MASKED,
    HL_SA_UNMASK,
    HL_SA_REVEAL
};

enum { HL_SA_REVEAL_B = 0, HL_SA_REVEAL_S = 1 };

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

/* One party's OpenSSL handles, fetched once. */
typedef struct HlSaCrypto {
    EVP_CIPHER *ctr, *gcm;
    EVP_MD *sha256;
    EVP_CIPHER_CTX *prg, *aead;
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
 * up once (EVP_PKEY_CTX_free). */
int hl_sa_agree_init(EVP_PKEY *mine, EVP_PKEY_CTX **ctx, hl_err *err);
/* SHA-256(purpose || session || X25519(mine, peer)) into out.  A peer key
 * of small order (an all-zero shared secret) is an error. */
int hl_sa_agree(HlSaCrypto *c, EVP_PKEY_CTX *ctx, const uint8_t peer[HL_SA_KEY], int purpose,
                const uint8_t session[HL_SA_SESSION], uint8_t out[HL_SA_KEY], hl_err *err);

/* acc[0..dim) += PRG(seed) (sign > 0) or -= (sign < 0), mod 2^32. */
int hl_sa_prg_add(HlSaCrypto *c, const uint8_t seed[HL_SA_KEY], int sign, uint32_t *acc,
                  size_t dim, hl_err *err);

/* AES-256-GCM of the HL_SA_PLAIN bytes from node `from` to node `to`;
 * out gets HL_SA_SEALED bytes.  open() fails on a wrong tag (plain is
 * then wiped). */
int hl_sa_seal(HlSaCrypto *c, const uint8_t key[HL_SA_KEY], const uint8_t session[HL_SA_SESSION],
               uint32_t from, uint32_t to, const uint8_t plain[HL_SA_PLAIN],
               uint8_t out[HL_SA_SEALED], hl_err *err);
int hl_sa_open(HlSaCrypto *c, const uint8_t key[HL_SA_KEY], const uint8_t session[HL_SA_SESSION],
               uint32_t from, uint32_t to, const uint8_t sealed[HL_SA_SEALED],
               uint8_t plain[HL_SA_PLAIN], hl_err *err);

#endif
