/*
 * option_tables.c - the option tables of workspaces, nodes and models, and
 * the names of the model options a training run may override.
 *
 * Checking lives in options.c; the conflicts between options (min_nodes vs
 * max_nodes, options that apply only with some algorithm or aggregation)
 * are the rule table there.  Every option of the guide is here with the
 * meaning the guide gives it; the others come from the issues that build
 * the feature using them.  Keep the order meaningful: it is the order of
 * DESCRIBE, of the manual and of the stored JSON.
 */
#include "options.h"

#include <math.h>
#include <stddef.h>

#define NOMAX INFINITY
#define NOMIN (-INFINITY)

#define OPT_INT(n, lo, hi, d, h) \
    { .name = n, .type = HL_OT_INT, .min = lo, .max = hi, .def = d, .help = h }
#define OPT_REAL(n, lo, hi, fl, d, h) \
    { .name = n, .type = HL_OT_REAL, .min = lo, .max = hi, .flags = fl, .def = d, .help = h }
#define OPT_BOOL(n, d, h) { .name = n, .type = HL_OT_BOOL, .def = d, .help = h }
#define OPT_STR(n, d, h) { .name = n, .type = HL_OT_STRING, .def = d, .help = h }
#define OPT_ENUM(n, ch, d, h) \
    { .name = n, .type = HL_OT_ENUM, .choices = ch, .def = d, .help = h }
#define OPT_CHOICE_INT(n, ch, d, h) \
    { .name = n, .type = HL_OT_INT, .min = NOMIN, .max = NOMAX, .choices = ch, .def = d, .help = h }

#define GT0 HL_OPT_MIN_EXCL
#define LT1 HL_OPT_MAX_EXCL

static const char *const c_noise[] = { "gaussian", "laplacian", NULL };
static const char *const c_dp_level[] = { "record", "node", NULL };
static const char *const c_protocol[] = { "tls", "grpc", "https", NULL };
static const char *const c_encryption[] = { "AES-256-GCM", "none", NULL };
static const char *const c_tls[] = { "1.3", NULL };
static const char *const c_compliance[] = { "HIPAA", "GDPR", "BOTH", "NONE", NULL };
static const char *const c_compression[] = { "none", "zstd", "lz4", NULL };
static const char *const c_quantization[] = { "8", "16", "32", NULL };
static const char *const c_algorithm[] = {
    "logistic_regression", "linear_regression", "neural_network",
    "random_forest", "gradient_boosting", NULL };
static const char *const c_activation[] = { "relu", "tanh", "sigmoid", NULL };
static const char *const c_out_activation[] = { "sigmoid", "softmax", "linear", NULL };
static const char *const c_optimizer[] = { "sgd", "momentum", "adam", NULL };
/* The built-in aggregators; hl_opt_is_builtin_aggregation() reads this. */
const char *const hl_opt_builtin_aggregations[] = {
    "fedavg", "fedprox", "fednova", "fedadam", "fedyogi", "fedadagrad",
    "median", "trimmed_mean", "krum", NULL };
static const char *const c_agg_protocol[] = { "shamir", NULL };
static const char *const c_max_features[] = { "sqrt", "log2", NULL };
static const char *const c_criterion[] = { "gini", "entropy", NULL };
static const char *const c_unlearning[] = { "none", "sharded", NULL };

