-- ## Quick Start 4. Start Training
-- Start federated training
START FEDERATED TRAINING disease_classifier
WITH (
    local_epochs = 5,                -- Epochs per round per node
    batch_size = 32,
    learning_rate = 0.001,
    convergence_threshold = 0.001
);
