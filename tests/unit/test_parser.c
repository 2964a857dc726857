/*
 * test_parser.c - the grammar (grammar/parser.y) through hl_parse():
 *   - every federated statement of the guide (spec/guide-examples.sql,
 *     embedded below as it is) parses, to the right kind;
 *   - the tree's fields, values and offsets, checked by hand on a few;
 *   - keywords stay usable as names;
 *   - bad inputs as data: input, error code, offset, exact message;
 *   - every prefix of a good statement is "incomplete input" at its end,
 *     and mangled statements fail cleanly (run under ASan or valgrind, these
 *     are the leak tests of the error paths);
 *   - the AST helpers of src/ast.c.
 */
#include "unit.h"

#include "helios.h"
#include "parse.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- helpers ----------------------------------------------------------- */

typedef struct Toks {
    HlToken *v;
    int n;
} Toks;

/* Scans src[0..len) without blanks and comments; returns -1 on TK_ILLEGAL. */
static int scan(const char *src, int len, Toks *out)
{
    HlLexer lx;
    HlToken t;
    out->v = malloc(sizeof *out->v * (size_t)(len + 1));
    out->n = 0;
    hl_lex_init(&lx, src, len);
    while (hl_lex_next(&lx, &t) != 0) {
        if (t.type == TK_ILLEGAL)
            return -1;
        if (t.type != TK_SPACE && t.type != TK_COMMENT)
            out->v[out->n++] = t;
    }
    return 0;
}

static HlStmt *parse_n(const char *src, int len, hl_err *err)
{
    Toks tk;
    HlStmt *st = NULL;
    hl_err_clear(err);
    if (scan(src, len, &tk) == 0)
        st = hl_parse(src, len, tk.v, tk.n, err);
    else
        hl_err_set(err, HELIOS_SYNTAX, -1, "lexer error");
    free(tk.v);
    return st;
}

static HlStmt *parse(const char *src, hl_err *err)
{
    return parse_n(src, (int)strlen(src), err);
}

/* Parses src, which must succeed; reports the error otherwise. */
static HlStmt *parse_ok(const char *src, int line)
{
    hl_err err;
    HlStmt *st = parse(src, &err);
    unit_checks++;
    if (!st) {
        unit_failed++;
        fprintf(stderr, "%s:%d: parse failed at %d: %s\n   in: %s\n", __FILE__, line,
                err.offset, err.msg, src);
    }
    return st;
}

#define PARSE_OK(src) parse_ok(src, __LINE__)

static int off_of(const char *src, const char *needle)
{
    const char *p = strstr(src, needle);
    return p ? (int)(p - src) : -1;
}

/* ---- the guide --------------------------------------------------------- */

