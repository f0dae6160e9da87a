// Desired states for the concurrency suite: a small data model of a scope's files (groq
// providers with env-referenced keys and custom models), its YAML, and seeded mutations of a
// baseline so that every concurrent apply declares a different whole desired state.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ModelSpec {
  id: string;
  contextWindow: number;
  status: 'active' | 'disabled';
}

export interface ProviderSpec {
  name: string;
  status: 'active' | 'disabled';
  onRemove?: 'disable';
  labels: Record<string, string>;
  models: ModelSpec[];
}

export interface Desired {
  providers: ProviderSpec[];
  /** Environment of the run that applies it: the secret values its references resolve to. */
  env: Record<string, string>;
}

export { mulberry32 as rng } from './seeded';

export function pick<T>(r: () => number, xs: readonly T[]): T {
  if (xs.length === 0) throw new Error('pick from an empty list');
  return xs[Math.floor(r() * xs.length)]!;
}

export function keyEnv(provider: string): string {
  return `RACE_KEY_${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** A groq-looking key: long enough that the stored prefix is `gsk_` plus 4 characters. */
export function secretValue(tag: string, provider: string): string {
  return `gsk_${tag}_${provider}_0123456789abcdef`.replace(/[^A-Za-z0-9_]/g, '_');
}

export function clone(d: Desired): Desired {
  return JSON.parse(JSON.stringify(d)) as Desired;
}

export function toYaml(d: Desired): string {
  const out = ['version: 1', 'providers:'];
  if (d.providers.length === 0) out[1] = 'providers: []';
  for (const p of [...d.providers].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    out.push(`  - name: ${p.name}`, '    kind: groq', `    status: ${p.status}`);
    if (p.onRemove) out.push(`    onRemove: ${p.onRemove}`);
    const labels = Object.entries(p.labels).sort(([a], [b]) => (a < b ? -1 : 1));
    if (labels.length > 0) out.push(`    labels: {${labels.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`);
    out.push('    credentials:', `      apiKey: {from: env, name: ${keyEnv(p.name)}}`);
    if (p.models.length > 0) {
      out.push('    models:', '      custom:');
      for (const m of p.models) {
        out.push(`        - {id: ${m.id}, kind: chat, status: ${m.status}, contextWindow: ${m.contextWindow}}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

export function writeDesired(dir: string, d: Desired): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'providers.yaml'), toYaml(d));
}

function provider(name: string, tag: string, nModels: number, extra: Partial<ProviderSpec> = {}): ProviderSpec {
  return {
    name,
    status: 'active',
    labels: { team: 'platform', born: tag },
    models: Array.from({ length: nModels }, (_, i) => ({ id: `m${i}`, contextWindow: 8000 * (i + 1), status: 'active' as const })),
    ...extra,
  };
}

export const SHARED = 'r-a-shared';
export const DOOMED = 'r-doomed';

/**
 * The state every round starts from: eight ordinary providers, one that every plan of the
 * saved-plan round touches, one the cascade round deletes, and one that is disabled on removal.
 */
export function baseline(): Desired {
  const providers = [
    provider(SHARED, 'base', 1),
    provider(DOOMED, 'base', 2),
    provider('r-soft', 'base', 1, { onRemove: 'disable' }),
    ...Array.from({ length: 8 }, (_, i) => provider(`r-p${i}`, 'base', 2)),
  ];
  return withEnv({ providers, env: {} }, 'base');
}

/** Fills in a secret for every provider that has none (values are per tag). */
export function withEnv(d: Desired, tag: string): Desired {
  for (const p of d.providers) d.env[keyEnv(p.name)] ??= secretValue(tag, p.name);
  return d;
}

/** A random whole desired state built from scratch (the first round, on an empty database). */
export function randomFresh(r: () => number, tag: string): Desired {
  const pool = ['r-p0', 'r-p1', 'r-p2', 'r-p3', 'r-p4', 'r-p5'];
  const providers = pool
    .filter(() => r() < 0.5)
    .map((name) => provider(name, r() < 0.5 ? tag : 'same', 1 + Math.floor(r() * 3)));
  if (providers.length === 0) providers.push(provider(pick(r, pool), tag, 1));
  return withEnv({ providers, env: {} }, r() < 0.5 ? tag : 'same');
}

/**
 * A seeded edit of `base`, as one pull request might make it: remove, relabel, disable or
 * enable providers, change, add or remove models, rotate keys, add a provider from a small
 * pool (so that two runs may create the same name).
 */
export function mutate(base: Desired, r: () => number, tag: string, o: { keep?: string[]; remove?: string[] } = {}): Desired {
  const d = clone(base);
  d.providers = d.providers.filter((p) => !o.remove?.includes(p.name) && (o.keep?.includes(p.name) || r() >= 0.12));
  for (const p of d.providers) {
    const x = r();
    if (x < 0.25) p.labels.rev = tag;
    else if (x < 0.33) p.status = p.status === 'active' ? 'disabled' : 'active';
    else if (x < 0.48 && p.models.length > 0) pick(r, p.models).contextWindow += 1000 * (1 + Math.floor(r() * 9));
    else if (x < 0.58) p.models.push({ id: `m-${tag}`, contextWindow: 4096, status: 'active' });
    else if (x < 0.66 && p.models.length > 0) p.models.splice(Math.floor(r() * p.models.length), 1);
    else if (x < 0.7 && p.models.length > 0) pick(r, p.models).status = 'disabled';
    if (r() < 0.15) d.env[keyEnv(p.name)] = secretValue(tag, p.name);
  }
  if (r() < 0.4) {
    const name = `r-n${Math.floor(r() * 3)}`;
    if (!d.providers.some((p) => p.name === name)) {
      d.providers.push(provider(name, tag, 1 + Math.floor(r() * 2)));
      d.env[keyEnv(name)] = secretValue(tag, name);
    }
  }
  return d;
}

/** The same files and the same secret values. */
export function sameDesired(a: Desired, b: Desired): boolean {
  const envOf = (d: Desired): string =>
    JSON.stringify(d.providers.map((p) => [p.name, d.env[keyEnv(p.name)]]).sort());
  return toYaml(a) === toYaml(b) && envOf(a) === envOf(b);
}