static const HlOptDef workspace_opts[] = {
    /* differential privacy (issue 4) */
    OPT_REAL("privacy_budget", 0, NOMAX, GT0, NULL,
             "total epsilon of differential privacy, shared by all models of the workspace; DP is on when set"),
    OPT_REAL("delta", 0, 1, GT0 | LT1, NULL,
             "delta of (epsilon, delta)-DP; default: 1e-5, or 0.1/N when smaller (N: training rows, or nodes at node level)"),
    OPT_REAL("noise_multiplier", 0, NOMAX, GT0, NULL,
             "noise standard deviation over the clipping norm; default: the smallest that fits the budget"),
    OPT_REAL("privacy_per_round", 0, NOMAX, GT0, NULL,
             "average epsilon a round may spend: the noise is calibrated so that the budget left lasts that many rounds"),
    OPT_ENUM("noise_mechanism", c_noise, "\"gaussian\"",
             "'gaussian' (Renyi DP accounting) or 'laplacian' (pure epsilon-DP, L1 clipping)"),
    OPT_ENUM("dp_level", c_dp_level, "\"record\"",
             "what DP protects: each row at each node ('record', DP-SGD) or each node's update ('node', DP-FedAvg)"),
    OPT_REAL("clipping_threshold", 0, NOMAX, GT0, "1.0",
             "clipping norm of per-example gradients (record level) or of node updates (node level)"),
    OPT_BOOL("adaptive_clipping", "false",
             "adapt the clipping norm to a quantile of the update norms (Andrew et al. 2021)"),
    OPT_REAL("adaptive_clipping_quantile", 0, 1, GT0 | LT1, "0.5",
             "adaptive clipping: target fraction of updates left unclipped"),
    OPT_REAL("adaptive_clipping_learning_rate", 0, NOMAX, GT0, "0.2",
             "adaptive clipping: learning rate of the geometric norm update"),
    OPT_REAL("adaptive_clipping_count_stddev", 0, NOMAX, 0, NULL,
             "adaptive clipping: noise on the clipped-count estimate; default: expected reports / 20, at least noise_multiplier"),

    /* nodes and rounds */
    OPT_INT("min_nodes", 1, 1000000, "2",
            "training does not start with fewer registered, reachable nodes"),
    OPT_INT("max_nodes", 1, 1000000, NULL,
            "most nodes the workspace accepts; no limit when unset"),
    OPT_INT("min_nodes_per_round", 1, 1000000, NULL,
            "fewest node updates a round accepts before the training fails; default: 1"),
    OPT_INT("round_timeout", 1, 604800, "600",
            "seconds a remote node has to answer a request (a round's training included)"),
    OPT_INT("stragglers_timeout", 1, 604800, NULL,
            "seconds after which remote nodes that have not answered are dropped from the round as slow; default: round_timeout"),
    OPT_INT("aggregation_batch_size", 1, 1000000, NULL,
            "fold node updates into a running sum k at a time as they arrive; default: all at once"),
    OPT_BOOL("async_aggregation", "false",
             "buffered asynchronous aggregation (FedBuff): do not wait for all nodes"),
    OPT_INT("max_staleness", 0, 1000000, "10",
            "async_aggregation: an update trained from a global model more than this many steps old is dropped"),

    /* transport and security (issue 5) */
    OPT_ENUM("communication_protocol", c_protocol, "\"tls\"",
             "transport to the nodes: 'tls', the helios protocol over TLS 1.3; the guide's 'grpc' and 'https' are valid names that a workspace refuses until supported"),
    OPT_ENUM("encryption", c_encryption, "\"AES-256-GCM\"",
             "payload and at-rest encryption: 'AES-256-GCM', or 'none' (refused under HIPAA)"),
    OPT_ENUM("tls_version", c_tls, "\"1.3\"",
             "TLS version of node connections; only '1.3' is supported"),
    OPT_BOOL("certificate_validation", "true",
             "verify that node certificates chain to ca_bundle and match the node"),
    OPT_STR("certificate", NULL,
            "certificate the coordinator presents to nodes (default for every node)"),
    OPT_STR("private_key", NULL,
            "private key of that certificate (default for every node)"),
    OPT_STR("ca_bundle", NULL,
            "CA certificates node certificates must chain to (default for every node)"),
    OPT_STR("key_file", NULL,
            "file holding the workspace key for encryption at rest, kept outside the catalog"),

    /* compliance (issue 6) */
    OPT_ENUM("compliance_mode", c_compliance, "\"NONE\"",
             "rules enforced on every statement: 'HIPAA', 'GDPR', 'BOTH' or 'NONE'"),
    OPT_STR("data_residency", NULL,
            "region the workspace's data must stay in, e.g. 'EU', 'US-EAST'"),
    OPT_BOOL("audit_logging", "true",
             "record every change, round and access in the hash-chained audit log"),
    OPT_INT("retention_days", 1, 36500, "2555",
            "days audit entries are kept (HIPAA: at least 2190)"),
    OPT_STR("notify_command", NULL,
            "command run with an alert's message on stdin"),

    /* communication efficiency */
    OPT_ENUM("compression", c_compression, "\"none\"",
             "payload codec: 'none', 'zstd' or 'lz4'"),
    OPT_INT("compression_level", 1, 22, NULL,
            "codec level: zstd 1 to 22, lz4 1 to 12; default: the codec's own"),
    OPT_CHOICE_INT("quantization", c_quantization, "32",
                   "bits per transmitted value: 8, 16 or 32"),
    OPT_BOOL("batch_communication", "false",
             "batch several messages into one frame"),
    OPT_BOOL("tcp_nodelay", "true",
             "disable Nagle's algorithm on node connections"),
    OPT_INT("keepalive_interval", 1, 86400, "60",
            "seconds between TCP keepalive probes"),
    OPT_BOOL("auto_reconnect", "false",
             "reconnect to nodes that drop, then fail over to backup_endpoint"),
    OPT_INT("reconnect_interval", 1, 86400, "10",
            "seconds between reconnection attempts (with auto_reconnect)"),
};

