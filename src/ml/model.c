/* model.c - see model.h: the table of model kinds and a helper they share. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Adding a model kind: its file, and one line here. */
static const HlModelOps *const kinds[] = {
    &hl_model_logistic,
    &hl_model_linear,
    &hl_model_mlp,
};

const HlModelOps *hl_model_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

double hl_model_loss_grad_alloc(const HlModelOps *ops, const HlModelSpec *s, const double *params,
                                const HlDataset *ds, const int *rows, int m, double *grad)
{
    size_t n = ops->work_size(s);
    double *work = NULL, loss;
    if (n > 0 && !(work = malloc(n * sizeof *work)))
        return NAN;
    loss = ops->loss_grad_ws(s, params, ds, rows, m, grad, work);
    free(work);
    return loss;
}
