/*
 * mlp.c - neural_network: a fully connected feed-forward network.
 *
 * Layers 0..L: layer 0 is the d inputs, layers 1..L-1 the hidden layers
 * (spec->hidden, activation relu, tanh or sigmoid; 0 means relu, the
 * option's default), layer L the output: 1 unit with sigmoid (binary),
 * nclass units with softmax (multiclass) or 1 linear unit (regression).
 * The loss is the task's: binary cross-entropy taken from the output logit
 * (hl_bce_logit, as in logistic.c), categorical cross-entropy through the
 * log-sum-exp, or half the squared error; plus l2/2 ||W||^2 over every
 * weight matrix, not the biases.  With these pairings the output error is
 * p - y in all three cases; backpropagation (Rumelhart, Hinton & Williams
 * 1986) carries it down the layers.
 *
 * Parameter layout, layer after layer from 1 to L: the weight matrix of
 * layer l, n_l rows of n_{l-1} (W[j n_{l-1} + i] joins input i to unit j),
 * then its n_l biases.  Total sum_l n_l (n_{l-1} + 1).
 *
 * Initialization, from the model's INIT stream: a layer followed by relu
 * draws its weights from N(0, 2 / fan_in) (He et al. 2015); any other layer
 * (tanh, sigmoid, and the output layer) from U(-a, a), a = sqrt(6 / (fan_in
 * + fan_out)) (Glorot & Bengio 2010).  Biases start at zero.
 */
#include "model.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PREDICT_STACK 512   /* doubles of predict scratch kept on the stack */

/* The shape of a network, worked out from its spec. */
typedef struct Net {
    int L;                          /* layers with parameters */
    int n[HL_MAX_LAYERS + 2];       /* units of layer 0..L */
    size_t poff[HL_MAX_LAYERS + 2]; /* where layer l's parameters start */
    size_t aoff[HL_MAX_LAYERS + 2]; /* where layer l's outputs start in the scratch */
    size_t nparams, nacts;
    int widest;                     /* max n_l over l >= 1 */
    HlAct hidden, output;
} Net;

static HlAct task_output(HlTask task)
{
    switch (task) {
    case HL_TASK_BINARY: return HL_ACT_SIGMOID;
    case HL_TASK_MULTICLASS: return HL_ACT_SOFTMAX;
    case HL_TASK_REGRESSION: return HL_ACT_LINEAR;
    }
    return 0;
}

/* Fills *net; -1 when the spec is not a network this file can build. */
static int net_shape(const HlModelSpec *s, Net *net)
{
    HlAct want = task_output(s->task);
    if (!want || s->d < 0 || s->nhidden < 0 || s->nhidden > HL_MAX_LAYERS)
        return -1;
    if (s->output && s->output != want)
        return -1;
    if (s->task == HL_TASK_MULTICLASS && s->nclass < 2)
        return -1;
    net->hidden = s->activation ? s->activation : HL_ACT_RELU;
    if (net->hidden != HL_ACT_RELU && net->hidden != HL_ACT_TANH && net->hidden != HL_ACT_SIGMOID)
        return -1;
    net->output = want;
    net->L = s->nhidden + 1;
    net->n[0] = s->d;
    for (int l = 1; l < net->L; l++) {
        if (s->hidden[l - 1] < 1)
            return -1;
        net->n[l] = s->hidden[l - 1];
    }
    net->n[net->L] = s->task == HL_TASK_MULTICLASS ? s->nclass : 1;
    long long np = 0, na = 0;
    net->widest = 0;
    for (int l = 1; l <= net->L; l++) {
        net->poff[l] = (size_t)np;
        net->aoff[l] = (size_t)na;
        np += (long long)net->n[l] * (net->n[l - 1] + 1);
        na += net->n[l];
        if (np > INT_MAX)
            return -1;
        if (net->n[l] > net->widest)
            net->widest = net->n[l];
    }
    net->nparams = (size_t)np;
    net->nacts = (size_t)na;
    return 0;
}

static int mlp_nparams(const HlModelSpec *s)
{
    Net net;
    return net_shape(s, &net) == 0 ? (int)net.nparams : -1;
}

