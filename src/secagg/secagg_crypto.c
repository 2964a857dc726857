/*
 * secagg_crypto.c - the cryptographic primitives of secure aggregation
 * over OpenSSL 3 (see secagg.h for the constructions): X25519 with SHA-256
 * key derivation (setup), HMAC-SHA256 for the per-round seeds, the
 * AES-256-CTR mask generator, AES-256-GCM sealing.
 */
#include "helios.h"
#include "secagg_int.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

/* The mask generator encrypts zeros: a read-only block of them. */
static const unsigned char zeros[HL_SA_PRG_WORDS * 4];

/* X25519 derivations made so far (hl_sa_agreements()). */
static _Atomic uint64_t agreements;

uint64_t hl_sa_agreements(void)
{
    return agreements;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int hl_sa_crypto_init(HlSaCrypto *c, hl_err *err)
{
    memset(c, 0, sizeof *c);
    c->ctr = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL);
    c->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    c->prg = EVP_CIPHER_CTX_new();
    c->seal = EVP_CIPHER_CTX_new();
    c->unseal = EVP_CIPHER_CTX_new();
    c->md = EVP_MD_CTX_new();
    c->ks = malloc(HL_SA_PRG_WORDS * sizeof *c->ks);
    if (c->ctr && c->gcm && c->sha256 && c->prg && c->seal && c->unseal && c->md && c->ks &&
        EVP_EncryptInit_ex2(c->prg, c->ctr, NULL, NULL, NULL) == 1 &&
        EVP_EncryptInit_ex2(c->seal, c->gcm, NULL, NULL, NULL) == 1 &&
        EVP_DecryptInit_ex2(c->unseal, c->gcm, NULL, NULL, NULL) == 1)
        return HELIOS_OK;
    hl_sa_crypto_clear(c);
    return hl_err_set(err, HELIOS_ERROR, -1,
                      "secure aggregation: OpenSSL has no AES-256-CTR, AES-256-GCM or SHA-256 "
                      "here (or out of memory)");
}

void hl_sa_crypto_clear(HlSaCrypto *c)
{
    EVP_CIPHER_free(c->ctr);
    EVP_CIPHER_free(c->gcm);
    EVP_MD_free(c->sha256);
    EVP_CIPHER_CTX_free(c->prg);
    EVP_CIPHER_CTX_free(c->seal);
    EVP_CIPHER_CTX_free(c->unseal);
    EVP_MD_CTX_free(c->md);
    if (c->ks)
        OPENSSL_cleanse(c->ks, HL_SA_PRG_WORDS * sizeof *c->ks);
    free(c->ks);
    memset(c, 0, sizeof *c);
}

static int openssl_failed(hl_err *err, const char *what)
{
    return hl_err_set(err, HELIOS_ERROR, -1, "secure aggregation: OpenSSL %s failed", what);
}

int hl_sa_keygen(EVP_PKEY **key, uint8_t pub[HL_SA_KEY], hl_err *err)
{
    size_t len = HL_SA_KEY;
    *key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (!*key || EVP_PKEY_get_raw_public_key(*key, pub, &len) != 1 || len != HL_SA_KEY) {
        EVP_PKEY_free(*key);
        *key = NULL;
        return openssl_failed(err, "X25519 key generation");
    }
    return HELIOS_OK;
}

int hl_sa_key_private(EVP_PKEY *key, uint8_t priv[HL_SA_KEY], hl_err *err)
{
    size_t len = HL_SA_KEY;
    if (EVP_PKEY_get_raw_private_key(key, priv, &len) != 1 || len != HL_SA_KEY)
        return openssl_failed(err, "X25519 private key export");
    return HELIOS_OK;
}

int hl_sa_key_from_private(const uint8_t priv[HL_SA_KEY], EVP_PKEY **key,
                           uint8_t pub[HL_SA_KEY], hl_err *err)
{
    size_t len = HL_SA_KEY;
    *key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, HL_SA_KEY);
    if (!*key || EVP_PKEY_get_raw_public_key(*key, pub, &len) != 1 || len != HL_SA_KEY) {
        EVP_PKEY_free(*key);
        *key = NULL;
        return openssl_failed(err, "X25519 private key import");
    }
    return HELIOS_OK;
}

