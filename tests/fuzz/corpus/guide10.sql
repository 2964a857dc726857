-- ## Configuration: Model Configuration
-- Advanced model configuration
CREATE FEDERATED MODEL fraud_detector IN WORKSPACE financial_consortium WITH (
    -- Model architecture
    algorithm = 'neural_network',
    layers = '[128, 64, 32, 1]',     -- Layer sizes
    activation = 'relu',
    output_activation = 'sigmoid',

    -- Training parameters
    rounds = 100,                    -- Total training rounds
    local_epochs = 3,                -- Epochs per round per node
    batch_size = 64,
    learning_rate = 0.01,
    optimizer = 'adam',

    -- Features and target
    features = ['transaction_amount', 'merchant_category', 'time_of_day',
                'distance_from_home', 'velocity'],
    target = 'is_fraud',

    -- Aggregation strategy
    aggregation = 'fedavg',          -- FedAvg, FedProx, FedAdam
    weighted_aggregation = true,     -- Weight by dataset size

    -- Convergence criteria
    convergence_threshold = 0.0001,  -- Stop when improvement < threshold
    early_stopping_rounds = 10,      -- Stop if no improvement for N rounds

    -- Validation
    validation_split = 0.2,          -- Validation set size
    validation_frequency = 5         -- Validate every N rounds
);
