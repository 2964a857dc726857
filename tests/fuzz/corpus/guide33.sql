-- ## Privacy and Compliance: GDPR Compliance Features
-- Right to be forgotten (remove individual from training)
DELETE FROM FEDERATED TRAINING customer_churn
WHERE data_subject_id = 'user_12345';
