-- 4. Start training
START FEDERATED TRAINING customer_churn WITH (
    local_epochs = 5,
    batch_size = 32
);
