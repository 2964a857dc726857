-- ## Troubleshooting: Privacy Budget Exhausted
-- Check budget status
SELECT * FROM federated_privacy_budget('ml_consortium');
