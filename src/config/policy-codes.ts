// The diagnostic codes of the `policy` section (CONTRACT.md section 7): the entries of
// DIAGNOSTIC_CODES (codes.ts, where they are declared with the others) that the policy checks
// report. Stable: CI scripts and policy engines match on them.
import { DIAGNOSTIC_CODES, type DiagnosticCode, type DiagnosticCodeInfo } from './codes';

export type PolicyCode = Extract<DiagnosticCode, 'duplicate-policy' | `policy-${string}`>;

const isPolicyCode = (code: string): code is PolicyCode => code === 'duplicate-policy' || code.startsWith('policy-');

export const POLICY_CODES = Object.fromEntries(
  Object.entries(DIAGNOSTIC_CODES).filter(([code]) => isPolicyCode(code)),
) as { readonly [C in PolicyCode]: (typeof DIAGNOSTIC_CODES)[C] & DiagnosticCodeInfo };
