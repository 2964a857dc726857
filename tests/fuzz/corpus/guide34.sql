-- Data portability (export individual's contribution)
EXPORT FEDERATED DATA FOR SUBJECT 'user_12345'
FROM WORKSPACE ml_consortium
TO '/exports/user_12345.json'
FORMAT 'json';
