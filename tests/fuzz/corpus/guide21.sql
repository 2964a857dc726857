-- ## Basic Usage: Model Versioning
-- Tag a model version
TAG FEDERATED MODEL customer_churn AS 'v1.0_production';
