// The rules of CONTRACT.md section 5 that `cvctl validate` can check from the files alone:
// per document (an expiry that is no real time, or is past), and across files (model names
// unique, model renames, backends against the Provider Models the files declare, grants
// against the models the files declare, each (model, subject) granted once). What needs the
// database is left to the plan stage (routing-refs.ts: deferredReferences).
import { grantIdentity, subjectKey, type AccessGrantSpec, type ModelSpec } from '../domain/routing';
import type { DesiredProvider, SourcePos } from '../domain/types';
import type { DiagnosticCode } from './codes';
import { at, diagnosticAt, type Diagnostic } from './diagnostics';
import { expiryInstant } from './build-routing';
import { problem, type Problem } from './problem';
import { renameDiagnostics } from './rename-checks';
import { judgeBackends } from './routing-refs';
import { quoteValue } from './text';

export interface Declared {
  name: string;
  pos: SourcePos;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A name declared in several places: a diagnostic at each place, naming the others. */
export function duplicateNames(declared: Declared[], code: DiagnosticCode, what: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, Declared[]>();
  for (const d of declared) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  for (const [name, group] of byName) {
    if (group.length === 1) continue;
    for (const d of group) {
      const others = group.filter((o) => o !== d).map((o) => at(o.pos));
      out.push(diagnosticAt(code, `${what} ${quoteValue(name)} is declared more than once; also at ${others.join(', ')}`, d.pos));
    }
  }
  return out;
}

/** The first of each name, in order. */
export function firstOfEachName<T extends { name: string }>(specs: T[]): T[] {
  const seen = new Set<string>();
  return specs.filter((s) => !seen.has(s.name) && seen.add(s.name));
}

/** Per document: each grant's `expiresAt` is a real time, and a past one is a warning. */
export function checkGrantsDocument(doc: unknown, now: Date): Problem[] {
  const out: Problem[] = [];
  const grants = isRecord(doc) && Array.isArray(doc.accessGrants) ? doc.accessGrants : [];
  grants.forEach((g, i) => {
    if (!isRecord(g) || typeof g.expiresAt !== 'string') return;
    const path = ['accessGrants', i, 'expiresAt'];
    const instant = expiryInstant(g.expiresAt);
    if (instant === undefined) {
      // A shape the schema rejects is reported by the schema; this is a well-shaped non-time.
      if (/^\d{4}-\d{2}-\d{2}/.test(g.expiresAt) && g.expiresAt.length <= 35) {
        out.push(problem('invalid-value', `'expiresAt' ${quoteValue(g.expiresAt)} is not a real date or time`, path));
      }
      return;
    }
    if (Date.parse(instant) <= now.getTime()) {
      out.push(problem('grant-expired', `grant expired at ${instant}: it is applied, but lets nobody in; remove it or move expiresAt`, path));
    }
  });
  return out;
}

export interface RoutingInput {
  providers: DesiredProvider[];
  /** Every provider name written in the files, loadable or not. */
  declaredProviders: Declared[];
  /** `provider\0modelId` -> where a custom entry sets `status: disabled`. */
  disabledAt: Map<string, SourcePos>;
  /** Loadable models, one per name. */
  models: ModelSpec[];
  /** Every model name written in the files, loadable or not. */
  declaredModels: Declared[];
  grants: AccessGrantSpec[];
}

function renamedTo<T extends { name: string; renamedFrom?: Array<{ name: string }> }>(specs: T[], declared: Set<string>): Map<string, T> {
  const out = new Map<string, T>();
  for (const s of specs) for (const old of s.renamedFrom ?? []) if (!declared.has(old.name) && !out.has(old.name)) out.set(old.name, s);
  return out;
}

function checkGrants(input: RoutingInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const declared = new Set(input.declaredModels.map((d) => d.name));
  const renamed = renamedTo(input.models, declared);
  const byIdentity = new Map<string, AccessGrantSpec[]>();
  for (const g of input.grants) {
    const now = renamed.get(g.model);
    if (!declared.has(g.model) && now) {
      out.push(
        diagnosticAt(
          'unknown-grant-model',
          `grant for model ${quoteValue(g.model)}, which is renamed to ${quoteValue(now.name)} (at ${at(now.pos)}); write model: ${now.name}`,
          g.modelPos,
        ),
      );
    }
    const id = grantIdentity(g);
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), g]);
  }
  for (const group of byIdentity.values()) {
    if (group.length === 1) continue;
    for (const g of group) {
      const others = group.filter((o) => o !== g).map((o) => at(o.pos));
      out.push(
        diagnosticAt(
          'duplicate-grant',
          `${subjectKey(g.subject)} is granted model ${quoteValue(g.model)} more than once; also at ${others.join(', ')}`,
          g.pos,
        ),
      );
    }
  }
  return out;
}

/** Every cross-file rule on models and grants that needs no database. */
export function routingDiagnostics(input: RoutingInput): Diagnostic[] {
  const declaredProviders = new Set(input.declaredProviders.map((d) => d.name));
  const providerRenames = new Map<string, DesiredProvider>();
  for (const [old, spec] of renamedTo(input.providers.map((p) => p.spec), declaredProviders)) {
    providerRenames.set(old, input.providers.find((p) => p.spec === spec)!);
  }
  const judged = judgeBackends(
    { providers: input.providers, models: input.models },
    { renamed: providerRenames, disabledAt: input.disabledAt },
  );
  return [
    ...duplicateNames(input.declaredModels, 'duplicate-model-name', 'model'),
    ...renameDiagnostics(input.models, input.declaredModels, 'model'),
    ...judged.diagnostics,
    ...checkGrants(input),
  ];
}
