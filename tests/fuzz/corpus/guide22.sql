-- List model versions
SELECT * FROM federated_model_versions('customer_churn');
