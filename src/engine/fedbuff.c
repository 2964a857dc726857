/* fedbuff.c - the buffer of buffered asynchronous aggregation; see fedbuff.h. */
#include "fedbuff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"

int hl_buff_init(HlBuff *b, int cap, hl_err *err)
{
    memset(b, 0, sizeof *b);
    if (cap < 1 || !(b->u = calloc((size_t)cap, sizeof *b->u)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    b->cap = cap;
    return HELIOS_OK;
}

void hl_buff_update_clear(HlBuffUpdate *u)
{
    free(u->delta);
    u->delta = NULL;
}

void hl_buff_free(HlBuff *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n; i++)
        hl_buff_update_clear(&b->u[i]);
    free(b->u);
    memset(b, 0, sizeof *b);
}

int hl_buff_push(HlBuff *b, const HlBuffUpdate *u)
{
    if (b->n >= b->cap)
        return -1;
    b->u[b->n++] = *u;
    return 0;
}

double hl_buff_staleness_weight(int tau)
{
    return 1.0 / sqrt(1.0 + (tau > 0 ? tau : 0));
}

int hl_buff_drop_stale(HlBuff *b, int current, int max_staleness, HlBuffUpdate *out)
{
    int kept = 0, dropped = 0;
    for (int i = 0; i < b->n; i++) {
        if (current - b->u[i].version > max_staleness)
            out[dropped++] = b->u[i];
        else
            b->u[kept++] = b->u[i];
    }
    b->n = kept;
    return dropped;
}

void hl_buff_take(HlBuff *b, int k, HlBuffUpdate *out)
{
    if (k > b->n)
        k = b->n;
    memcpy(out, b->u, sizeof *out * (size_t)k);
    memmove(b->u, b->u + k, sizeof *b->u * (size_t)(b->n - k));
    b->n -= k;
}

int hl_buff_mean(const HlBuffUpdate *u, int k, int current, int p, double *mean)
{
    if (k < 1)
        return -1;
    double wsum = 0;
    for (int i = 0; i < k; i++)
        wsum += u[i].weight;
    int ones = !(wsum > 0) || !isfinite(wsum);
    if (ones)
        wsum = k;
    for (int j = 0; j < p; j++)
        mean[j] = 0;
    for (int i = 0; i < k; i++) {
        double c = hl_buff_staleness_weight(current - u[i].version) * (ones ? 1.0 : u[i].weight);
        for (int j = 0; j < p; j++)
            mean[j] += c * u[i].delta[j];
    }
    for (int j = 0; j < p; j++)
        mean[j] /= wsum;
    return 0;
}

void hl_buff_losses(const HlBuffUpdate *u, int k, double *loss, double *variance)
{
    int64_t rows = 0;
    double lsum = 0, mean = 0, var = 0;
    for (int i = 0; i < k; i++) {
        rows += u[i].rows;
        lsum += u[i].loss_before * (double)u[i].rows;
        mean += u[i].loss_before;
    }
    mean = k > 0 ? mean / k : 0;
    for (int i = 0; i < k; i++)
        var += (u[i].loss_before - mean) * (u[i].loss_before - mean) / k;
    *loss = rows > 0 ? lsum / (double)rows : 0;
    *variance = var;
}
