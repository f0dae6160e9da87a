// The data set of the crash-safety test: a before-state (files applied once, plus user-facing
// models and backends the console would make) and an after-state whose apply is a plan of
// 10,000+ row changes of every kind cvctl makes:
//
//   keep-*     kept providers: per provider, `drop` custom models deleted, `upd` updated (context
//              window, pricing), `add` created; every 4th also gets new labels
//   gone-*     providers removed from the files: deleted; their models and backends cascade
//   retire-*   onRemove: disable, removed from the files: disabled, models kept
//   flip-*     status: disabled in the after files
//   safe-*     protected: true, removed from the files: kept (a warning, no change)
//   rot-*      the credential's value changes (rotation: re-encrypted under a new DEK)
//   cat-*      importing the bundled OpenAI catalog (36 models): `catDrop` entries newly excluded
//              (deletes), the next `catUpd` overridden (a context window: updates)
//   new-*      providers created with `models` custom models each
//   newcat-*   providers created importing the bundled OpenAI catalog (37 creates each)
//
// Every run of the apply parses the files, so they are kept small: flow style, most creates
// from the catalog, updates as one-line overrides, deletes by removal. Deterministic.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CrashShape {
  keep: number;
  gone: number;
  retire: number;
  flip: number;
  safe: number;
  rot: number;
  cat: number;
  catUpd: number;
  catDrop: number;
  created: number;
  createdCat: number;
  /** Custom models per provider in the before-state (and per new-* provider). */
  models: number;
  /** Per kept provider: custom models deleted, updated and added by the after-state. */
  drop: number;
  upd: number;
  add: number;
}

export const CATALOG_VERSION = '2026.04.15';

const KINDS = [
  { kind: 'openai-compatible', env: 'CRASH_GATEWAY_API_KEY', config: (i: number) => [`baseUrl: https://llm-${i}.internal.example.com/v1`] },
  { kind: 'openai', env: 'CRASH_OPENAI_API_KEY', config: (i: number) => [`organization: org-crash-${i % 7}`] },
  { kind: 'anthropic', env: 'CRASH_ANTHROPIC_API_KEY', config: () => [] as string[] },
  { kind: 'groq', env: 'CRASH_GROQ_API_KEY', config: () => [] as string[] },
  { kind: 'deepseek', env: 'CRASH_DEEPSEEK_API_KEY', config: () => [] as string[] },
];
const OPENAI = 1;

/** The credentials both states read (from: env). Only CRASH_ROTATING_API_KEY differs. */
export function crashEnv(state: 'before' | 'after'): Record<string, string> {
  return {
    CRASH_GATEWAY_API_KEY: 'tgp_v1_crashAAAAbbbbCCCCddddEEEE0001',
    CRASH_OPENAI_API_KEY: 'sk-proj-crashAAAAbbbbCCCCddddEEEE0002',
    CRASH_ANTHROPIC_API_KEY: 'sk-ant-api03-crashAAAAbbbbCCCCddddEEEE0003',
    CRASH_GROQ_API_KEY: 'gsk_crashAAAAbbbbCCCCddddEEEE0004',
    CRASH_DEEPSEEK_API_KEY: 'sk-crashAAAAbbbbCCCCddddEEEE0005',
    CRASH_ROTATING_API_KEY: state === 'before' ? 'sk-proj-rotateOLDxxxxyyyyzzzz0006' : 'sk-proj-rotateNEWxxxxyyyyzzzz0007',
  };
}

interface Model {
  j: number;
  changed: boolean;
}

interface Provider {
  name: string;
  kindIndex: number;
  env?: string;
  labels: Record<string, string>;
  status?: 'disabled';
  protected?: boolean;
  onRemove?: 'disable';
  catalog?: { exclude: string[]; overrides?: Array<{ id: string; contextWindow: number }> };
  models: Model[];
}

const pad = (n: number, w = 3): string => String(n).padStart(w, '0');

