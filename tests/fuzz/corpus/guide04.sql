-- ## Quick Start 3. Define a Model
-- Create a federated model for disease prediction
CREATE FEDERATED MODEL disease_classifier
IN WORKSPACE healthcare_consortium
WITH (
    algorithm = 'logistic_regression',  -- Or 'neural_network', 'random_forest'
    features = ['age', 'blood_pressure', 'cholesterol', 'bmi'],
    target = 'disease_outcome',
    rounds = 50,                        -- Training rounds
    aggregation = 'fedavg'              -- FedAvg, FedProx, FedAdam
);