static const char guide[] =
    "-- Every SQL example of heliosdb-federated-learning-guide.txt, in the guide's order,\n"
    "-- with the line breaks that the guide's text lost put back. Nothing else is changed:\n"
    "-- the statements are the guide's own, names, options and comments included.\n"
    "-- Each one must parse; each one must then do what the guide says it does.\n"
    "\n"
    "-- ## Quick Start 1. Enable Federated Learning\n"
    "-- Enable federated learning extension\n"
    "CREATE EXTENSION IF NOT EXISTS heliosdb_federated_learning;\n"
    "\n"
    "-- Create federated learning workspace\n"
    "CREATE FEDERATED WORKSPACE healthcare_consortium\n"
    "WITH (\n"
    "    privacy_budget = 0.5,        -- Differential privacy epsilon\n"
    "    min_nodes = 3,               -- Minimum nodes required\n"
    "    max_nodes = 100,             -- Maximum nodes allowed\n"
    "    compliance_mode = 'HIPAA',   -- HIPAA or GDPR\n"
    "    encryption = 'AES-256-GCM'   -- Encryption algorithm\n"
    ");\n"
    "\n"
    "-- ## Quick Start 2. Register a Node\n"
    "-- Register this HeliosDB instance as a federated learning node\n"
    "REGISTER FEDERATED NODE 'hospital_a'\n"
    "IN WORKSPACE healthcare_consortium\n"
    "WITH (\n"
    "    endpoint = 'https://hospital-a.example.com:8443',\n"
    "    certificate = '/path/to/cert.pem',\n"
    "    data_residency = 'US-EAST',\n"
    "    contact = 'admin@hospital-a.example.com'\n"
    ");\n"
    "\n"
    "-- ## Quick Start 3. Define a Model\n"
    "-- Create a federated model for disease prediction\n"
    "CREATE FEDERATED MODEL disease_classifier\n"
    "IN WORKSPACE healthcare_consortium\n"
    "WITH (\n"
    "    algorithm = 'logistic_regression',  -- Or 'neural_network', 'random_forest'\n"
    "    features = ['age', 'blood_pressure', 'cholesterol', 'bmi'],\n"
    "    target = 'disease_outcome',\n"
    "    rounds = 50,                        -- Training rounds\n"
    "    aggregation = 'fedavg'              -- FedAvg, FedProx, FedAdam\n"
    ");\n"
    "\n"
    "-- ## Quick Start 4. Start Training\n"
    "-- Start federated training\n"
    "START FEDERATED TRAINING disease_classifier\n"
    "WITH (\n"
    "    local_epochs = 5,                -- Epochs per round per node\n"
    "    batch_size = 32,\n"
    "    learning_rate = 0.001,\n"
    "    convergence_threshold = 0.001\n"
    ");\n"
    "\n"
    "-- Check training status\n"
    "SELECT * FROM federated_training_status('disease_classifier');\n"
    "\n"
    "-- ## Quick Start 5. Query the Model\n"
    "-- Make predictions using the trained model\n"
    "SELECT federated_predict(\n"
    "    'disease_classifier',\n"
    "    age => 55,\n"
    "    blood_pressure => 140,\n"
    "    cholesterol => 220,\n"
    "    bmi => 28.5\n"
    ") AS disease_probability;\n"
    "\n"
    "-- ## Configuration: Workspace Configuration\n"
    "-- Full configuration example\n"
    "CREATE FEDERATED WORKSPACE financial_consortium WITH (\n"
    "    -- Privacy settings\n"
    "    privacy_budget = 1.0,            -- ε for differential privacy (lower = more privacy)\n"
    "    delta = 1e-5,                    -- δ for (ε,δ)-DP\n"
    "    noise_multiplier = 1.0,          -- Noise scale factor\n"
    "\n"
    "    -- Network settings\n"
    "    min_nodes = 5,                   -- Minimum participating nodes\n"
    "    max_nodes = 200,                 -- Maximum nodes\n"
    "    round_timeout = 300,             -- Seconds per round\n"
    "    communication_protocol = 'grpc', -- 'grpc' or 'https'\n"
    "\n"
    "    -- Security settings\n"
    "    encryption = 'AES-256-GCM',      -- Encryption algorithm\n"
    "    tls_version = '1.3',             -- TLS version\n"
    "    certificate_validation = true,   -- Verify node certificates\n"
    "\n"
    "    -- Compliance settings\n"
    "    compliance_mode = 'GDPR',        -- 'HIPAA', 'GDPR', or 'BOTH'\n"
    "    data_residency = 'EU',           -- Geographic constraint\n"
    "    audit_logging = true,            -- Enable audit logs\n"
    "    retention_days = 2555,           -- 7 years for HIPAA\n"
    "\n"
    "    -- Performance settings\n"
    "    compression = 'zstd',            -- Gradient compression\n"
    "    quantization = 8,                -- Bit quantization (8 or 16)\n"
    "    aggregation_batch_size = 10      -- Aggregate every N nodes\n"
    ");\n"
    "\n"
    "-- ## Configuration: Node Configuration\n"
    "-- Advanced node registration\n"
    "REGISTER FEDERATED NODE 'bank_node_1' IN WORKSPACE financial_consortium WITH (\n"
    "    -- Network settings\n"
    "    endpoint = 'https://bank1.example.com:8443',\n"
    "    backup_endpoint = 'https://bank1-backup.example.com:8443',\n"
    "\n"
    "    -- Authentication\n"
    "    certificate = '/etc/heliosdb/certs/node.pem',\n"
    "    private_key = '/etc/heliosdb/certs/node.key',\n"
    "    ca_bundle = '/etc/heliosdb/certs/ca-bundle.pem',\n"
    "\n"
    "    -- Resource limits\n"
    "    max_memory_gb = 16,              -- Memory limit for training\n"
    "    max_cpu_cores = 8,               -- CPU cores for training\n"
    "    max_bandwidth_mbps = 100,        -- Network bandwidth limit\n"
    "\n"
    "    -- Data settings\n"
    "    data_residency = 'US-WEST',      -- Geographic location\n"
    "    dataset_size = 1000000,          -- Approximate dataset size\n"
    "\n"
    "    -- Contact information\n"
    "    contact = 'ml-team@bank1.example.com',\n"
    "    sla_tier = 'gold'                -- SLA commitment level\n"
    ");\n"
    "\n"
    "-- ## Configuration: Model Configuration\n"
    "-- Advanced model configuration\n"
    "CREATE FEDERATED MODEL fraud_detector IN WORKSPACE financial_consortium WITH (\n"
    "    -- Model architecture\n"
    "    algorithm = 'neural_network',\n"
    "    layers = '[128, 64, 32, 1]',     -- Layer sizes\n"
    "    activation = 'relu',\n"
    "    output_activation = 'sigmoid',\n"
    "\n"
    "    -- Training parameters\n"
    "    rounds = 100,                    -- Total training rounds\n"
    "    local_epochs = 3,                -- Epochs per round per node\n"
    "    batch_size = 64,\n"
    "    learning_rate = 0.01,\n"
    "    optimizer = 'adam',\n"
    "\n"
    "    -- Features and target\n"
    "    features = ['transaction_amount', 'merchant_category', 'time_of_day',\n"
    "                'distance_from_home', 'velocity'],\n"
    "    target = 'is_fraud',\n"
    "\n"
    "    -- Aggregation strategy\n"
    "    aggregation = 'fedavg',          -- FedAvg, FedProx, FedAdam\n"
    "    weighted_aggregation = true,     -- Weight by dataset size\n"
    "\n"
    "    -- Convergence criteria\n"
    "    convergence_threshold = 0.0001,  -- Stop when improvement < threshold\n"
    "    early_stopping_rounds = 10,      -- Stop if no improvement for N rounds\n"
    "\n"
    "    -- Validation\n"
    "    validation_split = 0.2,          -- Validation set size\n"
    "    validation_frequency = 5         -- Validate every N rounds\n"
    ");\n"
    "\n"
    "-- ## Basic Usage: Training Workflow\n"
    "-- 1. Create workspace\n"
    "CREATE FEDERATED WORKSPACE ml_consortium WITH (\n"
    "    privacy_budget = 0.5,\n"
    "    compliance_mode = 'GDPR'\n"
    ");\n"
    "\n"
    "-- 2. Register nodes (run on each participating node)\n"
    "REGISTER FEDERATED NODE 'node_1' IN WORKSPACE ml_consortium WITH (\n"
    "    endpoint = 'https://node1.example.com:8443',\n"
    "    certificate = '/path/to/cert.pem'\n"
    ");\n"
    "\n"
    "-- 3. Create model\n"
    "CREATE FEDERATED MODEL customer_churn IN WORKSPACE ml_consortium WITH (\n"
    "    algorithm = 'random_forest',\n"
    "    features = ['tenure_months', 'monthly_charges', 'contract_type'],\n"
    "    target = 'churned',\n"
    "    rounds = 30\n"
    ");\n"
    "\n"
    "-- 4. Start training\n"
    "START FEDERATED TRAINING customer_churn WITH (\n"
    "    local_epochs = 5,\n"
    "    batch_size = 32\n"
    ");\n"
    "\n"
    "-- 5. Monitor progress\n"
    "SELECT round_number, global_loss, global_accuracy,\n"
    "       participating_nodes, round_duration_seconds\n"
    "FROM federated_training_status('customer_churn')\n"
    "ORDER BY round_number DESC\n"
    "LIMIT 10;\n"
    "\n"
    "-- 6. Wait for convergence\n"
    "SELECT wait_for_convergence('customer_churn', timeout_seconds => 3600);\n"
    "\n"
    "-- 7. Make predictions\n"
    "SELECT customer_id,\n"
    "       federated_predict('customer_churn',\n"
    "           tenure_months => tenure,\n"
    "           monthly_charges => charges,\n"
    "           contract_type => contract\n"
    "       ) AS churn_probability\n"
    "FROM customers\n"
    "WHERE churn_probability > 0.7;\n"
    "\n"
    "-- ## Basic Usage: Checkpoint and Resume\n"
    "-- Save training checkpoint\n"
    "CHECKPOINT FEDERATED TRAINING customer_churn\n"
    "TO '/backups/checkpoint_round_50.bin';\n"
    "\n"
    "-- Resume from checkpoint\n"
    "RESUME FEDERATED TRAINING customer_churn\n"
    "FROM '/backups/checkpoint_round_50.bin';\n"
    "\n"
    "-- List available checkpoints\n"
    "SELECT * FROM federated_checkpoints('customer_churn');\n"
    "\n"
    "-- ## Basic Usage: Model Versioning\n"
    "-- Tag a model version\n"
    "TAG FEDERATED MODEL customer_churn AS 'v1.0_production';\n"
    "\n"
    "-- List model versions\n"
    "SELECT * FROM federated_model_versions('customer_churn');\n"
    "\n"
    "-- Rollback to previous version\n"
    "ROLLBACK FEDERATED MODEL customer_churn TO VERSION 'v1.0_production';\n"
    "\n"
    "-- Compare model versions\n"
    "SELECT compare_federated_models(\n"
    "    'customer_churn',\n"
    "    version_a => 'v1.0_production',\n"
    "    version_b => 'v1.1_candidate'\n"
    ");\n"
    "\n"
    "-- ## Advanced Features: Differential Privacy Configuration\n"
    "-- Configure advanced differential privacy\n"
    "ALTER FEDERATED WORKSPACE ml_consortium SET (\n"
    "    privacy_budget = 0.5,            -- Total ε budget\n"
    "    privacy_per_round = 0.01,        -- ε consumed per round (0.5/50 rounds)\n"
    "    delta = 1e-5,                    -- δ for (ε,δ)-DP\n"
    "    noise_mechanism = 'gaussian',    -- 'gaussian' or 'laplacian'\n"
    "    clipping_threshold = 1.0,        -- Gradient clipping norm\n"
    "    adaptive_clipping = true         -- Auto-adjust clipping\n"
    ");\n"
    "\n"
    "-- Check remaining privacy budget\n"
    "SELECT * FROM federated_privacy_budget('ml_consortium');\n"
    "\n"
    "-- ## Advanced Features: Secure Multi-Party Computation\n"
    "-- Enable secure aggregation (no server sees individual gradients)\n"
    "ALTER FEDERATED MODEL fraud_detector SET (\n"
    "    secure_aggregation = true,       -- Enable secure aggregation\n"
    "    aggregation_protocol = 'shamir', -- Shamir secret sharing\n"
    "    threshold = 3                    -- Need 3+ nodes to decrypt\n"
    ");\n"
    "\n"
    "-- ## Advanced Features: Heterogeneous Data Handling\n"
    "-- Handle non-IID (non-independent identically distributed) data\n"
    "CREATE FEDERATED MODEL disease_predictor WITH (\n"
    "    algorithm = 'neural_network',\n"
    "    aggregation = 'fedprox',         -- Use FedProx for heterogeneous data\n"
    "    proximal_term = 0.01,            -- μ parameter for FedProx\n"
    "    adaptive_learning = true         -- Adjust learning rate per node\n"
    ");\n"
    "\n"
    "-- ## Advanced Features: Federated Evaluation\n"
    "-- Evaluate model on distributed test sets (without sharing test data)\n"
    "SELECT federated_evaluate('fraud_detector') AS (\n"
    "    global_accuracy FLOAT,\n"
    "    global_precision FLOAT,\n"
    "    global_recall FLOAT,\n"
    "    global_f1_score FLOAT,\n"
    "    per_node_metrics JSONB\n"
    ");\n"
    "\n"
    "-- ## Advanced Features: Custom Aggregation Functions\n"
    "-- Define custom aggregation logic\n"
    "CREATE FEDERATED AGGREGATION FUNCTION weighted_median()\n"
    "RETURNS FLOAT AS $$\n"
    "    -- Custom aggregation logic here\n"
    "    -- Receives: list of node gradients + weights\n"
    "    -- Returns: aggregated gradient\n"
    "$$ LANGUAGE plrust;\n"
    "\n"
    "-- Use custom aggregation\n"
    "ALTER FEDERATED MODEL custom_model SET (\n"
    "    aggregation = 'weighted_median'\n"
    ");\n"
    "\n"
    "-- ## Privacy and Compliance: HIPAA Compliance Checklist\n"
    "-- Verify HIPAA compliance\n"
    "SELECT * FROM federated_compliance_check('healthcare_workspace', 'HIPAA') AS (\n"
    "    requirement TEXT,\n"
    "    status TEXT,\n"
    "    details TEXT\n"
    ");\n"
    "\n"
    "-- ## Privacy and Compliance: GDPR Compliance Features\n"
    "-- Right to be forgotten (remove individual from training)\n"
    "DELETE FROM FEDERATED TRAINING customer_churn\n"
    "WHERE data_subject_id = 'user_12345';\n"
    "\n"
    "-- Data portability (export individual's contribution)\n"
    "EXPORT FEDERATED DATA FOR SUBJECT 'user_12345'\n"
    "FROM WORKSPACE ml_consortium\n"
    "TO '/exports/user_12345.json'\n"
    "FORMAT 'json';\n"
    "\n"
    "-- Consent management\n"
    "REVOKE FEDERATED CONSENT FOR SUBJECT 'user_12345'\n"
    "FROM WORKSPACE ml_consortium;\n"
    "\n"
    "-- Check GDPR compliance\n"
    "SELECT * FROM federated_compliance_check('ml_consortium', 'GDPR');\n"
    "\n"
    "-- ## Privacy and Compliance: Privacy Budget Management\n"
    "-- Monitor privacy budget consumption\n"
    "SELECT workspace_name, total_budget_epsilon, consumed_epsilon,\n"
    "       remaining_epsilon, rounds_completed, estimated_remaining_rounds\n"
    "FROM federated_privacy_budget_status\n"
    "WHERE workspace_name = 'ml_consortium';\n"
    "\n"
    "-- Set budget alerts\n"
    "CREATE FEDERATED ALERT privacy_budget_low\n"
    "ON WORKSPACE ml_consortium\n"
    "WHEN remaining_epsilon < 0.1\n"
    "NOTIFY 'privacy-team@example.com';\n"
    "\n"
    "-- ## Performance Tuning: Optimization Guidelines\n"
    "-- Optimize for speed (sacrifice some accuracy)\n"
    "ALTER FEDERATED MODEL fast_model SET (\n"
    "    compression = 'zstd',            -- Compress gradients\n"
    "    quantization = 8,                -- 8-bit quantization\n"
    "    gradient_sparsification = 0.9,   -- Send only top 10% gradients\n"
    "    local_epochs = 1                 -- Fewer local epochs\n"
    ");\n"
    "\n"
    "-- Optimize for accuracy (slower but better results)\n"
    "ALTER FEDERATED MODEL accurate_model SET (\n"
    "    compression = 'none',            -- No compression\n"
    "    quantization = 32,               -- Full precision\n"
    "    gradient_sparsification = 0.0,   -- Send all gradients\n"
    "    local_epochs = 10                -- More local epochs\n"
    ");\n"
    "\n"
    "-- Balanced configuration\n"
    "ALTER FEDERATED MODEL balanced_model SET (\n"
    "    compression = 'lz4',             -- Fast compression\n"
    "    quantization = 16,               -- Half precision\n"
    "    gradient_sparsification = 0.5,   -- Top 50% gradients\n"
    "    local_epochs = 5                 -- Moderate local training\n"
    ");\n"
    "\n"
    "-- ## Performance Tuning: Scaling to 100+ Nodes\n"
    "-- Large-scale configuration\n"
    "CREATE FEDERATED WORKSPACE large_scale WITH (\n"
    "    max_nodes = 200,\n"
    "    aggregation_batch_size = 20,     -- Aggregate every 20 nodes\n"
    "    async_aggregation = true,        -- Don't wait for all nodes\n"
    "    stragglers_timeout = 60,         -- Drop slow nodes after 60s\n"
    "    min_nodes_per_round = 50         -- Need 50+ nodes per round\n"
    ");\n"
    "\n"
    "-- ## Performance Tuning: Network Optimization\n"
    "-- Reduce network overhead\n"
    "ALTER FEDERATED WORKSPACE ml_consortium SET (\n"
    "    compression = 'zstd',            -- ZSTD compression (2-10x)\n"
    "    compression_level = 3,           -- Balance speed/ratio\n"
    "    batch_communication = true,      -- Batch multiple messages\n"
    "    tcp_nodelay = false,             -- Nagle's algorithm on\n"
    "    keepalive_interval = 30          -- TCP keepalive every 30s\n"
    ");\n"
    "\n"
    "-- ## Monitoring: Training Metrics\n"
    "-- Real-time training dashboard\n"
    "SELECT round_number, timestamp, global_loss, global_accuracy,\n"
    "       participating_nodes, dropped_nodes, round_duration_seconds,\n"
    "       communication_mb, privacy_consumed_epsilon\n"
    "FROM federated_training_metrics('customer_churn')\n"
    "WHERE timestamp > NOW() - INTERVAL '1 hour'\n"
    "ORDER BY round_number DESC;\n"
    "\n"
    "-- ## Monitoring: Node Health Monitoring\n"
    "-- Monitor node status\n"
    "SELECT node_name, status,            -- 'active', 'slow', 'failed'\n"
    "       last_seen, rounds_participated, avg_round_time_seconds,\n"
    "       dataset_size, contribution_score\n"
    "FROM federated_node_status\n"
    "WHERE workspace = 'ml_consortium'\n"
    "ORDER BY contribution_score DESC;\n"
    "\n"
    "-- ## Monitoring: Privacy Metrics\n"
    "-- Track privacy consumption over time\n"
    "SELECT timestamp, workspace_name, cumulative_epsilon,\n"
    "       epsilon_per_round, noise_multiplier, clipping_threshold\n"
    "FROM federated_privacy_history\n"
    "WHERE workspace_name = 'ml_consortium'\n"
    "ORDER BY timestamp;\n"
    "\n"
    "-- ## Monitoring: Performance Metrics\n"
    "-- Analyze performance bottlenecks\n"
    "SELECT round_number, phase,          -- 'local_training', 'aggregation', 'distribution'\n"
    "       duration_seconds, cpu_usage_percent, memory_usage_gb,\n"
    "       network_sent_mb, network_received_mb\n"
    "FROM federated_performance_metrics\n"
    "WHERE model_name = 'customer_churn'\n"
    "  AND round_number > 90;\n"
    "\n"
    "-- ## Troubleshooting: Training Not Starting\n"
    "-- Check minimum nodes requirement\n"
    "SELECT workspace_name, min_nodes_required, registered_nodes, active_nodes\n"
    "FROM federated_workspace_status\n"
    "WHERE workspace_name = 'ml_consortium';\n"
    "\n"
    "-- Solution: Register more nodes or reduce min_nodes\n"
    "ALTER FEDERATED WORKSPACE ml_consortium SET (min_nodes = 2);\n"
    "\n"
    "-- ## Troubleshooting: Slow Convergence\n"
    "-- Diagnose convergence issues\n"
    "SELECT round_number, global_loss, loss_delta,\n"
    "       node_variance,                -- High variance = heterogeneous data\n"
    "       learning_rate\n"
    "FROM federated_convergence_diagnostics('slow_model');\n"
    "\n"
    "-- Solutions:\n"
    "-- 1. Use FedProx for heterogeneous data\n"
    "ALTER FEDERATED MODEL slow_model SET (aggregation = 'fedprox');\n"
    "\n"
    "-- 2. Increase learning rate\n"
    "ALTER FEDERATED MODEL slow_model SET (learning_rate = 0.01);\n"
    "\n"
    "-- 3. More local epochs\n"
    "ALTER FEDERATED MODEL slow_model SET (local_epochs = 10);\n"
    "\n"
    "-- ## Troubleshooting: Node Disconnections\n"
    "-- Check node connectivity\n"
    "SELECT node_name, last_heartbeat, connection_status, failure_reason\n"
    "FROM federated_node_diagnostics\n"
    "WHERE workspace = 'ml_consortium'\n"
    "  AND connection_status != 'connected';\n"
    "\n"
    "-- Enable automatic retry\n"
    "ALTER FEDERATED WORKSPACE ml_consortium SET (\n"
    "    auto_reconnect = true,\n"
    "    reconnect_interval = 10\n"
    ");\n"
    "\n"
    "-- ## Troubleshooting: Privacy Budget Exhausted\n"
    "-- Check budget status\n"
    "SELECT * FROM federated_privacy_budget('ml_consortium');\n"
    "\n"
    "-- Solutions:\n"
    "-- 1. Increase budget (reduces privacy)\n"
    "ALTER FEDERATED WORKSPACE ml_consortium SET (privacy_budget = 2.0);\n"
    "\n"
    "-- 2. Use fewer rounds\n"
    "ALTER FEDERATED MODEL expensive_model SET (rounds = 20);\n"
    "\n"
    "-- 3. Increase budget per round\n"
    "ALTER FEDERATED WORKSPACE ml_consortium SET (privacy_per_round = 0.02);\n"
    "\n"
    "-- ## Best Practices: Security Best Practices\n"
    "-- Security hardening checklist\n"
    "SELECT * FROM federated_security_audit('ml_consortium') AS (\n"
    "    check_name TEXT,\n"
    "    status TEXT,\n"
    "    recommendation TEXT\n"
    ");\n"
    "\n"
    "-- ## Best Practices: Data Preparation Best Practices\n"
    "-- Data quality checks\n"
    "SELECT federated_data_quality_check('customer_churn') AS (\n"
    "    node_name TEXT,\n"
    "    feature_statistics JSONB,\n"
    "    missing_values JSONB,\n"
    "    outliers JSONB\n"
    ");\n"
    "\n";

