-- 2. Use fewer rounds
ALTER FEDERATED MODEL expensive_model SET (rounds = 20);
