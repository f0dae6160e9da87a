// A schema-valid provider block -> ProviderSpec with every default applied, so later stages
// never have to know which keys were optional. Positions come from a callback so that this
// file knows nothing about YAML.
import type { ModelKind, OnRemove, ProviderKind, ProviderStatus } from '../domain/kinds';
import type {
  CustomModelSpec,
  IgnoreDriftEntry,
  LocatedSecretRef,
  Pricing,
  ProviderPositions,
  ProviderSpec,
  RenamedFrom,
  SecretRef,
  SourcePos,
} from '../domain/types';
import type { PathSeg } from './event-index';

export type Raw = Record<string, unknown>;

export function record(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * Deep copy of plain data: aliases may make two providers share one object, and nothing
 * downstream should be able to change one provider through another.
 */
export function copy<T>(v: T): T {
  return structuredClone(v);
}

function customModel(raw: Raw): CustomModelSpec {
  const m: CustomModelSpec = { id: String(raw.id) };
  if (raw.kind !== undefined) m.kind = raw.kind as ModelKind;
  if (raw.status !== undefined) m.status = raw.status as ProviderStatus;
  if (raw.contextWindow !== undefined) m.contextWindow = raw.contextWindow as number;
  if (raw.pricing !== undefined) {
    const p = record(raw.pricing);
    m.pricing = { inputPerMTok: p.inputPerMTok as number, outputPerMTok: p.outputPerMTok as number } satisfies Pricing;
  }
  return m;
}

function ignoreDrift(raw: Raw): IgnoreDriftEntry {
  const e: IgnoreDriftEntry = { path: String(raw.path), reason: String(raw.reason) };
  if (raw.until !== undefined) e.until = String(raw.until);
  return e;
}

export interface SpecContext {
  /** Path of this provider in its document, e.g. ['providers', 3]. */
  path: PathSeg[];
  /** Position of the node at a path in the same document. */
  pos: (path: PathSeg[]) => SourcePos;
  /** Directory of the YAML file (for `from: file` references). */
  baseDir: string;
}

export function buildProviderSpec(raw: Raw, ctx: SpecContext): ProviderSpec {
  const credentials: Record<string, LocatedSecretRef> = {};
  for (const [field, ref] of Object.entries(record(raw.credentials))) {
    credentials[field] = {
      ref: copy(ref) as SecretRef,
      pos: ctx.pos([...ctx.path, 'credentials', field]),
      baseDir: ctx.baseDir,
    };
  }
  const models = record(raw.models);
  const spec: ProviderSpec = {
    name: String(raw.name),
    kind: raw.kind as ProviderKind,
    status: (raw.status as ProviderStatus | undefined) ?? 'active',
    labels: copy(record(raw.labels)) as Record<string, string>,
    protected: raw.protected === true,
    onRemove: (raw.onRemove as OnRemove | undefined) ?? 'delete',
    config: copy(record(raw.config)),
    credentials,
    models: {
      exclude: list(models.exclude).map(String),
      custom: list(models.custom).map((m) => customModel(record(m))),
    },
    ignoreDrift: list(raw.ignoreDrift).map((e) => ignoreDrift(record(e))),
    pos: ctx.pos(ctx.path),
    at: positions(raw, ctx),
  };
  if (typeof models.catalog === 'string') spec.models.catalog = models.catalog;
  const renamed = renamedFromOf(raw.renamedFrom, ctx);
  if (renamed.length > 0) spec.renamedFrom = renamed;
  return spec;
}

/** The keys policy violations point at (config.region before config.location, as regionOf reads them). */
function positions(raw: Raw, ctx: SpecContext): ProviderPositions {
  const at = (...p: PathSeg[]): SourcePos => ctx.pos([...ctx.path, ...p]);
  const config = record(raw.config);
  const models = record(raw.models);
  const out: ProviderPositions = { kind: at('kind'), pricing: [] };
  const region = ['region', 'location'].find((k) => typeof config[k] === 'string' && config[k] !== '');
  if (region) out.region = at('config', region);
  if (typeof models.catalog === 'string') out.catalog = at('models', 'catalog');
  return out;
}

/**
 * The `pricing` of each models.custom entry that sets one. Only a policy's price rule reads
 * them, and the loader knows whether there is one only after reading every file: it calls this
 * then (on 100,000 custom models, ~100 ms of positions nobody reads otherwise).
 */
export function pricingPositions(raw: Raw, ctx: Pick<SpecContext, 'path' | 'pos'>): ProviderPositions['pricing'] {
  const out: ProviderPositions['pricing'] = [];
  list(record(raw.models).custom).forEach((m, i) => {
    const c = record(m);
    if (c.pricing !== undefined) out.push({ modelId: String(c.id), pos: ctx.pos([...ctx.path, 'models', 'custom', i, 'pricing']) });
  });
  return out;
}

/** `renamedFrom: old` or `renamedFrom: [a, b]`, each name with its position. */
export function renamedFromOf(v: unknown, ctx: Pick<SpecContext, 'path' | 'pos'>): RenamedFrom[] {
  if (typeof v === 'string') return [{ name: v, pos: ctx.pos([...ctx.path, 'renamedFrom']) }];
  return list(v).flatMap((n, i) =>
    typeof n === 'string' ? [{ name: n, pos: ctx.pos([...ctx.path, 'renamedFrom', i]) }] : [],
  );
}
