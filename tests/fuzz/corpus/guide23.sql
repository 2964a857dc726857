-- Rollback to previous version
ROLLBACK FEDERATED MODEL customer_churn TO VERSION 'v1.0_production';