static void mlp_init(const HlModelSpec *s, double *params, HlRng *rng)
{
    Net net;
    HlRng fallback;
    if (net_shape(s, &net) != 0)
        return;
    if (!rng) {     /* callers pass the model's INIT stream; this keeps NULL deterministic */
        hl_rng_seed(&fallback, 0, 0, 0, HL_RNG_INIT);
        rng = &fallback;
    }
    for (int l = 1; l <= net.L; l++) {
        const int fan_in = net.n[l - 1], fan_out = net.n[l];
        double *w = params + net.poff[l];
        size_t nw = (size_t)fan_in * fan_out;
        if (l < net.L && net.hidden == HL_ACT_RELU) {
            double sd = fan_in > 0 ? sqrt(2.0 / fan_in) : 0.0;
            for (size_t i = 0; i < nw; i++)
                w[i] = sd * hl_rng_normal(rng);
        } else {
            double a = sqrt(6.0 / (fan_in + fan_out));
            for (size_t i = 0; i < nw; i++)
                w[i] = a * (2.0 * hl_rng_uniform(rng) - 1.0);
        }
        memset(w + nw, 0, (size_t)fan_out * sizeof *w);
    }
}

/* Scratch: the outputs of layers 1..L for one row, and two delta vectors. */
static size_t mlp_work_size(const HlModelSpec *s)
{
    Net net;
    if (net_shape(s, &net) != 0)
        return 0;
    return net.nacts + 2 * (size_t)net.widest;
}

static double activate(HlAct act, double z)
{
    switch (act) {
    case HL_ACT_RELU: return z > 0.0 ? z : 0.0;
    case HL_ACT_TANH: return tanh(z);
    case HL_ACT_SIGMOID: return hl_sigmoid(z);
    default: return z;
    }
}

/* The derivative of act, written in terms of its output a = act(z). */
static double activate_deriv(HlAct act, double a)
{
    switch (act) {
    case HL_ACT_RELU: return a > 0.0 ? 1.0 : 0.0;
    case HL_ACT_TANH: return 1.0 - a * a;
    case HL_ACT_SIGMOID: return a * (1.0 - a);
    default: return 1.0;
    }
}

/* One layer: out[j] = act(b_j + W_j . in); the output layer keeps z. */
static void layer_forward(const Net *net, int l, const double *params, const double *in,
                          double *out)
{
    const int nin = net->n[l - 1], nout = net->n[l];
    const double *w = params + net->poff[l], *b = w + (size_t)nout * nin;
    for (int j = 0; j < nout; j++) {
        double z = b[j] + hl_dot(w + (size_t)j * nin, in, nin);
        out[j] = l < net->L ? activate(net->hidden, z) : z;
    }
}

/* The loss of one row from the output layer's z (turned into p in place),
 * and delta = p - y, the loss's derivative in z.  NaN for a class index
 * outside [0, nclass). */
static double output_loss(const Net *net, double *z, double y, double *delta)
{
    const int k = net->n[net->L];
    double loss;
    switch (net->output) {
    case HL_ACT_SIGMOID:
        loss = hl_bce_logit(z[0], y, delta);
        delta[0] -= y;
        return loss;
    case HL_ACT_SOFTMAX: {
        if (!(y >= 0.0 && y < k))
            return NAN;
        const int yc = (int)y;
        double zy = z[yc];
        loss = hl_softmax(z, k) - zy;
        for (int c = 0; c < k; c++)
            delta[c] = z[c] - (c == yc);
        return loss;
    }
    default:
        delta[0] = z[0] - y;
        return 0.5 * delta[0] * delta[0];
    }
}

/* Backpropagates delta (of layer L) for one row with input x and layer
 * outputs acts, adding to grad.  dcur and dnext: widest doubles each. */
