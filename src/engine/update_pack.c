/* update_pack.c - an HlUpdateCode as the little-endian bytes that travel
 * in a TRAIN response (engine/node.h's update_* members), and back; see
 * update_codec.h. */
#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "update_codec.h"

int hl_update_code_pack(const HlUpdateCode *c, uint8_t **idx, size_t *idx_len, uint8_t **vals,
                        size_t *vals_len, hl_err *err)
{
    size_t n = (size_t)c->nnz, w = c->bits == 32 ? 8 : (size_t)c->bits / 8;
    *idx = *vals = NULL;
    *idx_len = *vals_len = 0;
    if (c->idx && !(*idx = malloc(n * 4 + 1)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (!(*vals = malloc(n * w + 1))) {
        free(*idx);
        *idx = NULL;
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    for (size_t i = 0; c->idx && i < n; i++)
        for (int k = 0; k < 4; k++)
            (*idx)[4 * i + (size_t)k] = (uint8_t)(c->idx[i] >> (8 * k));
    if (c->bits == 32)
        for (size_t i = 0; i < n; i++) {
            uint64_t u;
            memcpy(&u, &c->d[i], 8);
            for (int k = 0; k < 8; k++, u >>= 8)
                (*vals)[8 * i + (size_t)k] = (uint8_t)u;
        }
    else if (n)
        memcpy(*vals, c->q, n * w);
    *idx_len = c->idx ? n * 4 : 0;
    *vals_len = n * w;
    return HELIOS_OK;
}

int hl_update_code_unpack(int p, int bits, double scale, const uint8_t *idx, size_t idx_len,
                          const uint8_t *vals, size_t vals_len, HlUpdateCode *c, hl_err *err)
{
    memset(c, 0, sizeof *c);
    if (bits != 8 && bits != 16 && bits != 32)
        return hl_err_set(err, HELIOS_ERROR, -1, "an update of %d bits a value (8, 16 or 32 expected)",
                          bits);
    size_t w = bits == 32 ? 8 : (size_t)bits / 8;
    if (p < 0 || vals_len % w != 0 || vals_len / w > (size_t)p)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "an update of %zu bytes of values is not a whole number of at most %d values of %d bits",
                          vals_len, p, bits);
    size_t n = vals_len / w;
    if (idx ? idx_len != n * 4 : n != (size_t)p)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "an update of %zu values has %zu bytes of indices (%zu expected)", n,
                          idx_len, idx ? n * 4 : 0);
    c->p = p;
    c->nnz = (int)n;
    c->bits = bits;
    c->scale = scale;
    if ((idx && !(c->idx = malloc(n * sizeof *c->idx + 1)))
        || (bits == 32 && !(c->d = malloc(n * sizeof *c->d + 1)))
        || (bits != 32 && !(c->q = malloc(n * w + 1)))) {
        hl_update_code_clear(c);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    for (size_t i = 0; idx && i < n; i++)
        c->idx[i] = (uint32_t)idx[4 * i] | (uint32_t)idx[4 * i + 1] << 8
                    | (uint32_t)idx[4 * i + 2] << 16 | (uint32_t)idx[4 * i + 3] << 24;
    if (bits == 32)
        for (size_t i = 0; i < n; i++) {
            uint64_t u = 0;
            for (int k = 7; k >= 0; k--)
                u = u << 8 | vals[8 * i + (size_t)k];
            memcpy(&c->d[i], &u, 8);
        }
    else if (n)
        memcpy(c->q, vals, n * w);
    return HELIOS_OK;
}

void hl_update_code_model(const HlUpdateCode *down, int version, HlMsg *req)
{
    req->version = version;
    if (version > 1 && (down->bits == 8 || down->bits == 16) && !down->idx) {
        req->down_base = version - 1;
        req->update_bits = down->bits;
        req->update_p = down->p;
        req->update_scale = down->scale;
        req->update_values = down->q;
        req->update_values_len = (size_t)down->p * (size_t)(down->bits / 8);
    }
}
