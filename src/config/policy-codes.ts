// The diagnostic codes of the `policy` section (CONTRACT.md section 7), in the same shape as
// DIAGNOSTIC_CODES (codes.ts) so that list can spread them in (`...POLICY_CODES`) when policy is
// wired into validate and plan. Stable: CI scripts and policy engines match on them.
import type { DiagnosticCodeInfo } from './codes';

export const POLICY_CODES = {
  'duplicate-policy': { severity: 'error', meaning: 'A second `policy` section in the files (at most one document may hold one); each place is reported, naming the others.' },
  'policy-max-price': { severity: 'error', meaning: 'policy.maxPricePerMTok: an active provider model is priced above the maximum input or output price per 1M tokens.' },
  'policy-provider-kind': { severity: 'error', meaning: 'policy.allowedProviderKinds: a provider is of a kind the policy does not list.' },
  'policy-region': { severity: 'error', meaning: 'policy.allowedRegions: a provider of a listed kind is in a region (config.region or config.location) the policy does not list for that kind, or sets none.' },
  'policy-require-fallback': { severity: 'error', meaning: 'policy.requireFallback: an active model does not have active backends on at least 2 providers.' },
  'policy-grant-limits': { severity: 'error', meaning: 'policy.requireGrantLimits: an access grant sets no limit.' },
  'policy-cost-increase': { severity: 'error', meaning: 'policy.maxMonthlyCostIncrease: the plan raises the estimated monthly cost (cost delta x 30 / window days) by more than the maximum (checked by `plan` and `apply`, not by `validate`: it needs usage from the database).' },
} as const satisfies Record<string, DiagnosticCodeInfo>;

export type PolicyCode = keyof typeof POLICY_CODES;