/** One line per model: `- {id: m-007, kind: chat, contextWindow: 65536, pricing: {...}}`. */
function modelLine(m: Model): string {
  const fields = [`id: m-${pad(m.j)}`, `kind: ${m.j % 10 === 9 ? 'embedding' : 'chat'}`, `contextWindow: ${8192 * (1 + (m.j % 16)) + (m.changed ? 1024 : 0)}`];
  if (m.j % 2 === 0) {
    const input = ((m.j % 7) / 10 + 0.1 + (m.changed ? 0.05 : 0)).toFixed(2);
    fields.push(`pricing: {inputPerMTok: ${input}, outputPerMTok: ${(m.j % 5) + 0.5}}`);
  }
  return `        - {${fields.join(', ')}}`;
}

function providerYaml(p: Provider, i: number): string {
  const k = KINDS[p.kindIndex]!;
  const lines = [`  - name: ${p.name}`, `    kind: ${k.kind}`];
  if (p.status) lines.push(`    status: ${p.status}`);
  if (p.protected) lines.push('    protected: true');
  if (p.onRemove) lines.push(`    onRemove: ${p.onRemove}`);
  lines.push(`    labels: {${Object.entries(p.labels).map(([a, b]) => `${a}: "${b}"`).join(', ')}}`);
  const config = k.config(i);
  if (config.length) lines.push(`    config: {${config.join(', ')}}`);
  lines.push(`    credentials: {apiKey: {from: env, name: ${p.env ?? k.env}}}`);
  lines.push('    models:');
  if (p.catalog) {
    lines.push(`      catalog: "${CATALOG_VERSION}"`);
    if (p.catalog.exclude.length) lines.push(`      exclude: [${p.catalog.exclude.join(', ')}]`);
  }
  const custom = p.models.map(modelLine);
  for (const o of p.catalog?.overrides ?? []) custom.push(`        - {id: ${o.id}, contextWindow: ${o.contextWindow}}`);
  if (custom.length) lines.push('      custom:', ...custom);
  return lines.join('\n');
}

function openaiCatalogIds(): string[] {
  const text = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'catalog', 'openai.yaml'), 'utf8');
  return [...text.matchAll(/^ {2}- id: (\S+)$/gm)].map((m) => m[1]!);
}

function providers(s: CrashShape, state: 'before' | 'after'): Provider[] {
  const out: Provider[] = [];
  const after = state === 'after';
  const range = (from: number, to: number, changedBelow = 0): Model[] =>
    Array.from({ length: Math.max(0, to - from) }, (_, x) => ({ j: from + x, changed: from + x < changedBelow }));
  for (let i = 0; i < s.keep; i++) {
    out.push({
      name: `keep-${pad(i)}`,
      kindIndex: i % KINDS.length,
      labels: { team: `team-${i % 5}`, tier: after && i % 4 === 0 ? 'gold' : 'silver' },
      // The after-state keeps models [0, models - drop), changes [0, upd), adds [models, models + add).
      models: after ? [...range(0, s.models - s.drop, s.upd), ...range(s.models, s.models + s.add)] : range(0, s.models),
    });
  }
  if (!after) {
    for (let i = 0; i < s.gone; i++) out.push({ name: `gone-${pad(i)}`, kindIndex: i % KINDS.length, labels: { team: 'old' }, models: range(0, s.models) });
    for (let i = 0; i < s.retire; i++)
      out.push({ name: `retire-${pad(i)}`, kindIndex: i % KINDS.length, onRemove: 'disable', labels: { team: 'old' }, models: range(0, 10) });
    for (let i = 0; i < s.safe; i++)
      out.push({ name: `safe-${pad(i)}`, kindIndex: i % KINDS.length, protected: true, labels: { team: 'core' }, models: range(0, 10) });
  }
  for (let i = 0; i < s.flip; i++)
    out.push({ name: `flip-${pad(i)}`, kindIndex: i % KINDS.length, status: after ? 'disabled' : undefined, labels: { team: 'x' }, models: range(0, 10) });
  for (let i = 0; i < s.rot; i++)
    out.push({ name: `rot-${pad(i)}`, kindIndex: OPENAI, env: 'CRASH_ROTATING_API_KEY', labels: { team: 'sec' }, models: range(0, 10) });
  const catalogIds = s.cat > 0 ? openaiCatalogIds() : [];
  for (let i = 0; i < s.cat; i++)
    out.push({
      name: `cat-${pad(i)}`,
      kindIndex: OPENAI,
      labels: { team: 'catalog' },
      catalog: after
        ? {
            exclude: catalogIds.slice(0, s.catDrop),
            overrides: catalogIds.slice(s.catDrop, s.catDrop + s.catUpd).map((id, x) => ({ id, contextWindow: 100_001 + x })),
          }
        : { exclude: [] },
      models: [],
    });
  if (after) {
    for (let i = 0; i < s.created; i++) out.push({ name: `new-${pad(i)}`, kindIndex: i % KINDS.length, labels: { team: `team-${i % 5}` }, models: range(0, s.models) });
    for (let i = 0; i < s.createdCat; i++)
      out.push({ name: `newcat-${pad(i)}`, kindIndex: OPENAI, labels: { team: `team-${i % 5}` }, catalog: { exclude: [] }, models: [] });
  }
  return out;
}