/* The kinds of the guide's federated statements, in order. */
static const HlStmtKind guide_kinds[] = {
    HL_STMT_CREATE_EXTENSION, HL_STMT_CREATE_WORKSPACE, HL_STMT_REGISTER_NODE,
    HL_STMT_CREATE_MODEL, HL_STMT_START_TRAINING, HL_STMT_CREATE_WORKSPACE,
    HL_STMT_REGISTER_NODE, HL_STMT_CREATE_MODEL, HL_STMT_CREATE_WORKSPACE,
    HL_STMT_REGISTER_NODE, HL_STMT_CREATE_MODEL, HL_STMT_START_TRAINING,
    HL_STMT_CHECKPOINT, HL_STMT_RESUME, HL_STMT_TAG_MODEL, HL_STMT_ROLLBACK_MODEL,
    HL_STMT_ALTER_WORKSPACE, HL_STMT_ALTER_MODEL, HL_STMT_CREATE_MODEL,
    HL_STMT_CREATE_AGGFUNC, HL_STMT_ALTER_MODEL, HL_STMT_FORGET, HL_STMT_EXPORT,
    HL_STMT_REVOKE_CONSENT, HL_STMT_CREATE_ALERT, HL_STMT_ALTER_MODEL,
    HL_STMT_ALTER_MODEL, HL_STMT_ALTER_MODEL, HL_STMT_CREATE_WORKSPACE,
    HL_STMT_ALTER_WORKSPACE, HL_STMT_ALTER_WORKSPACE, HL_STMT_ALTER_MODEL,
    HL_STMT_ALTER_MODEL, HL_STMT_ALTER_MODEL, HL_STMT_ALTER_WORKSPACE,
    HL_STMT_ALTER_WORKSPACE, HL_STMT_ALTER_MODEL, HL_STMT_ALTER_WORKSPACE,
};
#define NGUIDE ((int)(sizeof guide_kinds / sizeof guide_kinds[0]))

