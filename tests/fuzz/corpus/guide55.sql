-- Enable automatic retry
ALTER FEDERATED WORKSPACE ml_consortium SET (
    auto_reconnect = true,
    reconnect_interval = 10
);