static const HlOptDef node_opts[] = {
    OPT_STR("endpoint", "\"local\"",
            "'local' (in-process node) or 'tls://host:port' / 'https://host:port' (a helios-node)"),
    OPT_STR("backup_endpoint", NULL,
            "endpoint to fail over to when endpoint is unreachable"),
    OPT_STR("certificate", NULL,
            "certificate the coordinator presents to this node; default: the workspace's"),
    OPT_STR("private_key", NULL,
            "private key of that certificate; default: the workspace's"),
    OPT_STR("ca_bundle", NULL,
            "CA certificates this node's certificate must chain to; default: the workspace's"),
    OPT_STR("database", NULL,
            "in-process node: its own SQLite database file; default: the shell's database"),
    OPT_STR("data_filter", NULL,
            "in-process node: SQL condition restricting the rows it sees"),
    OPT_REAL("max_memory_gb", 0, NOMAX, GT0, NULL,
             "memory limit for training at the node, in GB"),
    OPT_INT("max_cpu_cores", 1, 4096, NULL,
            "CPU cores training may use at the node"),
    OPT_REAL("max_bandwidth_mbps", 0, NOMAX, GT0, NULL,
             "network bandwidth limit of the node, in Mbit/s"),
    OPT_STR("data_residency", NULL,
            "region the node's data is in, e.g. 'US-WEST'"),
    OPT_INT("dataset_size", 0, NOMAX, NULL,
            "approximate number of rows, as declared (the engine counts the real ones)"),
    OPT_STR("contact", NULL,
            "who to contact about this node"),
    OPT_STR("sla_tier", NULL,
            "SLA commitment level, e.g. 'gold' (informative)"),
};

