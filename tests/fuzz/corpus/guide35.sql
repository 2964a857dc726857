-- Consent management
REVOKE FEDERATED CONSENT FOR SUBJECT 'user_12345'
FROM WORKSPACE ml_consortium;