/* A statement of the guide: its tokens, without the ';'. */
typedef struct GuideStmt {
    int first, n;               /* into the token array */
} GuideStmt;

/* Splits the guide at ';' and calls fn on each federated statement (the
 * ones not starting with a plain word such as SELECT). */
static int guide_each(void (*fn)(const HlToken *t, int n, int index))
{
    Toks tk;
    int start = 0, count = 0;
    int len = (int)sizeof guide - 1;
    HlLexer lx;
    HlToken t;

    tk.v = malloc(sizeof *tk.v * (size_t)len);
    tk.n = 0;
    hl_lex_init(&lx, guide, len);
    while (hl_lex_next(&lx, &t) != 0) {
        CHECK(t.type != TK_ILLEGAL);
        if (t.type == TK_SPACE || t.type == TK_COMMENT)
            continue;
        if (t.type != TK_SEMI) {
            tk.v[tk.n++] = t;
            continue;
        }
        if (tk.n > start && tk.v[start].type != TK_ID)
            fn(tk.v + start, tk.n - start, count++);
        start = tk.n;
    }
    CHECK_INT(start, tk.n);     /* the guide ends with a ';' */
    free(tk.v);
    return count;
}

static void guide_parse_one(const HlToken *t, int n, int index)
{
    hl_err err;
    hl_err_clear(&err);
    HlStmt *st = hl_parse(guide, (int)sizeof guide - 1, t, n, &err);
    unit_checks++;
    if (!st) {
        int line, col;
        hl_lex_linecol(guide, (int)sizeof guide - 1, err.offset, &line, &col);
        unit_failed++;
        fprintf(stderr, "%s: guide line %d:%d: %s\n", __FILE__, line, col, err.msg);
        return;
    }
    if (index < NGUIDE)
        CHECK_STR(hl_stmt_kind_name(st->kind), hl_stmt_kind_name(guide_kinds[index]));
    CHECK_INT(st->off, t[0].offset);
    CHECK_INT(st->off + st->len, t[n - 1].offset + t[n - 1].len);
    CHECK_INT(st->kw_off, t[0].offset);
    CHECK(st->name.s != NULL || st->subject.s != NULL);
    hl_stmt_free(st);
}

static void test_guide(void)
{
    CHECK_INT(guide_each(guide_parse_one), NGUIDE);
}

/* Every proper prefix of a good statement is either a good statement
 * itself or "incomplete input" at the end of its last token: never a
 * syntax error, never a crash or a leak. */
static void guide_prefixes_one(const HlToken *t, int n, int index)
{
    (void)index;
    for (int k = 0; k < n; k++) {
        hl_err err;
        hl_err_clear(&err);
        HlStmt *st = hl_parse(guide, (int)sizeof guide - 1, t, k, &err);
        if (st) {
            hl_stmt_free(st);
            continue;
        }
        CHECK_INT(err.code, HELIOS_INCOMPLETE);
        CHECK_INT(err.offset, k ? t[k - 1].offset + t[k - 1].len : 0);
        CHECK(strncmp(err.msg, "incomplete input: expected ", 27) == 0);
    }
}

/* Dropping or doubling any one token gives an error (or another good
 * statement) with an offset inside the statement, and leaks nothing. */
static void guide_mangle_one(const HlToken *t, int n, int index)
{
    HlToken *m = malloc(sizeof *m * (size_t)(n + 1));
    (void)index;
    for (int k = 0; k < n; k++) {
        for (int how = 0; how < 2; how++) {
            int mn = 0;
            for (int i = 0; i < n; i++) {
                if (i == k && how == 0)
                    continue;
                m[mn++] = t[i];
                if (i == k && how == 1)
                    m[mn++] = t[i];
            }
            hl_err err;
            hl_err_clear(&err);
            HlStmt *st = hl_parse(guide, (int)sizeof guide - 1, m, mn, &err);
            if (st) {
                hl_stmt_free(st);
                continue;
            }
            CHECK(err.code == HELIOS_SYNTAX || err.code == HELIOS_INCOMPLETE);
            CHECK(err.offset >= t[0].offset && err.offset <= t[n - 1].offset + t[n - 1].len);
            CHECK(strlen(err.msg) > 20);
        }
    }
    free(m);
}

static void test_guide_robustness(void)
{
    guide_each(guide_prefixes_one);
    guide_each(guide_mangle_one);
}

/* ---- fields, checked by hand --------------------------------------------- */

static void test_create_workspace(void)
{
    const char *sql =
        "CREATE FEDERATED WORKSPACE healthcare_consortium\n"
        "WITH (\n"
        "    privacy_budget = 0.5,        -- Differential privacy epsilon\n"
        "    min_nodes = 3,\n"
        "    compliance_mode = 'HIPAA',   -- HIPAA or GDPR\n"
        "    encryption = 'AES-256-GCM'\n"
        ")";
    HlStmt *st = PARSE_OK(sql);
    if (!st)
        return;
    CHECK_INT(st->kind, HL_STMT_CREATE_WORKSPACE);
    CHECK_INT(st->kw_off, 0);
    CHECK_INT(st->kw_len, 26);
    CHECK_INT(st->off, 0);
    CHECK_INT(st->len, (int)strlen(sql));
    CHECK_STR(st->name.s, "healthcare_consortium");
    CHECK_INT(st->name.off, 27);
    CHECK_INT(st->name.len, 21);
    CHECK_INT(st->if_not_exists, 0);
    CHECK(st->workspace.s == NULL);
    CHECK_INT(st->opts.n, 4);
    if (st->opts.n == 4) {
        HlOption *o = st->opts.v;
        CHECK_STR(o[0].name.s, "privacy_budget");
        CHECK_INT(o[0].name.off, off_of(sql, "privacy_budget"));
        CHECK_INT(o[0].name.len, 14);
        CHECK_INT(o[0].value.kind, HL_V_REAL);
        CHECK_NEAR(o[0].value.r, 0.5, 0);
        CHECK_INT(o[0].value.off, off_of(sql, "0.5"));
        CHECK_INT(o[0].value.len, 3);
        CHECK_INT(o[1].value.kind, HL_V_INT);
        CHECK_INT(o[1].value.i, 3);
        CHECK_NEAR(o[1].value.r, 3.0, 0);
        CHECK_STR(o[2].name.s, "compliance_mode");
        CHECK_INT(o[2].value.kind, HL_V_STRING);
        CHECK_STR(o[2].value.s, "HIPAA");
        CHECK_INT(o[2].value.off, off_of(sql, "'HIPAA'"));
        CHECK_INT(o[2].value.len, 7);
        CHECK_STR(o[3].value.s, "AES-256-GCM");
    }
    hl_stmt_free(st);
}

static void test_create_model(void)
{
    const char *sql =
        "CREATE FEDERATED MODEL IF NOT EXISTS fraud_detector IN WORKSPACE financial_consortium WITH (\n"
        "    layers = '[128, 64, 32, 1]',\n"
        "    features = ['transaction_amount', 'merchant_category',\n"
        "                'velocity'],\n"
        "    sizes = [128, -64, 1e-5],\n"
        "    weighted_aggregation = true,\n"
        "    activation = relu,\n"
        "    empty = [],\n"
        "    nothing = NULL\n"
        ")";
    HlStmt *st = PARSE_OK(sql);
    if (!st)
        return;
    CHECK_INT(st->kind, HL_STMT_CREATE_MODEL);
    CHECK_INT(st->if_not_exists, 1);
    CHECK_STR(st->name.s, "fraud_detector");
    CHECK_STR(st->workspace.s, "financial_consortium");
    CHECK_INT(st->workspace.off, off_of(sql, "financial_consortium"));
    CHECK_INT(st->kw_len, 22);
    CHECK_INT(st->opts.n, 7);
    if (st->opts.n == 7) {
        HlValue *v = &st->opts.v[0].value;
        CHECK_INT(v->kind, HL_V_STRING);               /* stays a string */
        CHECK_STR(v->s, "[128, 64, 32, 1]");
        v = &st->opts.v[1].value;
        CHECK_INT(v->kind, HL_V_LIST);
        CHECK_INT(v->nitems, 3);
        CHECK_INT(v->off, off_of(sql, "['transaction_amount'"));
        CHECK_INT(v->off + v->len, off_of(sql, "'velocity']") + 11);
        if (v->nitems == 3) {
            CHECK_INT(v->items[0].kind, HL_V_STRING);
            CHECK_STR(v->items[0].s, "transaction_amount");
            CHECK_STR(v->items[2].s, "velocity");
            CHECK_INT(v->items[2].off, off_of(sql, "'velocity'"));
        }
        v = &st->opts.v[2].value;
        CHECK_INT(v->nitems, 3);
        if (v->nitems == 3) {
            CHECK_INT(v->items[0].kind, HL_V_INT);
            CHECK_INT(v->items[1].i, -64);
            CHECK_INT(v->items[1].off, off_of(sql, "-64"));
            CHECK_INT(v->items[1].len, 3);
            CHECK_INT(v->items[2].kind, HL_V_REAL);
            CHECK_NEAR(v->items[2].r, 1e-5, 1e-20);
        }
        CHECK_INT(st->opts.v[3].value.kind, HL_V_BOOL);
        CHECK_INT(st->opts.v[3].value.i, 1);
        CHECK_INT(st->opts.v[4].value.kind, HL_V_IDENT);
        CHECK_STR(st->opts.v[4].value.s, "relu");
        CHECK_INT(st->opts.v[5].value.kind, HL_V_LIST);
        CHECK_INT(st->opts.v[5].value.nitems, 0);
        CHECK_INT(st->opts.v[5].value.len, 2);
        CHECK_INT(st->opts.v[6].value.kind, HL_V_NULL);
        CHECK_INT(st->opts.v[6].value.len, 4);
    }
    hl_stmt_free(st);
}

