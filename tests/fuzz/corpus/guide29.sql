-- ## Advanced Features: Federated Evaluation
-- Evaluate model on distributed test sets (without sharing test data)
SELECT federated_evaluate('fraud_detector') AS (
    global_accuracy FLOAT,
    global_precision FLOAT,
    global_recall FLOAT,
    global_f1_score FLOAT,
    per_node_metrics JSONB
);
