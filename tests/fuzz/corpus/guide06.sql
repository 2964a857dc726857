-- Check training status
SELECT * FROM federated_training_status('disease_classifier');
