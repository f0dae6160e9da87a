// A schema-valid `policy` section -> PolicySpec, each rule with the position of its key so a
// violation can name the rule it breaks; and the "at most one policy section" check. Positions
// come from a callback (as in build-spec.ts), so this file knows nothing about YAML.
import type { SourcePos } from '../domain/types';
import { at, type Diagnostic } from './diagnostics';
import type { PathSeg } from './event-index';
import { POLICY_CODES } from './policy-codes';

/** A rule's value and where its key was written. */
export interface Located<T> {
  value: T;
  pos: SourcePos;
}

export interface PolicySpec {
  /** The `policy` key. */
  pos: SourcePos;
  maxPricePerMTok?: Located<{ input?: number; output?: number }>;
  allowedProviderKinds?: Located<string[]>;
  /** provider kind -> allowed regions (config.region, or config.location for vertex kinds). */
  allowedRegions?: Located<Record<string, string[]>>;
  requireFallback?: Located<boolean>;
  requireGrantLimits?: Located<boolean>;
  /** USD per month. */
  maxMonthlyCostIncrease?: Located<number>;
}

export interface PolicyContext {
  /** Path of the policy section in its document: ['policy']. */
  path: PathSeg[];
  pos: (path: PathSeg[]) => SourcePos;
}

type Raw = Record<string, unknown>;

function record(v: unknown): Raw | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Values of the wrong type are left out rather than guessed at: the schema has reported them
 * already, and a rule built from a half-understood value would report nonsense on top.
 */
export function buildPolicySpec(raw: Raw, ctx: PolicyContext): PolicySpec {
  const at = (key: string): SourcePos => ctx.pos([...ctx.path, key]);
  const spec: PolicySpec = { pos: ctx.pos(ctx.path) };
  const price = record(raw.maxPricePerMTok);
  if (price) {
    const value: { input?: number; output?: number } = {};
    const input = finite(price.input);
    const output = finite(price.output);
    if (input !== undefined) value.input = input;
    if (output !== undefined) value.output = output;
    spec.maxPricePerMTok = { value, pos: at('maxPricePerMTok') };
  }
  const kinds = strings(raw.allowedProviderKinds);
  if (kinds) spec.allowedProviderKinds = { value: kinds, pos: at('allowedProviderKinds') };
  const regions = record(raw.allowedRegions);
  if (regions) {
    const value: Record<string, string[]> = {};
    for (const [kind, list] of Object.entries(regions)) {
      const rs = strings(list);
      if (rs) value[kind] = rs;
    }
    spec.allowedRegions = { value, pos: at('allowedRegions') };
  }
  if (typeof raw.requireFallback === 'boolean') spec.requireFallback = { value: raw.requireFallback, pos: at('requireFallback') };
  if (typeof raw.requireGrantLimits === 'boolean') spec.requireGrantLimits = { value: raw.requireGrantLimits, pos: at('requireGrantLimits') };
  const max = finite(raw.maxMonthlyCostIncrease);
  if (max !== undefined) spec.maxMonthlyCostIncrease = { value: max, pos: at('maxMonthlyCostIncrease') };
  return spec;
}

/**
 * At most one document may hold a `policy` section: with two, which rules apply would depend on
 * file order. Every section is reported (sorted diagnostics put them in file order), each
 * naming the others, so the reviewer sees both places from either line.
 */
export function checkPolicySections(sections: readonly SourcePos[]): Diagnostic[] {
  if (sections.length < 2) return [];
  return sections.map((pos, i) => {
    const others = sections.filter((_, j) => j !== i).map(at).join(', ');
    return {
      severity: POLICY_CODES['duplicate-policy'].severity,
      code: 'duplicate-policy',
      message: `more than one policy section: policy is also declared at ${others}; only one document may hold one`,
      ...pos,
    };
  });
}