static const HlOptDef model_opts[] = {
    /* what is learnt */
    OPT_ENUM("algorithm", c_algorithm, "\"logistic_regression\"",
             "'logistic_regression', 'linear_regression', 'neural_network', 'random_forest' or 'gradient_boosting'"),
    OPT_STR("source", NULL,
            "table holding features and target at each node; default: the one table that has them all"),
    { .name = "features", .type = HL_OT_STRING_LIST, .def = NULL,
      .help = "feature columns: ['a', 'b'], '[\"a\", \"b\"]' or 'a, b'" },
    OPT_STR("target", NULL, "column to predict"),
    OPT_STR("subject_column", "\"data_subject_id\"",
            "column naming the data subject of each row (consent, forgetting, export)"),
    OPT_INT("seed", 0, NOMAX, "0",
            "seed of every random stream of the model (same seed, same model)"),

    /* neural network */
    { .name = "layers", .type = HL_OT_INT_LIST, .min = 1, .max = 65536, .def = NULL,
      .help = "neural network layer sizes, output layer last: [128, 64, 1] or '[128, 64, 1]'; default: [64, output]" },
    OPT_ENUM("activation", c_activation, "\"relu\"",
             "hidden-layer activation: 'relu', 'tanh' or 'sigmoid'"),
    OPT_ENUM("output_activation", c_out_activation, NULL,
             "'sigmoid', 'softmax' or 'linear'; default: from the target (binary, multiclass, numeric)"),

    /* local training */
    OPT_INT("rounds", 1, 100000, "10", "training rounds"),
    OPT_INT("local_epochs", 1, 10000, "1", "epochs over its rows each node runs per round"),
    OPT_INT("batch_size", 1, 1000000, "32", "rows per local gradient step"),
    OPT_REAL("learning_rate", 0, NOMAX, GT0, "0.01",
             "local learning rate (shrinkage for gradient_boosting)"),
    OPT_ENUM("optimizer", c_optimizer, "\"sgd\"", "local optimizer: 'sgd', 'momentum' or 'adam'"),
    OPT_REAL("l2_regularization", 0, NOMAX, 0, "0.0", "L2 penalty on the weights"),
    OPT_REAL("proximal_term", 0, NOMAX, 0, "0.01",
             "FedProx's mu: pull of local models toward the global one (Li et al. 2020)"),
    OPT_BOOL("adaptive_learning", "false", "per-node learning-rate schedule"),

    /* aggregation */
    { .name = "aggregation", .type = HL_OT_ENUM, .choices = hl_opt_builtin_aggregations,
      .flags = HL_OPT_FREE_NAME, .def = "\"fedavg\"",
      .help = "'fedavg', 'fedprox', 'fednova', 'fedadam', 'fedyogi', 'fedadagrad', 'median', 'trimmed_mean', 'krum', or a CREATE FEDERATED AGGREGATION FUNCTION" },
    OPT_BOOL("weighted_aggregation", "true", "weight node updates by their number of rows"),
    OPT_REAL("server_learning_rate", 0, NOMAX, GT0, "0.1",
             "fedadam/fedyogi/fedadagrad: server learning rate (Reddi et al. 2021)"),
    OPT_REAL("beta1", 0, 1, LT1, "0.9", "fedadam/fedyogi/fedadagrad: first-moment decay"),
    OPT_REAL("beta2", 0, 1, LT1, "0.99", "fedadam/fedyogi: second-moment decay"),
    OPT_REAL("tau", 0, NOMAX, GT0, "0.001",
             "fedadam/fedyogi/fedadagrad: degree of adaptivity (epsilon of the update)"),
    OPT_REAL("trim_fraction", 0, 0.5, LT1, "0.1",
             "trimmed_mean: fraction of the highest and of the lowest values dropped per coordinate"),
    OPT_INT("byzantine_nodes", 0, 1000000, NULL,
            "krum: assumed number of Byzantine nodes f; default: the largest with n > 2f + 2"),
    OPT_INT("nodes_per_round", 1, 1000000, NULL,
            "nodes sampled per round (seeded); default: all"),
    OPT_REAL("fraction_per_round", 0, 1, GT0, NULL,
             "fraction of the nodes sampled per round (seeded); default: all"),

    /* stopping and validation */
    OPT_REAL("convergence_threshold", 0, NOMAX, 0, "0.0",
             "stop when the global loss improves by less than this; 0: run all rounds"),
    OPT_INT("early_stopping_rounds", 1, 100000, NULL,
            "stop after this many rounds without improvement"),
    OPT_REAL("validation_split", 0, 1, LT1, "0.0",
             "fraction of each node's rows held out for validation"),
    OPT_INT("validation_frequency", 1, 100000, "1", "validate every N rounds"),

    /* secure aggregation (issue 4) */
    OPT_BOOL("secure_aggregation", "false",
             "mask updates so the coordinator sees only their sum (Bonawitz et al. 2017)"),
    OPT_ENUM("aggregation_protocol", c_agg_protocol, "\"shamir\"",
             "secure aggregation protocol: 'shamir' (t-of-n sharing of mask seeds)"),
    OPT_INT("threshold", 2, 1000000, NULL,
            "secure aggregation: surviving nodes needed to recover the sum; default: from the round's node count"),

    /* communication (model overrides of the workspace's settings) */
    OPT_ENUM("compression", c_compression, NULL,
             "payload codec for this model: 'none', 'zstd' or 'lz4'; default: the workspace's"),
    OPT_CHOICE_INT("quantization", c_quantization, NULL,
                   "bits per transmitted value, 8, 16 or 32; default: the workspace's"),
    OPT_REAL("gradient_sparsification", 0, 1, LT1, "0.0",
             "fraction of update values not sent (top-k with error feedback); 0.9 sends the top 10%"),

    /* trees (issue 7) */
    OPT_INT("max_bins", 2, 256, "32", "trees: histogram bins per feature"),
    OPT_INT("n_trees", 1, 10000, "100", "trees: number of trees"),
    OPT_INT("max_depth", 1, 64, "6", "trees: maximum depth"),
    OPT_INT("min_samples_leaf", 1, 1000000000, "1", "trees: fewest rows in a leaf"),
    { .name = "max_features", .type = HL_OT_ENUM, .choices = c_max_features,
      .min = 0, .max = 1, .flags = HL_OPT_OR_NUMBER | HL_OPT_MIN_EXCL, .def = "\"sqrt\"",
      .help = "random_forest: features tried per split: 'sqrt', 'log2' or a fraction" },
    OPT_ENUM("criterion", c_criterion, "\"gini\"", "random_forest: split criterion, 'gini' or 'entropy'"),
    OPT_REAL("lambda", 0, NOMAX, 0, "1.0", "gradient_boosting: L2 penalty on leaf weights"),
    OPT_REAL("min_child_weight", 0, NOMAX, 0, "1.0",
             "gradient_boosting: smallest hessian sum in a child"),

    /* GDPR (issue 6) */
    OPT_ENUM("unlearning", c_unlearning, "\"none\"",
             "'sharded' trains per shard (SISA) so forgetting retrains only one shard"),
    OPT_INT("unlearning_shards", 2, 1000, "4", "sharded unlearning: number of shards"),
};

