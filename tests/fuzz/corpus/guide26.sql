-- Check remaining privacy budget
SELECT * FROM federated_privacy_budget('ml_consortium');
