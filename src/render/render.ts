// One entry point for every plan output format.
import { assertNever } from '../domain/kinds';
import type { Plan } from '../plan/types';
import { serializePlan } from '../plan/serialize';
import { renderPlanMarkdown } from './markdown';
import { renderPlanText } from './text';

export type PlanFormat = 'text' | 'json' | 'markdown';

export interface RenderOptions {
  /** text only: ANSI colours. */
  color?: boolean;
  /** text only: the grouped summary view (`--compact`). */
  compact?: boolean;
  /** markdown only: size limit (default 65000, under GitHub's 65536-character comment limit). */
  maxChars?: number;
  /** markdown only: heading. */
  title?: string;
}

/**
 * `--output json`: the contract JSON (CONTRACT.md section 4) with its extension fields. With
 * `plan --out` it is byte-for-byte the saved (authenticated) plan file; without `--out` the plan
 * is not signed, so what it prints cannot be applied (src/plan/auth.ts).
 */
export function renderPlanJson(plan: Plan): string {
  return serializePlan(plan);
}

export function renderPlan(plan: Plan, format: PlanFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'text':
      return renderPlanText(plan, { color: opts.color ?? false, compact: opts.compact ?? false });
    case 'json':
      return renderPlanJson(plan);
    case 'markdown':
      return renderPlanMarkdown(plan, { maxChars: opts.maxChars, title: opts.title });
    default:
      return assertNever(format, 'output format');
  }
}

export { renderPlanMarkdown, renderPlanText };