/** Writes the state's files into dir (emptied of YAML first); returns the number of files. */
export function writeState(dir: string, s: CrashShape, state: 'before' | 'after'): number {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (/\.ya?ml$/.test(f)) fs.rmSync(path.join(dir, f));
  const ps = providers(s, state);
  const perFile = 25;
  let files = 0;
  for (let f = 0; f * perFile < ps.length; f++) {
    const chunk = ps.slice(f * perFile, (f + 1) * perFile);
    const text = `version: 1\nproviders:\n${chunk.map((p, x) => providerYaml(p, f * perFile + x)).join('\n')}\n`;
    fs.writeFileSync(path.join(dir, `providers-${pad(f, 2)}.yaml`), text);
    files++;
  }
  return files;
}

/**
 * Console-made rows cvctl never writes, so that deletes cascade past provider_models: 20
 * user-facing models with backends on a model that stays, on one the after-state deletes and on
 * a provider it deletes, and one ('facade-orphan') whose only backend goes with a deleted provider.
 */
export function facadesSql(s: CrashShape): string {
  const keeps = Math.max(1, Math.min(s.keep, 10));
  const gones = Math.max(1, Math.min(s.gone, 4));
  const last = s.models - 1; // deleted by the after-state when drop >= 1
  return `
insert into models (name) select 'facade-' || lpad(k::text, 3, '0') from generate_series(0, 19) k;
insert into model_backends (model_id, provider_model_id, priority)
select m.id, pm.id, x.priority
  from models m
  cross join lateral (values
    ('keep-' || lpad((substr(m.name, 8)::int % ${keeps})::text, 3, '0'), 0, 0),
    ('keep-' || lpad((substr(m.name, 8)::int % ${keeps})::text, 3, '0'), ${last}, 1),
    ('gone-' || lpad((substr(m.name, 8)::int % ${gones})::text, 3, '0'), 0, 2)) as x(provider, j, priority)
  join providers p on p.name = x.provider
  join provider_models pm on pm.provider_id = p.id and pm.model_id = 'm-' || lpad(x.j::text, 3, '0');
insert into models (name) values ('facade-orphan');
insert into model_backends (model_id, provider_model_id, priority)
select m.id, pm.id, 0 from models m, providers p join provider_models pm on pm.provider_id = p.id
 where m.name = 'facade-orphan' and p.name = 'gone-000' and pm.model_id = 'm-001';
`;
}
