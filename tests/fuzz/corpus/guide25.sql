-- ## Advanced Features: Differential Privacy Configuration
-- Configure advanced differential privacy
ALTER FEDERATED WORKSPACE ml_consortium SET (
    privacy_budget = 0.5,            -- Total ε budget
    privacy_per_round = 0.01,        -- ε consumed per round (0.5/50 rounds)
    delta = 1e-5,                    -- δ for (ε,δ)-DP
    noise_mechanism = 'gaussian',    -- 'gaussian' or 'laplacian'
    clipping_threshold = 1.0,        -- Gradient clipping norm
    adaptive_clipping = true         -- Auto-adjust clipping
);