/* The model options START FEDERATED TRAINING ... WITH (...) may override. */
const char *const hl_opt_run_names[] = {
    "rounds", "local_epochs", "batch_size", "learning_rate", "optimizer",
    "l2_regularization", "proximal_term", "adaptive_learning", "seed",
    "server_learning_rate", "beta1", "beta2", "tau", "trim_fraction",
    "nodes_per_round", "fraction_per_round", "convergence_threshold",
    "early_stopping_rounds", "validation_frequency", NULL
};

const HlOptDef *hl_opt_base_table(HlObjKind k, int *n)
{
#define TABLE(t) do { *n = (int)(sizeof t / sizeof t[0]); return t; } while (0)
    switch (k) {
    case HL_OBJ_WORKSPACE: TABLE(workspace_opts);
    case HL_OBJ_NODE: TABLE(node_opts);
    case HL_OBJ_MODEL: TABLE(model_opts);
    default: *n = 0; return NULL;
    }
#undef TABLE
}

/* ---------------------------------------------------------------------- */
/* conflicts                                                               */

static const char *const v_true[] = { "true", NULL };
static const char *const v_local[] = { "local", NULL };
static const char *const v_codecs[] = { "zstd", "lz4", NULL };
static const char *const v_lz4[] = { "lz4", NULL };
static const char *const v_hipaa[] = { "HIPAA", "BOTH", NULL };
static const char *const v_nn[] = { "neural_network", NULL };
static const char *const v_trees[] = { "random_forest", "gradient_boosting", NULL };
static const char *const v_rf[] = { "random_forest", NULL };
static const char *const v_gb[] = { "gradient_boosting", NULL };
static const char *const v_fedprox[] = { "fedprox", NULL };
static const char *const v_trimmed[] = { "trimmed_mean", NULL };
static const char *const v_krum[] = { "krum", NULL };
static const char *const v_server_opt[] = { "fedadam", "fedyogi", "fedadagrad", NULL };
/* FedNova rescales each node's update, which secure aggregation hides. */
static const char *const v_sum_aggs[] = { "fedavg", "fedprox", "fedadam", "fedyogi",
                                          "fedadagrad", NULL };
static const char *const v_sharded[] = { "sharded", NULL };

#define LE(k, x, y) { .kind = k, .rule = HL_RULE_LE, .a = x, .b = y }
#define REQ(k, x, y, v) { .kind = k, .rule = HL_RULE_REQUIRES, .a = x, .b = y, .vals = v }
#define REQ_WHY(k, x, y, v, w) \
    { .kind = k, .rule = HL_RULE_REQUIRES, .a = x, .b = y, .vals = v, .why = w }
#define HIPAA_FORBIDS(x, bad_, w) { .kind = HL_OBJ_WORKSPACE, .rule = HL_RULE_FORBID, \
    .a = x, .b = "compliance_mode", .vals = v_hipaa, .bad = bad_, .why = w }

#define W HL_OBJ_WORKSPACE
#define N HL_OBJ_NODE
#define M HL_OBJ_MODEL