/* Number spellings and what they become. */
static void test_numbers(void)
{
    static const struct {
        const char *text;
        HlValueKind kind;
        int64_t i;
        double r;
    } nums[] = {
        { "42", HL_V_INT, 42, 42 },
        { "-1", HL_V_INT, -1, -1 },
        { "+7", HL_V_INT, 7, 7 },
        { "- 3", HL_V_INT, -3, -3 },
        { "-0.5", HL_V_REAL, 0, -0.5 },
        { "1e-5", HL_V_REAL, 0, 1e-5 },
        { "2.5E3", HL_V_REAL, 0, 2500 },
        { ".25", HL_V_REAL, 0, 0.25 },
        { "5.", HL_V_REAL, 0, 5 },
        { "0x1F", HL_V_INT, 31, 31 },
        { "-0x10", HL_V_INT, -16, -16 },
        { "0xFFFFFFFFFFFFFFFF", HL_V_INT, -1, -1 },
        { "1_000_000", HL_V_INT, 1000000, 1e6 },
        { "9223372036854775807", HL_V_INT, INT64_MAX, 9223372036854775807.0 },
        { "-9223372036854775808", HL_V_INT, INT64_MIN, -9223372036854775808.0 },
        { "9223372036854775808", HL_V_REAL, 0, 9223372036854775808.0 },
        { "-99999999999999999999", HL_V_REAL, 0, -1e20 },
        { "0x00000000000000000001", HL_V_INT, 1, 1 },   /* leading zeros are not "too big" */
        { "1" "0000000000" "0000000000" "0000000000" "0000000000" "0000000000"
          "0000000000" "0000000000", HL_V_REAL, 0, 1e70 },
    };
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        char sql[128];
        snprintf(sql, sizeof sql, "ALTER FEDERATED MODEL m SET (x = %s)", nums[k].text);
        HlStmt *st = PARSE_OK(sql);
        if (!st)
            continue;
        HlValue *v = &st->opts.v[0].value;
        CHECK_INT(v->kind, nums[k].kind);
        if (nums[k].kind == HL_V_INT)
            CHECK_INT(v->i, nums[k].i);
        CHECK_NEAR(v->r, nums[k].r, fabs(nums[k].r) * 1e-15);
        CHECK_INT(v->off, 33);
        CHECK_INT(v->len, (int)strlen(nums[k].text));
        hl_stmt_free(st);
    }
}

/* SQL's decimal point is '.', whatever LC_NUMERIC says (where a locale
 * with a decimal comma is installed). */
static void test_numbers_locale(void)
{
    static const char *const commas[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", NULL };
    char *saved = setlocale(LC_NUMERIC, NULL);
    char old[64];
    int found = 0;
    snprintf(old, sizeof old, "%s", saved ? saved : "C");
    for (int i = 0; commas[i] && !found; i++)
        found = setlocale(LC_NUMERIC, commas[i]) != NULL;
    if (!found)
        return;                 /* nothing to test on this machine */
    HlStmt *st = PARSE_OK("ALTER FEDERATED MODEL m SET (x = 0.25, y = 1.5e2)");
    if (st) {
        CHECK_NEAR(st->opts.v[0].value.r, 0.25, 0);
        CHECK_NEAR(st->opts.v[1].value.r, 150, 0);
        hl_stmt_free(st);
    }
    setlocale(LC_NUMERIC, old);
}

static void test_names(void)
{
    /* The brief's example: keywords are names where a name goes. */
    const char *sql =
        "CREATE FEDERATED MODEL training IN WORKSPACE data WITH (format = 'x', source = 't')";
    HlStmt *st = PARSE_OK(sql);
    if (st) {
        CHECK_STR(st->name.s, "training");
        CHECK_STR(st->workspace.s, "data");
        CHECK_INT(st->opts.n, 2);
        if (st->opts.n == 2)
            CHECK_STR(st->opts.v[0].name.s, "format");
        hl_stmt_free(st);
    }
    /* Every keyword, in any case, as an option name and as a bare value. */
    for (int code = 1; code < 256; code++) {
        const char *kw = hl_lex_token_name(code);
        char buf[128];
        if (kw[0] < 'A' || kw[0] > 'Z')
            continue;
        snprintf(buf, sizeof buf, "ALTER FEDERATED MODEL m SET (%s = x, y = %s)", kw, kw);
        st = PARSE_OK(buf);
        if (!st)
            continue;
        CHECK_STR(st->opts.v[0].name.s, kw);
        if (code == TK_TRUE || code == TK_FALSE)
            CHECK_INT(st->opts.v[1].value.kind, HL_V_BOOL);
        else if (code == TK_NULL)
            CHECK_INT(st->opts.v[1].value.kind, HL_V_NULL);
        else {
            CHECK_INT(st->opts.v[1].value.kind, HL_V_IDENT);
            CHECK_STR(st->opts.v[1].value.s, kw);
        }
        hl_stmt_free(st);
        /* and as a model name, except IF which starts IF EXISTS */
        if (code == TK_IF)
            continue;
        snprintf(buf, sizeof buf, "DROP FEDERATED MODEL %s", kw);
        st = PARSE_OK(buf);
        if (st)
            CHECK_STR(st->name.s, kw);
        hl_stmt_free(st);
    }
    /* Quoted names lose their quotes; doubled quotes become one. */
    sql = "REGISTER FEDERATED NODE 'it''s' IN WORKSPACE \"My \"\"WS\"\"\" WITH (`odd``name` = 1)";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_STR(st->name.s, "it's");
        CHECK_INT(st->name.off, 24);
        CHECK_INT(st->name.len, 7);
        CHECK_STR(st->workspace.s, "My \"WS\"");
        CHECK_INT(st->workspace.len, 11);
        CHECK_STR(st->opts.v[0].name.s, "odd`name");
        hl_stmt_free(st);
    }
    st = PARSE_OK("create federated workspace Ünïcödé");
    if (st) {
        CHECK_STR(st->name.s, "Ünïcödé");
        hl_stmt_free(st);
    }
}

