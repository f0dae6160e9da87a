// The policy rules (CONTRACT.md section 7) as pure checks over small input shapes. Two groups:
// checkPolicyStatic needs only what the files declare (run by `validate` and `plan`);
// checkPolicyCost needs the plan's cost estimate (run by `plan`, re-checked by `apply`).
// Every violation is an error diagnostic at the entry that violates, and names the rule's place.
import { at, type Diagnostic } from '../config/diagnostics';
import { POLICY_CODES, type PolicyCode } from '../config/policy-codes';
import type { PolicySpec } from '../config/policy-spec';
import type { Pricing, SourcePos } from '../domain/types';
import { fromCents, toCents } from './cost-routing';

export interface PolicyProvider {
  name: string;
  kind: string;
  config: Record<string, unknown>;
  /** The provider entry. */
  pos: SourcePos;
  /** Its `kind` key, where a kind violation points (default: pos). */
  kindPos?: SourcePos;
  /** Its `config.region` / `config.location` key, where a region violation points (default: pos). */
  regionPos?: SourcePos;
}

export interface PolicyProviderModel {
  provider: string;
  modelId: string;
  /** `disabled` also when its provider is disabled: the caller folds that in. */
  status: 'active' | 'disabled';
  pricing: Pricing | null;
  /** Its `pricing` in models.custom, or the provider's `models.catalog` for a catalog model. */
  pos: SourcePos;
}

export interface PolicyBackend {
  /** Provider name of the backend's provider model. */
  provider: string;
  /**
   * `validate` passes the backend's own status; `plan` passes `disabled` also when its provider
   * model or provider is disabled or removed, so a backend that cannot serve does not count.
   */
  status: 'active' | 'disabled';
}

export interface PolicyModel {
  name: string;
  status: 'active' | 'disabled';
  backends: PolicyBackend[];
  pos: SourcePos;
}

export interface PolicyGrant {
  model: string;
  /** `group:engineering` or `user:ana@example.com`. */
  subject: string;
  limits?: Record<string, unknown>;
  pos: SourcePos;
}

/** What the files declare (all of it, across documents). */
export interface PolicySubjects {
  providers: PolicyProvider[];
  providerModels: PolicyProviderModel[];
  models: PolicyModel[];
  grants: PolicyGrant[];
}

/** The part of the plan's cost estimate the cost rule reads. */
export interface PolicyCost {
  delta: number;
  windowDays: number;
}