int hl_sa_agree_init(EVP_PKEY *mine, EVP_PKEY_CTX **ctx, hl_err *err)
{
    *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
    if (!*ctx || EVP_PKEY_derive_init(*ctx) != 1) {
        EVP_PKEY_CTX_free(*ctx);
        *ctx = NULL;
        return openssl_failed(err, "X25519 derivation setup");
    }
    return HELIOS_OK;
}

int hl_sa_agree(HlSaCrypto *c, EVP_PKEY_CTX *ctx, const uint8_t peer[HL_SA_KEY], int purpose,
                const uint8_t session[HL_SA_SESSION], uint8_t out[HL_SA_KEY], hl_err *err)
{
    uint8_t buf[1 + HL_SA_SESSION + HL_SA_KEY];
    size_t len = HL_SA_KEY;
    unsigned int mdlen = 0;
    int ok = 0;
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, HL_SA_KEY);
    /* OpenSSL's X25519 fails on an all-zero shared secret (RFC 7748,
     * section 6.1: a small-order peer key), so a peer cannot force a known
     * mask seed. */
    agreements++;
    if (pk && EVP_PKEY_derive_set_peer(ctx, pk) == 1 &&
        EVP_PKEY_derive(ctx, buf + 1 + HL_SA_SESSION, &len) == 1 && len == HL_SA_KEY) {
        buf[0] = (uint8_t)purpose;
        memcpy(buf + 1, session, HL_SA_SESSION);
        ok = EVP_Digest(buf, sizeof buf, out, &mdlen, c->sha256, NULL) == 1 &&
             mdlen == HL_SA_KEY;
    }
    EVP_PKEY_free(pk);
    OPENSSL_cleanse(buf, sizeof buf);
    if (!ok)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: X25519 key agreement failed (a malformed or "
                          "small-order public key)");
    return HELIOS_OK;
}

int hl_sa_hmac(HlSaCrypto *c, const uint8_t *key, size_t keylen, const uint8_t *msg,
               size_t mlen, uint8_t out[HL_SA_KEY], hl_err *err)
{
    /* RFC 2104: H((K ^ opad) || H((K ^ ipad) || msg)), K zero-padded to the
     * 64-byte block of SHA-256 (keys here are at most 64 bytes). */
    uint8_t pad[64], inner[HL_SA_KEY];
    unsigned int l1 = 0, l2 = 0;
    if (keylen > sizeof pad)
        return hl_err_set(err, HELIOS_MISUSE, -1, "secure aggregation: an HMAC key of %zu bytes",
                          keylen);
    EVP_MD_CTX *md = c->md;
    int ok = 1;
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < keylen; i++)
        pad[i] ^= key[i];
    ok = ok && EVP_DigestInit_ex2(md, c->sha256, NULL) == 1 &&
         EVP_DigestUpdate(md, pad, sizeof pad) == 1 && EVP_DigestUpdate(md, msg, mlen) == 1 &&
         EVP_DigestFinal_ex(md, inner, &l1) == 1 && l1 == HL_SA_KEY;
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] ^= 0x36 ^ 0x5c;
    ok = ok && EVP_DigestInit_ex2(md, c->sha256, NULL) == 1 &&
         EVP_DigestUpdate(md, pad, sizeof pad) == 1 &&
         EVP_DigestUpdate(md, inner, sizeof inner) == 1 &&
         EVP_DigestFinal_ex(md, out, &l2) == 1 && l2 == HL_SA_KEY;
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
    return ok ? HELIOS_OK : openssl_failed(err, "HMAC-SHA256");
}

