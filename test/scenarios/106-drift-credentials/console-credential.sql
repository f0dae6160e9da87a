-- The credential re-entered in the console after the last apply: another stored fingerprint,
-- written later than the apply.
update providers
   set credential_fingerprints = '{"apiKey": "0000000000000000000000000000000000000000000000000000000000000000"}',
       credential_updated_at = last_applied_at + interval '1 hour'
 where name = 'openai-prod';
