-- ## Best Practices: Data Preparation Best Practices
-- Data quality checks
SELECT federated_data_quality_check('customer_churn') AS (
    node_name TEXT,
    feature_statistics JSONB,
    missing_values JSONB,
    outliers JSONB
);
