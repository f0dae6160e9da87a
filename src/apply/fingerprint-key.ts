// The per-run fingerprint-key cache moved to src/crypto/fingerprint.ts (planning must not import
// the apply stage); this name stays until src/apply/apply-plan.ts imports it from there.
export { fingerprintKeyFor, rememberFingerprintKey } from '../crypto/fingerprint';
