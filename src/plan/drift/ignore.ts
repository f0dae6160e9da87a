// `ignoreDrift: [{path, reason, until}]` on a provider: differences whose path matches are
// not reported. Paths are the plan's dotted paths (`labels.owner`, `config.organization`,
// `credentials.apiKey`) and, for models, `models.<modelId>` + the model's field path
// (`models.gpt-4o.pricing.inputPerMTok`). A pattern matches its own path and everything
// below it (`models.gpt-4o.pricing` covers both prices); a trailing `*` matches by prefix
// (`labels.*`: every label). An entry past its `until` day silences nothing and is reported.
import type { DesiredState, IgnoreDriftEntry } from '../../domain/types';
import type { PlanWarning } from '../types';
import { combineLabels, type DriftChange } from './types';

/**
 * The ancestors-or-self of a field path, structurally: `config.deployments["gpt-4.1"]` →
 * `config`, `config.deployments`, `config.deployments["gpt-4.1"]`. Segments are identifiers
 * or JSON-quoted keys in brackets (see plan/diff.ts joinPath), so splitting is unambiguous.
 */
export function pathPrefixes(fieldPath: string): string[] {
  const out: string[] = [];
  const re = /\.?([A-Za-z0-9_-]+)|\[("(?:[^"\\]|\\.)*")\]/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(fieldPath)) !== null) {
    end = re.lastIndex;
    out.push(fieldPath.slice(0, end));
  }
  // Anything unparsable: treat the whole path as one segment rather than guess.
  if (end !== fieldPath.length) return [fieldPath];
  return out;
}

/** The candidate paths of a difference: the full path and each of its structural ancestors. */
export function candidates(modelId: string | null, fieldPath: string | null): string[] {
  const base = modelId === null ? [] : [`models.${modelId}`];
  if (fieldPath === null) return base;
  const fields = pathPrefixes(fieldPath);
  return modelId === null ? fields : [...base, ...fields.map((p) => `models.${modelId}.${p}`)];
}

export function matches(pattern: string, cands: string[]): boolean {
  const full = cands[cands.length - 1];
  if (full === undefined) return false;
  if (pattern.endsWith('.*')) {
    // `labels.*`: everything below `labels`, quoted keys (`labels["app.kubernetes.io/name"]`) too.
    const parent = pattern.slice(0, -2);
    return full.startsWith(`${parent}.`) || full.startsWith(`${parent}[`);
  }
  if (pattern.endsWith('*')) return full.startsWith(pattern.slice(0, -1));
  return cands.includes(pattern);
}

/** The `until` day is inclusive: the entry lapses when that UTC day is over. */
export function isExpired(e: IgnoreDriftEntry, now: Date): boolean {
  if (e.until === undefined) return false;
  const today = now.toISOString().slice(0, 10);
  return today > e.until;
}

export interface IgnoreSet {
  /** true when an active entry silences the difference at (modelId, fieldPath). */
  silences(modelId: string | null, fieldPath: string | null): boolean;
}

export function ignoreSet(entries: IgnoreDriftEntry[], now: Date): IgnoreSet {
  const active = entries.filter((e) => !isExpired(e, now)).map((e) => e.path);
  return {
    silences(modelId, fieldPath) {
      if (active.length === 0) return false;
      const cands = candidates(modelId, fieldPath);
      return active.some((p) => matches(p, cands));
    },
  };
}

export function expiryWarnings(provider: string, entries: IgnoreDriftEntry[], now: Date): PlanWarning[] {
  return entries
    .filter((e) => isExpired(e, now))
    .map((e) => ({
      code: 'ignore-expired',
      message:
        `provider '${provider}': ignoreDrift entry '${e.path}' (${e.reason}) expired on ${e.until}; ` +
        'its differences are reported again (remove the entry or extend its until date)',
      resource: { type: 'provider' as const, name: provider },
    }));
}

// Applying each provider's list to the labelled differences. Field differences are silenced
// one by one; a whole model (created, removed, unmanaged) by a pattern that covers
// `models.<modelId>`. A provider's own create/delete cannot be silenced: its ignore list lives
// in the very block whose presence is the difference.

export interface Filtered {
  changes: DriftChange[];
  warnings: PlanWarning[];
  /** Silenced field differences plus silenced whole models. */
  ignored: number;
}

/** true when the change is a field-by-field comparison (its fields carry labels). */
function isFieldwise(c: DriftChange): boolean {
  return c.adopt === true || (c.fields ?? []).some((f) => f.drift !== undefined);
}

export function applyIgnores(changes: DriftChange[], desired: DesiredState, now: Date): Filtered {
  const sets = new Map<string, IgnoreSet>();
  const warnings: PlanWarning[] = [];
  for (const d of desired.providers) {
    if (d.spec.ignoreDrift.length === 0) continue;
    sets.set(d.spec.name, ignoreSet(d.spec.ignoreDrift, now));
    warnings.push(...expiryWarnings(d.spec.name, d.spec.ignoreDrift, now));
  }
  let ignored = 0;
  const out: DriftChange[] = [];
  for (const c of changes) {
    // ignoreDrift lives on providers: it silences their rows and their models' only.
    const r = c.resource;
    const providerName = r.type === 'provider' ? r.name : r.type === 'providerModel' ? r.provider : null;
    const set = providerName === null ? undefined : sets.get(providerName);
    if (set === undefined) {
      out.push(c);
      continue;
    }
    const modelId = c.resource.type === 'providerModel' ? c.resource.name : null;
    if (!isFieldwise(c)) {
      if (modelId !== null && set.silences(modelId, null)) {
        ignored++;
        continue;
      }
      out.push(c);
      continue;
    }
    const fields = (c.fields ?? []).filter((f) => !set.silences(modelId, f.path));
    ignored += (c.fields ?? []).length - fields.length;
    if (c.adopt === true) {
      // Taking the row over is itself the difference; it stays even with no field left.
      out.push({ ...c, fields });
    } else if (fields.length > 0) {
      out.push({ ...c, fields, drift: combineLabels(fields.map((f) => f.drift ?? 'conflict')) });
    }
  }
  return { changes: out, warnings, ignored };
}