static const HlOptRule rules[] = {
    /* workspace: nodes and rounds */
    LE(W, "min_nodes", "max_nodes"),
    LE(W, "min_nodes_per_round", "max_nodes"),
    LE(W, "stragglers_timeout", "round_timeout"),
    /* workspace: differential privacy is on only with a budget */
    LE(W, "privacy_per_round", "privacy_budget"),
    REQ(W, "privacy_per_round", "privacy_budget", NULL),
    REQ(W, "delta", "privacy_budget", NULL),
    REQ(W, "noise_multiplier", "privacy_budget", NULL),
    REQ(W, "noise_mechanism", "privacy_budget", NULL),
    REQ(W, "dp_level", "privacy_budget", NULL),
    REQ(W, "clipping_threshold", "privacy_budget", NULL),
    REQ(W, "adaptive_clipping", "privacy_budget", NULL),
    REQ(W, "adaptive_clipping_quantile", "adaptive_clipping", v_true),
    REQ(W, "adaptive_clipping_learning_rate", "adaptive_clipping", v_true),
    REQ(W, "adaptive_clipping_count_stddev", "adaptive_clipping", v_true),
    /* workspace: codecs and connections */
    REQ(W, "compression_level", "compression", v_codecs),
    { .kind = W, .rule = HL_RULE_RANGE_IF, .a = "compression_level", .b = "compression",
      .vals = v_lz4, .lo = 1, .hi = 12 },
    REQ(W, "reconnect_interval", "auto_reconnect", v_true),
    REQ(W, "max_staleness", "async_aggregation", v_true),
    /* workspace: what HIPAA mode requires (issue 6) */
    HIPAA_FORBIDS("encryption", "none", "HIPAA requires encryption in transit and at rest"),
    HIPAA_FORBIDS("certificate_validation", "false", "HIPAA requires authenticated nodes"),
    HIPAA_FORBIDS("audit_logging", "false", "HIPAA requires audit trails"),
    { .kind = W, .rule = HL_RULE_RANGE_IF, .a = "retention_days", .b = "compliance_mode",
      .vals = v_hipaa, .lo = 2190, .hi = NOMAX, .why = "HIPAA keeps records six years" },

    /* node: data options are for in-process nodes; failover for remote ones */
    REQ(N, "database", "endpoint", v_local),
    REQ(N, "data_filter", "endpoint", v_local),
    { .kind = N, .rule = HL_RULE_REQUIRES_NOT, .a = "backup_endpoint", .b = "endpoint",
      .vals = v_local },
    { .kind = N, .rule = HL_RULE_DIFFER, .a = "backup_endpoint", .b = "endpoint" },

    /* model: options of one algorithm */
    REQ(M, "layers", "algorithm", v_nn),
    REQ(M, "activation", "algorithm", v_nn),
    REQ(M, "output_activation", "algorithm", v_nn),
    REQ(M, "max_bins", "algorithm", v_trees),
    REQ(M, "n_trees", "algorithm", v_trees),
    REQ(M, "max_depth", "algorithm", v_trees),
    REQ(M, "min_samples_leaf", "algorithm", v_trees),
    REQ(M, "max_features", "algorithm", v_rf),
    REQ(M, "criterion", "algorithm", v_rf),
    REQ(M, "lambda", "algorithm", v_gb),
    REQ(M, "min_child_weight", "algorithm", v_gb),
    { .kind = M, .rule = HL_RULE_NOT_IN, .a = "target", .b = "features" },
    /* model: options of one aggregation */
    REQ(M, "proximal_term", "aggregation", v_fedprox),
    REQ(M, "trim_fraction", "aggregation", v_trimmed),
    REQ(M, "byzantine_nodes", "aggregation", v_krum),
    REQ(M, "server_learning_rate", "aggregation", v_server_opt),
    REQ(M, "beta1", "aggregation", v_server_opt),
    REQ(M, "beta2", "aggregation", v_server_opt),
    REQ(M, "tau", "aggregation", v_server_opt),
    /* model: rounds and node selection */
    { .kind = M, .rule = HL_RULE_EXCLUDES, .a = "nodes_per_round", .b = "fraction_per_round" },
    LE(M, "early_stopping_rounds", "rounds"),
    /* model: secure aggregation */
    REQ(M, "threshold", "secure_aggregation", v_true),
    REQ(M, "aggregation_protocol", "secure_aggregation", v_true),
    LE(M, "threshold", "nodes_per_round"),
    REQ_WHY(M, "secure_aggregation", "aggregation", v_sum_aggs,
            "the coordinator sees only the sum of the updates"),
    REQ(M, "unlearning_shards", "unlearning", v_sharded),
};

const HlOptRule *hl_opt_rules(int *n)
{
    *n = (int)(sizeof rules / sizeof rules[0]);
    return rules;
}