static void test_statements(void)
{
    HlStmt *st;

    st = PARSE_OK("CREATE EXTENSION IF NOT EXISTS heliosdb_federated_learning");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_CREATE_EXTENSION);
        CHECK_INT(st->if_not_exists, 1);
        CHECK_STR(st->name.s, "heliosdb_federated_learning");
        CHECK_INT(st->kw_len, 16);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED WORKSPACE IF EXISTS w CASCADE");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DROP_WORKSPACE);
        CHECK(st->if_exists && st->cascade);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED WORKSPACE w RESTRICT");
    if (st) {
        CHECK(!st->if_exists && !st->cascade);
        hl_stmt_free(st);
    }
    st = PARSE_OK("USE FEDERATED WORKSPACE ml_consortium");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_USE_WORKSPACE);
        CHECK_STR(st->name.s, "ml_consortium");
        hl_stmt_free(st);
    }
    st = PARSE_OK("DEREGISTER FEDERATED NODE IF EXISTS 'n1' IN WORKSPACE w");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DEREGISTER_NODE);
        CHECK(st->if_exists);
        CHECK_STR(st->name.s, "n1");
        CHECK_STR(st->workspace.s, "w");
        hl_stmt_free(st);
    }
    st = PARSE_OK("ALTER FEDERATED NODE 'n1' IN WORKSPACE w SET (max_cpu_cores = 4)");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_ALTER_NODE);
        CHECK_STR(st->workspace.s, "w");
        CHECK_INT(st->opts.n, 1);
        hl_stmt_free(st);
    }

    const char *sql = "REGISTER FEDERATED NODES 20 IN WORKSPACE sim FROM TABLE patients "
                      "PARTITION BY DIRICHLET(label, 0.5) SEED 42 WITH (data_residency = 'EU')";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_INT(st->kind, HL_STMT_REGISTER_NODES);
        CHECK_INT(st->count, 20);
        CHECK_INT(st->count_off, 25);
        CHECK_STR(st->workspace.s, "sim");
        CHECK_STR(st->table.s, "patients");
        CHECK_INT(st->table.off, off_of(sql, "patients"));
        CHECK_INT(st->partition, HL_PART_DIRICHLET);
        CHECK_INT(st->partition_off, off_of(sql, "PARTITION"));
        CHECK_STR(st->part_column.s, "label");
        CHECK_INT(st->alpha.kind, HL_V_REAL);
        CHECK_NEAR(st->alpha.r, 0.5, 0);
        CHECK_INT(st->seed.kind, HL_V_INT);
        CHECK_INT(st->seed.i, 42);
        CHECK_INT(st->opts.n, 1);
        CHECK_INT(st->kw_len, 24);
        hl_stmt_free(st);
    }
    st = PARSE_OK("REGISTER FEDERATED NODES 3 FROM TABLE t PARTITION BY IID");
    if (st) {
        CHECK_INT(st->partition, HL_PART_IID);
        CHECK(st->workspace.s == NULL);
        CHECK_INT(st->seed.kind, HL_V_NULL);
        CHECK(st->part_column.s == NULL);
        hl_stmt_free(st);
    }
    st = PARSE_OK("REGISTER FEDERATED NODES 3 FROM TABLE t PARTITION BY COLUMN region SEED 7");
    if (st) {
        CHECK_INT(st->partition, HL_PART_COLUMN);
        CHECK_STR(st->part_column.s, "region");
        CHECK_INT(st->seed.i, 7);
        hl_stmt_free(st);
    }
    st = PARSE_OK("REGISTER FEDERATED NODES 99999999999999999999 FROM TABLE t PARTITION BY IID");
    if (st) {
        CHECK_INT(st->count, -1);       /* too large: left to the checker */
        hl_stmt_free(st);
    }

    st = PARSE_OK("DESCRIBE FEDERATED MODEL m");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DESCRIBE_MODEL);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED MODEL IF EXISTS m");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DROP_MODEL);
        CHECK(st->if_exists);
        hl_stmt_free(st);
    }
    st = PARSE_OK("STOP FEDERATED TRAINING m");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_STOP_TRAINING);
        hl_stmt_free(st);
    }
    st = PARSE_OK("START FEDERATED TRAINING m");
    if (st) {
        CHECK_INT(st->opts.n, 0);
        hl_stmt_free(st);
    }
    sql = "CHECKPOINT FEDERATED TRAINING customer_churn\nTO '/backups/checkpoint_round_50.bin'";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_STR(st->path.s, "/backups/checkpoint_round_50.bin");
        CHECK_INT(st->path.off, off_of(sql, "'/backups"));
        CHECK_INT(st->kw_len, 29);
        hl_stmt_free(st);
    }
    st = PARSE_OK("RESUME FEDERATED TRAINING m");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_RESUME);
        CHECK(st->path.s == NULL);
        hl_stmt_free(st);
    }
    st = PARSE_OK("TAG FEDERATED MODEL customer_churn AS 'v1.0_production'");
    if (st) {
        CHECK_STR(st->tag.s, "v1.0_production");
        hl_stmt_free(st);
    }
    st = PARSE_OK("ROLLBACK FEDERATED MODEL m TO VERSION 'v1.0_production'");
    if (st) {
        CHECK_INT(st->version.kind, HL_V_STRING);
        CHECK_STR(st->version.s, "v1.0_production");
        hl_stmt_free(st);
    }
    st = PARSE_OK("ROLLBACK FEDERATED MODEL m TO VERSION 3");
    if (st) {
        CHECK_INT(st->version.kind, HL_V_INT);
        CHECK_INT(st->version.i, 3);
        hl_stmt_free(st);
    }

    sql = "CREATE FEDERATED AGGREGATION FUNCTION weighted_median()\n"
          "RETURNS FLOAT AS $$\n    -- it's a 'body'; with $ signs\n$$ LANGUAGE plrust";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_INT(st->kind, HL_STMT_CREATE_AGGFUNC);
        CHECK_STR(st->name.s, "weighted_median");
        CHECK_STR(st->returns.s, "FLOAT");
        CHECK_STR(st->body.s, "\n    -- it's a 'body'; with $ signs\n");
        CHECK_INT(st->body.off, off_of(sql, "$$"));
        CHECK_INT(st->body.len, off_of(sql, " LANGUAGE") - off_of(sql, "$$"));
        CHECK(st->symbol.s == NULL);
        CHECK_STR(st->language.s, "plrust");
        CHECK_INT(st->kw_len, 37);
        hl_stmt_free(st);
    }
    st = PARSE_OK("CREATE FEDERATED AGGREGATION FUNCTION trimmed() RETURNS FLOAT "
                  "AS 'libtrim.so', 'trimmed_mean' LANGUAGE c");
    if (st) {
        CHECK_STR(st->body.s, "libtrim.so");
        CHECK_STR(st->symbol.s, "trimmed_mean");
        CHECK_STR(st->language.s, "c");
        hl_stmt_free(st);
    }
    st = PARSE_OK("CREATE FEDERATED AGGREGATION FUNCTION f() RETURNS FLOAT AS 'libf.so' LANGUAGE c");
    if (st) {
        CHECK_STR(st->body.s, "libf.so");
        CHECK(st->symbol.s == NULL);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED AGGREGATION FUNCTION IF EXISTS trimmed()");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DROP_AGGFUNC);
        CHECK(st->if_exists);
        hl_stmt_free(st);
    }

    sql = "CREATE FEDERATED ALERT privacy_budget_low\nON WORKSPACE ml_consortium\n"
          "WHEN remaining_epsilon <= -0.1\nNOTIFY 'privacy-team@example.com'";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_INT(st->kind, HL_STMT_CREATE_ALERT);
        CHECK_STR(st->workspace.s, "ml_consortium");
        CHECK_STR(st->metric.s, "remaining_epsilon");
        CHECK_INT(st->cmp, HL_CMP_LE);
        CHECK_INT(st->cmp_off, off_of(sql, "<="));
        CHECK_NEAR(st->threshold.r, -0.1, 0);
        CHECK_INT(st->threshold.off, off_of(sql, "-0.1"));
        CHECK_STR(st->notify.s, "privacy-team@example.com");
        hl_stmt_free(st);
    }
    static const struct { const char *op; HlCmp cmp; } cmps[] = {
        { "<", HL_CMP_LT }, { "<=", HL_CMP_LE }, { ">", HL_CMP_GT }, { ">=", HL_CMP_GE },
        { "=", HL_CMP_EQ }, { "!=", HL_CMP_NE }, { "<>", HL_CMP_NE },
    };
    for (size_t k = 0; k < sizeof cmps / sizeof cmps[0]; k++) {
        char buf[128];
        snprintf(buf, sizeof buf, "CREATE FEDERATED ALERT a ON WORKSPACE w WHEN m %s 1 NOTIFY 'x'",
                 cmps[k].op);
        st = PARSE_OK(buf);
        if (st)
            CHECK_INT(st->cmp, cmps[k].cmp);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED ALERT IF EXISTS a");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DROP_ALERT);
        hl_stmt_free(st);
    }

    st = PARSE_OK("DELETE FROM FEDERATED TRAINING customer_churn\nWHERE data_subject_id = 'user_12345'");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_FORGET);
        CHECK_STR(st->column.s, "data_subject_id");
        CHECK_INT(st->value.kind, HL_V_STRING);
        CHECK_STR(st->value.s, "user_12345");
        CHECK_INT(st->kw_len, 30);
        hl_stmt_free(st);
    }
    sql = "EXPORT FEDERATED DATA FOR SUBJECT 'user_12345'\nFROM WORKSPACE ml_consortium\n"
          "TO '/exports/user_12345.json'\nFORMAT 'json'";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_INT(st->kind, HL_STMT_EXPORT);
        CHECK_STR(st->subject.s, "user_12345");
        CHECK_INT(st->subject.off, off_of(sql, "'user_12345'"));
        CHECK_STR(st->workspace.s, "ml_consortium");
        CHECK_STR(st->path.s, "/exports/user_12345.json");
        CHECK_STR(st->format.s, "json");
        hl_stmt_free(st);
    }
    st = PARSE_OK("EXPORT FEDERATED DATA FOR SUBJECT 12345 FROM WORKSPACE w TO 'f' FORMAT json");
    if (st) {
        CHECK_STR(st->subject.s, "12345");
        CHECK_STR(st->format.s, "json");
        hl_stmt_free(st);
    }
    st = PARSE_OK("REVOKE FEDERATED CONSENT FOR SUBJECT 'u1' FROM WORKSPACE w");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_REVOKE_CONSENT);
        CHECK_STR(st->subject.s, "u1");
        CHECK_STR(st->workspace.s, "w");
        hl_stmt_free(st);
    }
    st = PARSE_OK("GRANT FEDERATED CONSENT FOR SUBJECT 'u1' TO WORKSPACE w");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_GRANT_CONSENT);
        CHECK_STR(st->workspace.s, "w");
        hl_stmt_free(st);
    }
    st = PARSE_OK("SHOW FEDERATED WORKSPACES");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_SHOW);
        CHECK_INT(st->show, HL_SHOW_WORKSPACES);
        CHECK_INT(st->kw_len, 25);
        hl_stmt_free(st);
    }
    st = PARSE_OK("show federated nodes in workspace w");
    if (st) {
        CHECK_INT(st->show, HL_SHOW_NODES);
        CHECK_STR(st->workspace.s, "w");
        hl_stmt_free(st);
    }
    st = PARSE_OK("SHOW FEDERATED MODELS");
    if (st) {
        CHECK_INT(st->show, HL_SHOW_MODELS);
        CHECK(st->workspace.s == NULL);
        hl_stmt_free(st);
    }
}