int hl_sa_round_seed(HlSaCrypto *c, const uint8_t suv[HL_SA_KEY],
                     const uint8_t session[HL_SA_SESSION], int64_t round,
                     uint8_t out[HL_SA_KEY], hl_err *err)
{
    static const char label[] = "helios secagg mask";
    uint8_t msg[sizeof label - 1 + HL_SA_SESSION + 8];
    memcpy(msg, label, sizeof label - 1);
    memcpy(msg + sizeof label - 1, session, HL_SA_SESSION);
    put_u64(msg + sizeof label - 1 + HL_SA_SESSION, (uint64_t)round);
    return hl_sa_hmac(c, suv, HL_SA_KEY, msg, sizeof msg, out, err);
}

int hl_sa_prg_add(HlSaCrypto *c, const uint8_t seed[HL_SA_KEY], int sign, uint32_t *acc,
                  size_t dim, hl_err *err)
{
    static const unsigned char iv[16];
    if (EVP_EncryptInit_ex2(c->prg, NULL, seed, iv, NULL) != 1)
        return openssl_failed(err, "AES-256-CTR setup");
    for (size_t off = 0; off < dim; off += HL_SA_PRG_WORDS) {
        size_t w = dim - off < HL_SA_PRG_WORDS ? dim - off : HL_SA_PRG_WORDS;
        int outl = 0;
        uint32_t *ks = c->ks, *a = acc + off;
        if (EVP_EncryptUpdate(c->prg, (unsigned char *)ks, &outl, zeros, (int)(w * 4)) != 1 ||
            (size_t)outl != w * 4)
            return openssl_failed(err, "AES-256-CTR");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        for (size_t i = 0; i < w; i++)
            ks[i] = __builtin_bswap32(ks[i]);
#endif
        if (sign > 0)
            for (size_t i = 0; i < w; i++)
                a[i] += ks[i];
        else
            for (size_t i = 0; i < w; i++)
                a[i] -= ks[i];
    }
    return HELIOS_OK;
}

/* One AES-256-GCM operation on len bytes with a 12-byte nonce and the
 * associated data; enc: seal (tag to tag), else open (tag checked). */
static int gcm(HlSaCrypto *c, int enc, const uint8_t key[HL_SA_KEY], const uint8_t iv[12],
               const uint8_t *aad, size_t alen, const uint8_t *in, size_t len, uint8_t *out,
               uint8_t tag[HL_SA_TAG])
{
    int l1 = 0, l2 = 0, l3 = 0;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, HL_SA_TAG),
        OSSL_PARAM_construct_end()
    };
    if (len > INT32_MAX / 2)
        return 0;
    if (enc)
        return EVP_EncryptInit_ex2(c->seal, NULL, key, iv, NULL) == 1 &&
               EVP_EncryptUpdate(c->seal, NULL, &l1, aad, (int)alen) == 1 &&
               EVP_EncryptUpdate(c->seal, out, &l2, in, (int)len) == 1 &&
               EVP_EncryptFinal_ex(c->seal, out + l2, &l3) == 1 && (size_t)(l2 + l3) == len &&
               EVP_CIPHER_CTX_get_params(c->seal, params) == 1;
    return EVP_DecryptInit_ex2(c->unseal, NULL, key, iv, NULL) == 1 &&
           EVP_DecryptUpdate(c->unseal, NULL, &l1, aad, (int)alen) == 1 &&
           EVP_DecryptUpdate(c->unseal, out, &l2, in, (int)len) == 1 &&
           EVP_CIPHER_CTX_set_params(c->unseal, params) == 1 &&
           EVP_DecryptFinal_ex(c->unseal, out + l2, &l3) == 1 && (size_t)(l2 + l3) == len;
}

/* The associated data: version, session, round, then from and to (shares)
 * or the sealing node (seeds). */
enum { AAD_MAX = 1 + HL_SA_SESSION + 8 + 8 };

static size_t make_aad(uint8_t aad[AAD_MAX], const uint8_t session[HL_SA_SESSION], int64_t round,
                       const uint32_t *ids, int nids)
{
    aad[0] = HL_SECAGG_VERSION;
    memcpy(aad + 1, session, HL_SA_SESSION);
    put_u64(aad + 1 + HL_SA_SESSION, (uint64_t)round);
    size_t len = 1 + HL_SA_SESSION + 8;
    for (int k = 0; k < nids; k++, len += 4)
        for (int i = 0; i < 4; i++)
            aad[len + (size_t)i] = (uint8_t)(ids[k] >> (8 * i));
    return len;
}