static void backward(const Net *net, const double *params, const double *x, const double *acts,
                     double *dcur, double *dnext, double *grad)
{
    for (int l = net->L; l >= 1; l--) {
        const int nin = net->n[l - 1], nout = net->n[l];
        const double *in = l == 1 ? x : acts + net->aoff[l - 1];
        const double *w = params + net->poff[l];
        double *gw = grad + net->poff[l], *gb = gw + (size_t)nout * nin;
        for (int j = 0; j < nout; j++) {
            if (dcur[j] == 0.0)
                continue;   /* relu units that were off: nothing to add */
            gb[j] += dcur[j];
            hl_axpy(gw + (size_t)j * nin, dcur[j], in, nin);
        }
        if (l == 1)
            break;
        memset(dnext, 0, (size_t)nin * sizeof *dnext);
        for (int j = 0; j < nout; j++)
            if (dcur[j] != 0.0)
                hl_axpy(dnext, dcur[j], w + (size_t)j * nin, nin);
        for (int i = 0; i < nin; i++)
            dnext[i] *= activate_deriv(net->hidden, in[i]);
        double *t = dcur;
        dcur = dnext;
        dnext = t;
    }
}

/* l2/2 sum ||W_l||^2, and grad += l2 W_l. */
static double add_l2(const HlModelSpec *s, const Net *net, const double *params, double *grad)
{
    double sq = 0.0;
    if (s->l2 == 0.0)
        return 0.0;
    for (int l = 1; l <= net->L; l++) {
        const double *w = params + net->poff[l];
        const int nw = net->n[l] * net->n[l - 1];
        sq += hl_dot(w, w, nw);
        if (grad)
            hl_axpy(grad + net->poff[l], s->l2, w, nw);
    }
    return 0.5 * s->l2 * sq;
}

static double mlp_loss_grad_ws(const HlModelSpec *s, const double *params, const HlDataset *ds,
                               const int *rows, int m, double *grad, double *work)
{
    Net net;
    double loss = 0.0;
    if (net_shape(s, &net) != 0)
        return NAN;
    double *acts = work, *d0 = work + net.nacts, *d1 = d0 + net.widest;
    if (grad)
        memset(grad, 0, net.nparams * sizeof *grad);
    for (int r = 0; r < m; r++) {
        const double *x = ds->x + (size_t)rows[r] * ds->d;
        const double *in = x;
        for (int l = 1; l <= net.L; l++) {
            layer_forward(&net, l, params, in, acts + net.aoff[l]);
            in = acts + net.aoff[l];
        }
        loss += output_loss(&net, acts + net.aoff[net.L], ds->y[rows[r]], d0);
        if (grad)
            backward(&net, params, x, acts, d0, d1, grad);
    }
    if (m > 0) {
        loss /= m;
        if (grad)
            for (size_t j = 0; j < net.nparams; j++)
                grad[j] /= m;
    }
    return loss + add_l2(s, &net, params, grad);
}

static double mlp_loss_grad(const HlModelSpec *s, const double *params, const HlDataset *ds,
                            const int *rows, int m, double *grad)
{
    return hl_model_loss_grad_alloc(&hl_model_mlp, s, params, ds, rows, m, grad);
}

/* Two buffers of the widest layer, ping-ponged; on the stack unless the
 * network is wide.  Out of memory gives NaN outputs. */
static void mlp_predict(const HlModelSpec *s, const double *params, const double *x, double *out)
{
    Net net;
    double stack[PREDICT_STACK], *buf = stack;
    if (net_shape(s, &net) != 0)
        return;
    const int k = net.n[net.L];
    if (2 * (size_t)net.widest > PREDICT_STACK
        && !(buf = malloc(2 * (size_t)net.widest * sizeof *buf))) {
        for (int c = 0; c < k; c++)
            out[c] = NAN;
        return;
    }
    const double *in = x;
    for (int l = 1; l <= net.L; l++) {
        double *o = buf + (l % 2) * (size_t)net.widest;
        layer_forward(&net, l, params, in, o);
        in = o;
    }
    memcpy(out, in, (size_t)k * sizeof *out);
    if (net.output == HL_ACT_SIGMOID)
        out[0] = hl_sigmoid(out[0]);
    else if (net.output == HL_ACT_SOFTMAX)
        hl_softmax(out, k);
    if (buf != stack)
        free(buf);
}

const HlModelOps hl_model_mlp = {
    .name = "neural_network",
    .nparams = mlp_nparams,
    .init = mlp_init,
    .loss_grad = mlp_loss_grad,
    .work_size = mlp_work_size,
    .loss_grad_ws = mlp_loss_grad_ws,
    .predict = mlp_predict,
};