function violation(code: PolicyCode, message: string, pos: SourcePos): Diagnostic {
  return { severity: POLICY_CODES[code].severity, code, message, file: pos.file, line: pos.line, column: pos.column };
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
const price = (n: number): string => `$${String(n)}`;

function maxPrice(policy: PolicySpec, pms: readonly PolicyProviderModel[]): Diagnostic[] {
  const rule = policy.maxPricePerMTok;
  if (!rule) return [];
  const out: Diagnostic[] = [];
  const where = `maxPricePerMTok at ${at(rule.pos)}`;
  for (const pm of pms) {
    // An unknown price is not above the cap: the cost estimate warns about missing prices.
    if (pm.status !== 'active' || !pm.pricing) continue;
    const sides: Array<['input' | 'output', number]> = [
      ['input', pm.pricing.inputPerMTok],
      ['output', pm.pricing.outputPerMTok],
    ];
    for (const [side, actual] of sides) {
      const cap = rule.value[side];
      if (cap === undefined || !(actual > cap)) continue;
      out.push(
        violation(
          'policy-max-price',
          `provider model ${pm.provider}/${pm.modelId} costs ${price(actual)} per 1M ${side} tokens, above the policy's maximum of ${price(cap)} (${where})`,
          pm.pos,
        ),
      );
    }
  }
  return out;
}

function providerKinds(policy: PolicySpec, providers: readonly PolicyProvider[]): Diagnostic[] {
  const rule = policy.allowedProviderKinds;
  if (!rule) return [];
  const allowed = new Set(rule.value);
  const list = rule.value.length > 0 ? rule.value.join(', ') : 'none';
  return providers
    .filter((p) => !allowed.has(p.kind))
    .map((p) =>
      violation(
        'policy-provider-kind',
        `provider '${p.name}' is of kind '${p.kind}', which the policy does not allow (allowed: ${list}; allowedProviderKinds at ${at(rule.pos)})`,
        p.kindPos ?? p.pos,
      ),
    );
}

/** config.region (bedrock, ...) or config.location (vertex kinds), whichever is set. */
export function regionOf(config: Record<string, unknown>): string | undefined {
  for (const key of ['region', 'location']) {
    const v = config[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function regions(policy: PolicySpec, providers: readonly PolicyProvider[]): Diagnostic[] {
  const rule = policy.allowedRegions;
  if (!rule) return [];
  const out: Diagnostic[] = [];
  for (const p of providers) {
    // Only kinds the rule lists are restricted: `{bedrock: [...]}` says nothing about openai.
    if (!Object.prototype.hasOwnProperty.call(rule.value, p.kind)) continue;
    const allowed = rule.value[p.kind];
    const region = regionOf(p.config);
    if (region !== undefined && allowed.includes(region)) continue;
    const list = allowed.length > 0 ? allowed.join(', ') : 'none';
    const what = region === undefined ? 'sets no region (config.region or config.location)' : `is in region '${region}'`;
    out.push(
      violation(
        'policy-region',
        `provider '${p.name}' (${p.kind}) ${what}, which the policy does not allow for ${p.kind} (allowed: ${list}; allowedRegions at ${at(rule.pos)})`,
        region === undefined ? p.pos : (p.regionPos ?? p.pos),
      ),
    );
  }
  return out;
}

function fallback(policy: PolicySpec, models: readonly PolicyModel[]): Diagnostic[] {
  const rule = policy.requireFallback;
  if (!rule || !rule.value) return [];
  const out: Diagnostic[] = [];
  for (const m of models) {
    if (m.status !== 'active') continue;
    const providers = [...new Set(m.backends.filter((b) => b.status === 'active').map((b) => b.provider))].sort();
    if (providers.length >= 2) continue;
    const has = providers.length === 0 ? 'no active backend' : `active backends on one provider only (${providers[0]})`;
    out.push(
      violation(
        'policy-require-fallback',
        `model '${m.name}' has ${has}; the policy requires active backends on at least 2 providers (requireFallback at ${at(rule.pos)})`,
        m.pos,
      ),
    );
  }
  return out;
}

function grantLimits(policy: PolicySpec, grants: readonly PolicyGrant[]): Diagnostic[] {
  const rule = policy.requireGrantLimits;
  if (!rule || !rule.value) return [];
  return grants
    .filter((g) => !Object.values(g.limits ?? {}).some((v) => v !== undefined && v !== null))
    .map((g) =>
      violation(
        'policy-grant-limits',
        `access grant of model '${g.model}' to ${g.subject} sets no limit; the policy requires at least one of requestsPerMinute, tokensPerDay, monthlyBudgetUsd (requireGrantLimits at ${at(rule.pos)})`,
        g.pos,
      ),
    );
}

/** The rules that need no database: `validate` runs these, `plan` too. */
export function checkPolicyStatic(policy: PolicySpec, subjects: PolicySubjects): Diagnostic[] {
  return [
    ...maxPrice(policy, subjects.providerModels),
    ...providerKinds(policy, subjects.providers),
    ...regions(policy, subjects.providers),
    ...fallback(policy, subjects.models),
    ...grantLimits(policy, subjects.grants),
  ];
}

/**
 * The estimate covers a window of windowDays (30 by default, `--cost-window`), the rule a month:
 * the delta is scaled to 30 days (delta x 30 / windowDays) before it is compared, so a 7-day
 * window and a 30-day window judge the same change alike. Rounded to cents, as the plan shows it.
 */
export function monthlyDelta(cost: PolicyCost): number {
  if (!(cost.windowDays > 0)) return 0;
  return fromCents(toCents((cost.delta * 30) / cost.windowDays));
}

/**
 * The rule that needs the plan's cost. No estimate (no usage, or `--no-cost`) means nothing to
 * compare: no violation. The violation points at the rule itself: the change that costs is the
 * whole plan, and the plan's cost items list what contributes.
 */
export function checkPolicyCost(policy: PolicySpec, cost: PolicyCost | undefined): Diagnostic[] {
  const rule = policy.maxMonthlyCostIncrease;
  if (!rule || !cost) return [];
  const monthly = monthlyDelta(cost);
  if (!(monthly > rule.value)) return [];
  const scaled = cost.windowDays === 30 ? '' : ` (${usd(cost.delta)} over the ${cost.windowDays}-day window x 30/${cost.windowDays})`;
  return [
    violation(
      'policy-cost-increase',
      `the plan raises the estimated monthly cost by ${usd(monthly)}${scaled}, above the policy's maximum of ${usd(rule.value)} (maxMonthlyCostIncrease)`,
      rule.pos,
    ),
  ];
}

/** Everything `plan` checks. */
export function checkPolicy(policy: PolicySpec, subjects: PolicySubjects, cost: PolicyCost | undefined): Diagnostic[] {
  return [...checkPolicyStatic(policy, subjects), ...checkPolicyCost(policy, cost)];
}