/* Shares: the key c_uv serves both directions in every round; the nonce
 * (sender, round) is then unique per key, since a node seals once per
 * round and rounds strictly increase (the client refuses any other). */
static void shares_iv(uint8_t iv[12], uint32_t from, int64_t round)
{
    for (int i = 0; i < 4; i++)
        iv[i] = (uint8_t)(from >> (8 * i));
    put_u64(iv + 4, (uint64_t)round);
}

int hl_sa_seal(HlSaCrypto *c, const uint8_t key[HL_SA_KEY], const uint8_t session[HL_SA_SESSION],
               int64_t round, uint32_t from, uint32_t to, const uint8_t plain[HL_SA_PLAIN],
               uint8_t out[HL_SA_SEALED], hl_err *err)
{
    uint8_t iv[12], aad[AAD_MAX];
    const uint32_t ids[2] = { from, to };
    shares_iv(iv, from, round);
    size_t alen = make_aad(aad, session, round, ids, 2);
    if (!gcm(c, 1, key, iv, aad, alen, plain, HL_SA_PLAIN, out, out + HL_SA_PLAIN))
        return openssl_failed(err, "AES-256-GCM encryption");
    return HELIOS_OK;
}

int hl_sa_open(HlSaCrypto *c, const uint8_t key[HL_SA_KEY], const uint8_t session[HL_SA_SESSION],
               int64_t round, uint32_t from, uint32_t to, const uint8_t sealed[HL_SA_SEALED],
               uint8_t plain[HL_SA_PLAIN], hl_err *err)
{
    uint8_t iv[12], aad[AAD_MAX], tag[HL_SA_TAG];
    const uint32_t ids[2] = { from, to };
    shares_iv(iv, from, round);
    size_t alen = make_aad(aad, session, round, ids, 2);
    memcpy(tag, sealed + HL_SA_PLAIN, HL_SA_TAG);
    if (!gcm(c, 0, key, iv, aad, alen, sealed, HL_SA_PLAIN, plain, tag)) {
        OPENSSL_cleanse(plain, HL_SA_PLAIN);
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: the shares node %u sealed for node %u do not "
                          "authenticate (tampered with, or sealed under another key or round)",
                          (unsigned)from, (unsigned)to);
    }
    return HELIOS_OK;
}

int hl_sa_seal_seeds(HlSaCrypto *c, const uint8_t key[HL_SA_KEY],
                     const uint8_t session[HL_SA_SESSION], int64_t round, uint32_t u,
                     const uint8_t *plain, size_t len, uint8_t *out, hl_err *err)
{
    static const uint8_t iv[12];        /* K_u(r) is fresh: it seals once */
    uint8_t aad[AAD_MAX];
    size_t alen = make_aad(aad, session, round, &u, 1);
    if (!gcm(c, 1, key, iv, aad, alen, plain, len, out, out + len))
        return openssl_failed(err, "AES-256-GCM encryption");
    return HELIOS_OK;
}

int hl_sa_open_seeds(HlSaCrypto *c, const uint8_t key[HL_SA_KEY],
                     const uint8_t session[HL_SA_SESSION], int64_t round, uint32_t u,
                     const uint8_t *sealed, size_t len, uint8_t *plain, hl_err *err)
{
    static const uint8_t iv[12];
    uint8_t aad[AAD_MAX], tag[HL_SA_TAG];
    size_t alen = make_aad(aad, session, round, &u, 1);
    memcpy(tag, sealed + len, HL_SA_TAG);
    if (!gcm(c, 0, key, iv, aad, alen, sealed, len, plain, tag)) {
        OPENSSL_cleanse(plain, len);
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: the seeds of node %u do not open with the key "
                          "rebuilt from the revealed shares (a node revealed a wrong share)",
                          (unsigned)u);
    }
    return HELIOS_OK;
}
