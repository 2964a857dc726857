each one must then do what the guide says it does.

-- ## Quick Start 1. Enable Federated Learning
-- Enable federated learning extension
CREATE EXTENSION IF NOT EXISTS heliosdb_federated_learning;
