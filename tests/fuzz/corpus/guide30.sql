-- ## Advanced Features: Custom Aggregation Functions
-- Define custom aggregation logic
CREATE FEDERATED AGGREGATION FUNCTION weighted_median()
RETURNS FLOAT AS $$
    -- Custom aggregation logic here
    -- Receives: list of node gradients + weights
    -- Returns: aggregated gradient
$$ LANGUAGE plrust;