/* Offsets are into the text given, wherever the statement starts in it. */
static void test_offsets_in_script(void)
{
    const char *src = "SELECT 1;\n-- c\nSTOP FEDERATED TRAINING \"m\"  ";
    Toks tk;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(scan(src, (int)strlen(src), &tk), 0);
    CHECK_INT(tk.n, 7);
    HlStmt *st = hl_parse(src, (int)strlen(src), tk.v + 3, 4, &err);
    CHECK(st != NULL);
    if (st) {
        CHECK_INT(st->off, 15);
        CHECK_INT(st->len, 27);
        CHECK_INT(st->kw_off, 15);
        CHECK_INT(st->kw_len, 23);
        CHECK_STR(st->name.s, "m");
        CHECK_INT(st->name.off, 39);
        CHECK_INT(st->name.len, 3);
        hl_stmt_free(st);
    }
    /* Incomplete: at the end of the last token, not of the text. */
    st = hl_parse(src, (int)strlen(src), tk.v + 3, 3, &err);
    CHECK(st == NULL);
    CHECK_INT(err.code, HELIOS_INCOMPLETE);
    CHECK_INT(err.offset, 38);
    CHECK_STR(err.msg, "incomplete input: expected a name");
    /* Blanks and comments handed in by mistake are skipped. */
    HlToken withspace[3];
    HlLexer lx;
    hl_lex_init(&lx, "SHOW FEDERATED MODELS", 21);
    hl_lex_next(&lx, &withspace[0]);
    hl_lex_next(&lx, &withspace[1]);
    hl_lex_next(&lx, &withspace[2]);
    HlToken rest[2];
    hl_lex_next(&lx, &rest[0]);
    hl_lex_next(&lx, &rest[1]);
    HlToken all[5] = { withspace[0], withspace[1], withspace[2], rest[0], rest[1] };
    hl_err_clear(&err);
    st = hl_parse("SHOW FEDERATED MODELS", 21, all, 5, &err);
    CHECK(st != NULL);
    hl_stmt_free(st);
    free(tk.v);
}

/* ---- bad inputs ---------------------------------------------------------- */

static const struct {
    const char *sql;
    int code, offset;
    const char *msg;
} bad[] = {
    { "CREATE FEDERATED MODEL m WTIH (a = 1)",
      HELIOS_SYNTAX, 25,
      "syntax error at 'WTIH': expected WITH, IN or end of statement" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1",
      HELIOS_INCOMPLETE, 40,
      "incomplete input: expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1 b = 2)",
      HELIOS_SYNTAX, 41,
      "syntax error at 'b': expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = [1, [2]])",
      HELIOS_SYNTAX, 43,
      "syntax error at '[': lists cannot be nested" },
    { "CREATE FEDERATED WORKSPACE w WITH ()",
      HELIOS_SYNTAX, 35,
      "syntax error at ')': expected a name" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1,)",
      HELIOS_SYNTAX, 41,
      "syntax error at ')': expected a name" },
    { "CREATE FEDERATED WORKSPACE w WITH a = 1",
      HELIOS_SYNTAX, 34,
      "syntax error at 'a': expected '('" },
    { "CREATE FEDERATED WORKSPACE",
      HELIOS_INCOMPLETE, 26,
      "incomplete input: expected IF or a name" },
    { "CREATE FEDERATED",
      HELIOS_INCOMPLETE, 16,
      "incomplete input: expected WORKSPACE, MODEL, AGGREGATION or ALERT" },
    { "CREATE FEDERATED FOO",
      HELIOS_SYNTAX, 17,
      "syntax error at 'FOO': expected WORKSPACE, MODEL, AGGREGATION or ALERT" },
    { "CREATE EXTENSION",
      HELIOS_INCOMPLETE, 16,
      "incomplete input: expected IF or a name" },
    { "CREATE EXTENSION IF EXISTS x",
      HELIOS_SYNTAX, 20,
      "syntax error at 'EXISTS': expected NOT" },
    { "DROP FEDERATED WORKSPACE IF NOT EXISTS w",
      HELIOS_SYNTAX, 28,
      "syntax error at 'NOT': expected EXISTS" },
    { "DROP FEDERATED WORKSPACE w CASCADE RESTRICT",
      HELIOS_SYNTAX, 35,
      "syntax error at 'RESTRICT': expected end of statement" },
    { "ALTER FEDERATED WORKSPACE w WITH (a = 1)",
      HELIOS_SYNTAX, 28,
      "syntax error at 'WITH': expected SET" },
    { "ALTER FEDERATED WORKSPACE w",
      HELIOS_INCOMPLETE, 27,
      "incomplete input: expected SET" },
    { "ALTER FEDERATED MODEL m SET (a = 1) extra",
      HELIOS_SYNTAX, 36,
      "syntax error at 'extra': expected end of statement" },
    { "REGISTER FEDERATED NODE",
      HELIOS_INCOMPLETE, 23,
      "incomplete input: expected a name" },
    { "REGISTER FEDERATED NODE 'n' IN w",
      HELIOS_SYNTAX, 31,
      "syntax error at 'w': expected WORKSPACE" },
    { "REGISTER FEDERATED NODES ten FROM TABLE t PARTITION BY IID",
      HELIOS_SYNTAX, 25,
      "syntax error at 'ten': expected an integer" },
    { "REGISTER FEDERATED NODES 10 FROM t",
      HELIOS_SYNTAX, 33,
      "syntax error at 't': expected TABLE" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t",
      HELIOS_INCOMPLETE, 40,
      "incomplete input: expected PARTITION" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY RANDOM",
      HELIOS_SYNTAX, 54,
      "syntax error at 'RANDOM': expected IID, DIRICHLET or COLUMN" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY DIRICHLET(label)",
      HELIOS_SYNTAX, 69,
      "syntax error at ')': expected ','" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY DIRICHLET(label, 'x')",
      HELIOS_SYNTAX, 71,
      "syntax error at string 'x': expected a number" },
    { "REGISTER FEDERATED NODES 1.5 FROM TABLE t PARTITION BY IID",
      HELIOS_SYNTAX, 25,
      "syntax error at '1.5': expected an integer" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY IID SEED x",
      HELIOS_SYNTAX, 63,
      "syntax error at 'x': expected a number" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY COLUMN",
      HELIOS_INCOMPLETE, 60,
      "incomplete input: expected a name" },
    { "START FEDERATED TRAINING",
      HELIOS_INCOMPLETE, 24,
      "incomplete input: expected a name" },
    { "START FEDERATED TRAINING m WITH",
      HELIOS_INCOMPLETE, 31,
      "incomplete input: expected '('" },
    { "STOP FEDERATED TRAINING m WITH (a = 1)",
      HELIOS_SYNTAX, 26,
      "syntax error at 'WITH': expected end of statement" },
    { "CHECKPOINT FEDERATED TRAINING m",
      HELIOS_INCOMPLETE, 31,
      "incomplete input: expected TO" },
    { "CHECKPOINT FEDERATED TRAINING m TO file",
      HELIOS_SYNTAX, 35,
      "syntax error at 'file': expected a string" },
    { "RESUME FEDERATED TRAINING m FROM",
      HELIOS_INCOMPLETE, 32,
      "incomplete input: expected a string" },
    { "TAG FEDERATED MODEL m 'v1'",
      HELIOS_SYNTAX, 22,
      "syntax error at string 'v1': expected AS" },
    { "ROLLBACK FEDERATED MODEL m TO 'v1'",
      HELIOS_SYNTAX, 30,
      "syntax error at string 'v1': expected VERSION" },
    { "ROLLBACK FEDERATED MODEL m TO VERSION",
      HELIOS_INCOMPLETE, 37,
      "incomplete input: expected a string or an integer" },
    { "ROLLBACK FEDERATED MODEL m TO VERSION 1.5",
      HELIOS_SYNTAX, 38,
      "syntax error at '1.5': expected a string or an integer" },
    { "CREATE FEDERATED AGGREGATION FUNCTION f RETURNS FLOAT AS $$ x $$ LANGUAGE plrust",
      HELIOS_SYNTAX, 40,
      "syntax error at 'RETURNS': expected '('" },
    { "CREATE FEDERATED AGGREGATION FUNCTION f() RETURNS FLOAT AS $$ x $$",
      HELIOS_INCOMPLETE, 66,
      "incomplete input: expected LANGUAGE" },
    { "CREATE FEDERATED AGGREGATION FUNCTION f() RETURNS FLOAT AS x LANGUAGE c",
      HELIOS_SYNTAX, 59,
      "syntax error at 'x': expected a string or a $$ body $$" },
    { "CREATE FEDERATED AGGREGATION FUNCTION f(x) RETURNS FLOAT AS $$ x $$ LANGUAGE c",
      HELIOS_SYNTAX, 40,
      "syntax error at 'x': expected ')' to close '('" },
    { "CREATE FEDERATED ALERT a ON WORKSPACE w WHEN m ~ 1 NOTIFY 'x'",
      HELIOS_SYNTAX, 47,
      "syntax error at '~': expected '<', '<=', '>', '>=', '=' or '!='" },
    { "CREATE FEDERATED ALERT a WHEN m < 1 NOTIFY 'x'",
      HELIOS_SYNTAX, 25,
      "syntax error at 'WHEN': expected ON" },
    { "CREATE FEDERATED ALERT a ON WORKSPACE w WHEN m < 'low' NOTIFY 'x'",
      HELIOS_SYNTAX, 49,
      "syntax error at string 'low': expected a number" },
    { "CREATE FEDERATED ALERT a ON WORKSPACE w WHEN m < 1",
      HELIOS_INCOMPLETE, 50,
      "incomplete input: expected NOTIFY" },
    { "DELETE FROM FEDERATED TRAINING m",
      HELIOS_INCOMPLETE, 32,
      "incomplete input: expected WHERE" },
    { "DELETE FROM FEDERATED TRAINING m WHERE id > 5",
      HELIOS_SYNTAX, 42,
      "syntax error at '>': expected '='" },
    { "DELETE FROM FEDERATED TRAINING m WHERE id = [1]",
      HELIOS_SYNTAX, 44,
      "syntax error at '[': expected a single value, not a list" },
    { "EXPORT FEDERATED DATA FOR SUBJECT 'u' TO '/x'",
      HELIOS_SYNTAX, 38,
      "syntax error at 'TO': expected FROM" },
    { "EXPORT FEDERATED DATA FOR SUBJECT 'u' FROM WORKSPACE w",
      HELIOS_INCOMPLETE, 54,
      "incomplete input: expected TO" },
    { "REVOKE FEDERATED CONSENT FOR 'u' FROM WORKSPACE w",
      HELIOS_SYNTAX, 29,
      "syntax error at string 'u': expected SUBJECT" },
    { "GRANT FEDERATED CONSENT FOR SUBJECT 'u' FROM WORKSPACE w",
      HELIOS_SYNTAX, 40,
      "syntax error at 'FROM': expected TO" },
    { "SHOW FEDERATED TABLES",
      HELIOS_SYNTAX, 15,
      "syntax error at 'TABLES': expected WORKSPACES, NODES or MODELS" },
    { "SHOW FEDERATED WORKSPACES IN WORKSPACE w",
      HELIOS_SYNTAX, 26,
      "syntax error at 'IN': expected end of statement" },
    { "USE FEDERATED WORKSPACE",
      HELIOS_INCOMPLETE, 23,
      "incomplete input: expected a name" },
    { "DESCRIBE FEDERATED MODEL m, n",
      HELIOS_SYNTAX, 26,
      "syntax error at ',': expected end of statement" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = -x)",
      HELIOS_SYNTAX, 40,
      "syntax error at 'x': expected a number" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1 = 2)",
      HELIOS_SYNTAX, 41,
      "syntax error at '=': expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH ('a' = 1)",
      HELIOS_SYNTAX, 35,
      "syntax error at string 'a': expected a name" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 0x12345678901234567)",
      HELIOS_SYNTAX, 39,
      "hex literal too big: 0x12345678901234567" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = [1, 2)",
      HELIOS_SYNTAX, 44,
      "syntax error at ')': expected ',' or ']' to close '['" },
    { "CREATE FEDERATED WORKSPACE w WITH (a.b = 1)",
      HELIOS_SYNTAX, 36,
      "syntax error at '.': expected '='" },
    { "DROP FEDERATED NODE n",
      HELIOS_SYNTAX, 15,
      "syntax error at 'NODE': expected WORKSPACE, MODEL, AGGREGATION or ALERT" },
    { "CREATE FEDERATED MODEL m IN WORKSPACE w IN WORKSPACE v",
      HELIOS_SYNTAX, 40,
      "syntax error at 'IN': expected WITH or end of statement" },
    { "DEREGISTER FEDERATED NODE 'n' WITH (a = 1)",
      HELIOS_SYNTAX, 30,
      "syntax error at 'WITH': expected IN or end of statement" },
    { "CREATE FEDERATED WORKSPACE IF NOT w",
      HELIOS_SYNTAX, 34,
      "syntax error at 'w': expected EXISTS" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1) WITH (b = 2)",
      HELIOS_SYNTAX, 42,
      "syntax error at 'WITH': expected end of statement" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = --",
      HELIOS_INCOMPLETE, 38,
      "incomplete input: expected a value" },
    { "CREATE FEDERATED MODEL m WITH (features = ['a', 'b'",
      HELIOS_INCOMPLETE, 51,
      "incomplete input: expected ',' or ']' to close '['" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 'x' 'y')",
      HELIOS_SYNTAX, 43,
      "syntax error at string 'y': expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = - - 1)",
      HELIOS_SYNTAX, 41,
      "syntax error at '-': expected a number" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = $$x$$)",
      HELIOS_SYNTAX, 39,
      "syntax error at '$$x$$': expected a value" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = true false)",
      HELIOS_SYNTAX, 44,
      "syntax error at 'false': expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH (a == 1)",
      HELIOS_SYNTAX, 37,
      "syntax error at '==': expected '='" },
    { "START FEDERATED TRAINING m WITH (rounds = 10\n )x",
      HELIOS_SYNTAX, 47,
      "syntax error at 'x': expected end of statement" },
    { "",
      HELIOS_INCOMPLETE, 0,
      "incomplete input: expected CREATE, ALTER, DROP, USE, REGISTER, DEREGISTER, ..." },
    { "SELECT 1",
      HELIOS_SYNTAX, 0,
      "syntax error at 'SELECT': expected CREATE, ALTER, DROP, USE, REGISTER, DEREGISTER, ..." },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1) 'a very long string value that goes on and on'",
      HELIOS_SYNTAX, 42,
      "syntax error at string 'a very long string value tha...': expected end of statement" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1) $$\nbody$$",
      HELIOS_SYNTAX, 42,
      "syntax error at '$$...': expected end of statement" },
    { "CREATE EXTENSION heliosdb_federated_learning CASCADE",
      HELIOS_SYNTAX, 45,
      "syntax error at 'CASCADE': expected end of statement" },
};

