/*
 * secagg_crypto.c - the cryptographic primitives of secure aggregation
 * over OpenSSL 3 (see secagg.h for the constructions): X25519 with SHA-256
 * key derivation, the AES-256-CTR mask generator, AES-256-GCM sealing.
 */
#include "helios.h"
#include "secagg_int.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* The mask generator encrypts zeros: a read-only block of them. */
static const unsigned char zeros[HL_SA_PRG_WORDS * 4];

int hl_sa_crypto_init(HlSaCrypto *c, hl_err *err)
{
    memset(c, 0, sizeof *c);
    c->ctr = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL);
    c->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    c->prg = EVP_CIPHER_CTX_new();
    c->aead = EVP_CIPHER_CTX_new();
    c->ks = malloc(HL_SA_PRG_WORDS * sizeof *c->ks);
    if (c->ctr && c->gcm && c->sha256 && c->prg && c->aead && c->ks)
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
    EVP_CIPHER_CTX_free(c->aead);
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

int hl_sa_prg_add(HlSaCrypto *c, const uint8_t seed[HL_SA_KEY], int sign, uint32_t *acc,
                  size_t dim, hl_err *err)
{
    static const unsigned char iv[16];
    if (EVP_EncryptInit_ex2(c->prg, c->ctr, seed, iv, NULL) != 1)
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

/* The nonce (from, to, 0) and the associated data (version, session,
 * from, to) of a sealed share. */
static void seal_params(const uint8_t session[HL_SA_SESSION], uint32_t from, uint32_t to,
                        uint8_t iv[12], uint8_t aad[1 + HL_SA_SESSION + 8])
{
    for (int i = 0; i < 4; i++) {
        iv[i] = (uint8_t)(from >> (8 * i));
        iv[4 + i] = (uint8_t)(to >> (8 * i));
        iv[8 + i] = 0;
    }
    aad[0] = HL_SECAGG_VERSION;
    memcpy(aad + 1, session, HL_SA_SESSION);
    memcpy(aad + 1 + HL_SA_SESSION, iv, 8);
}

int hl_sa_seal(HlSaCrypto *c, const uint8_t key[HL_SA_KEY], const uint8_t session[HL_SA_SESSION],
               uint32_t from, uint32_t to, const uint8_t plain[HL_SA_PLAIN],
               uint8_t out[HL_SA_SEALED], hl_err *err)
{
    uint8_t iv[12], aad[1 + HL_SA_SESSION + 8];
    int l1 = 0, l2 = 0, l3 = 0;
    seal_params(session, from, to, iv, aad);
    if (EVP_EncryptInit_ex2(c->aead, c->gcm, key, iv, NULL) != 1 ||
        EVP_EncryptUpdate(c->aead, NULL, &l1, aad, sizeof aad) != 1 ||
        EVP_EncryptUpdate(c->aead, out, &l2, plain, HL_SA_PLAIN) != 1 ||
        EVP_EncryptFinal_ex(c->aead, out + l2, &l3) != 1 || l2 + l3 != HL_SA_PLAIN ||
        EVP_CIPHER_CTX_ctrl(c->aead, EVP_CTRL_GCM_GET_TAG, HL_SA_TAG, out + HL_SA_PLAIN) != 1)
        return openssl_failed(err, "AES-256-GCM encryption");
    return HELIOS_OK;
}

int hl_sa_open(HlSaCrypto *c, const uint8_t key[HL_SA_KEY], const uint8_t session[HL_SA_SESSION],
               uint32_t from, uint32_t to, const uint8_t sealed[HL_SA_SEALED],
               uint8_t plain[HL_SA_PLAIN], hl_err *err)
{
    uint8_t iv[12], aad[1 + HL_SA_SESSION + 8], tag[HL_SA_TAG];
    int l1 = 0, l2 = 0, l3 = 0;
    seal_params(session, from, to, iv, aad);
    memcpy(tag, sealed + HL_SA_PLAIN, HL_SA_TAG);
    if (EVP_DecryptInit_ex2(c->aead, c->gcm, key, iv, NULL) != 1 ||
        EVP_DecryptUpdate(c->aead, NULL, &l1, aad, sizeof aad) != 1 ||
        EVP_DecryptUpdate(c->aead, plain, &l2, sealed, HL_SA_PLAIN) != 1 ||
        EVP_CIPHER_CTX_ctrl(c->aead, EVP_CTRL_GCM_SET_TAG, HL_SA_TAG, tag) != 1)
        return openssl_failed(err, "AES-256-GCM decryption");
    if (EVP_DecryptFinal_ex(c->aead, plain + l2, &l3) != 1 || l2 + l3 != HL_SA_PLAIN) {
        OPENSSL_cleanse(plain, HL_SA_PLAIN);
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: the shares node %u sealed for node %u do not "
                          "authenticate (tampered with, or sealed under another key)",
                          (unsigned)from, (unsigned)to);
    }
    return HELIOS_OK;
}