static void test_bad_inputs(void)
{
    int n = (int)(sizeof bad / sizeof bad[0]);
    CHECK(n >= 40);
    for (int i = 0; i < n; i++) {
        hl_err err;
        HlStmt *st = parse(bad[i].sql, &err);
        unit_checks++;
        if (st || err.code != bad[i].code || err.offset != bad[i].offset
            || strcmp(err.msg, bad[i].msg) != 0) {
            unit_failed++;
            fprintf(stderr, "%s: bad input %d: %s\n   got:  %d @%d %s\n   want: %d @%d %s\n",
                    __FILE__, i, bad[i].sql, st ? 0 : err.code, err.offset,
                    st ? "(parsed)" : err.msg, bad[i].code, bad[i].offset, bad[i].msg);
        }
        hl_stmt_free(st);
    }
}

/* Tokens the grammar never sees (a caller's slip) are syntax errors. */
static void test_foreign_tokens(void)
{
    const char *src = "STOP FEDERATED TRAINING m; x";
    Toks tk;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(scan(src, (int)strlen(src), &tk), 0);
    HlStmt *st = hl_parse(src, (int)strlen(src), tk.v, tk.n, &err);
    CHECK(st == NULL);
    CHECK_INT(err.code, HELIOS_SYNTAX);
    CHECK_INT(err.offset, 25);
    CHECK_STR(err.msg, "syntax error at ';': expected end of statement");
    free(tk.v);

    HlToken odd[2] = { { TK_STOP, 0, 4 }, { 9999, 5, 1 } };
    hl_err_clear(&err);
    st = hl_parse("STOP x", 6, odd, 2, &err);
    CHECK(st == NULL);
    CHECK_INT(err.code, HELIOS_SYNTAX);
    CHECK_INT(err.offset, 5);
    CHECK_STR(err.msg, "syntax error at 'x': expected FEDERATED");
}

/* ---- src/ast.c ----------------------------------------------------------- */

static void test_ast_helpers(void)
{
    hl_stmt_free(NULL);
    hl_value_clear(NULL);
    hl_name_clear(NULL);
    hl_optlist_clear(NULL);

    HlStmt *st = PARSE_OK("CREATE FEDERATED MODEL m WITH (f = ['a', 'b'], g = 'x', h = 1)");
    if (!st)
        return;
    HlValue copy;
    CHECK_INT(hl_value_copy(&copy, &st->opts.v[0].value), 0);
    CHECK_INT(copy.kind, HL_V_LIST);
    CHECK_INT(copy.nitems, 2);
    CHECK(copy.items != st->opts.v[0].value.items);
    CHECK(copy.items[1].s != st->opts.v[0].value.items[1].s);
    CHECK_STR(copy.items[1].s, "b");
    CHECK_INT(copy.off, st->opts.v[0].value.off);

    /* Push moves an option in; the list grows past its first capacity. */
    HlOptList l = { NULL, 0, 0 };
    for (int i = 0; i < 20; i++) {
        HlOption o;
        memset(&o, 0, sizeof o);
        o.name.s = strdup("n");
        CHECK_INT(hl_value_copy(&o.value, i % 2 ? &copy : &st->opts.v[1].value), 0);
        CHECK_INT(hl_optlist_push(&l, &o), 0);
        CHECK(o.name.s == NULL && o.value.s == NULL);
    }
    CHECK_INT(l.n, 20);
    CHECK(l.cap >= 20);
    CHECK_STR(l.v[19].value.items[0].s, "a");
    CHECK_STR(l.v[18].value.s, "x");
    hl_optlist_clear(&l);
    CHECK(l.v == NULL && l.n == 0);
    hl_optlist_clear(&l);               /* twice: harmless */
    hl_value_clear(&copy);
    CHECK_INT(copy.kind, HL_V_NULL);
    hl_stmt_free(st);

    CHECK_STR(hl_stmt_kind_name(HL_STMT_CREATE_WORKSPACE), "CREATE FEDERATED WORKSPACE");
    CHECK_STR(hl_stmt_kind_name(HL_STMT_FORGET), "DELETE FROM FEDERATED TRAINING");
    CHECK_STR(hl_stmt_kind_name(HL_STMT_SHOW), "SHOW FEDERATED");
    CHECK_STR(hl_stmt_kind_name(HL_STMT__COUNT), "(unknown statement)");
    for (int k = 1; k < HL_STMT__COUNT; k++)
        CHECK(hl_stmt_kind_name((HlStmtKind)k)[0] != '(');
}

int main(void)
{
    RUN(test_guide);
    RUN(test_guide_robustness);
    RUN(test_create_workspace);
    RUN(test_create_model);
    RUN(test_numbers);
    RUN(test_numbers_locale);
    RUN(test_names);
    RUN(test_statements);
    RUN(test_offsets_in_script);
    RUN(test_bad_inputs);
    RUN(test_foreign_tokens);
    RUN(test_ast_helpers);
    return unit_report();
}
