// The apply converter (src/apply/convert.ts) without a database: the statements a plan becomes,
// as golden files (UPDATE_GOLDEN=1 rewrites them; review the diff like any change to what apply
// writes), the apply order, the clear error for a change no converter handles, and its purity.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONVERTERS, convertPlan, type ConvertedStep } from '../../src/apply/convert';
import { RESOURCE_TYPES, ACTIONS, type Change, type Plan } from '../../src/plan/types';
import { isCopy } from '../../src/state/statements';
import { deletesPlan, mixedPlan, renamesPlan } from '../render/fixtures';
import { convertInputFor } from './support';
import { routingPlan } from '../plan/routing-fixtures';
import { computePlan } from '../../src/plan/compute';
import { lastAppliedOfModel } from '../../src/plan/shapes';
import { current, input, model, provider } from '../plan/builders';

const DIR = path.join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NOW = new Date('2026-04-20T12:00:00.000Z');

function golden(file: string, actual: string): void {
  const p = path.join(DIR, file);
  if (UPDATE || !fs.existsSync(p)) {
    if (!UPDATE && process.env.CI) throw new Error(`missing golden ${file}`);
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(p, actual);
    return;
  }
  expect(actual).toBe(fs.readFileSync(p, 'utf8'));
}

/** Steps and statements as text: SQL with its parameters, COPY with its rows. */
function text(steps: ConvertedStep[]): string {
  const out: string[] = [];
  for (const { step, statements } of steps) {
    out.push(`== ${step.type} ${step.phase}${statements.length === 0 ? ' (nothing)' : ''}`);
    for (const s of statements) {
      if (isCopy(s)) {
        out.push(`COPY ${s.copy} (${s.columns.join(', ')})`);
        for (const r of s.rows) out.push(`  ${JSON.stringify(r)}`);
      } else {
        out.push(s.sql.replace(/\n\s*/g, '\n  '));
        s.params.forEach((p, i) => out.push(`  $${i + 1} = ${JSON.stringify(p)}`));
      }
    }
  }
  return `${out.join('\n')}\n`;
}

const convert = (plan: Plan): ConvertedStep[] => convertPlan(convertInputFor(plan, NOW));

describe('convertPlan', () => {
  it.each([
    ['mixed', mixedPlan],
    ['deletes', deletesPlan],
    ['renames', renamesPlan],
    ['routing', routingPlan],
  ])('the %s plan becomes the statements in its golden file', (name, make) => {
    golden(`${name}.txt`, text(convert(make())));
  });

  it('writes parents top-down and deletes bottom-up, one statement per table and kind of write', () => {
    const steps = convert(mixedPlan());
    expect(steps.map((s) => `${s.step.type}:${s.step.phase}`)).toEqual([
      'provider:write',
      'providerModel:write',
      'model:write',
      'modelBackend:write',
      'accessGrant:write',
      'accessGrant:delete',
      'modelBackend:delete',
      'model:delete',
      'providerModel:delete',
      'provider:delete',
    ]);
    const tables = steps.flatMap((s) => s.statements.map((st) => (isCopy(st) ? `copy ${st.copy}` : st.sql.split(/\s+/).slice(0, 3).join(' '))));
    expect(tables).toEqual([
      'insert into providers',
      'update providers p',
      'copy provider_models',
      'update provider_models m',
      "select set_config('cvctl.deleting', 'on',",
      'delete from provider_models',
    ]);
  });

  it('is pure: the same plan and inputs give the same statements', () => {
    expect(text(convert(mixedPlan()))).toBe(text(convert(mixedPlan())));
  });

  it('has a converter for every resource type and action, and refuses a change none handles', () => {
    for (const t of RESOURCE_TYPES) for (const a of ACTIONS) expect(CONVERTERS[t][a]).toBeDefined();
    const plan = mixedPlan();
    const odd = { ...plan, changes: [{ ...plan.changes[0], resource: { type: 'gadget', name: 'x' } } as unknown as Change] };
    expect(() => convertPlan({ ...convertInputFor(plan, NOW), plan: odd })).toThrow('convert: no converter for resource type "gadget" and action "update"');
  });

  it('refuses a write whose parent row has no id', () => {
    const plan = mixedPlan();
    const input = convertInputFor(plan, NOW);
    const ids = new Map([...input.ids].filter(([k]) => !k.startsWith('provider\u0000')));
    expect(() => convertPlan({ ...input, ids })).toThrow(/no row id for provider '/);
  });
});

describe("a new provider model's last_applied in the COPY", () => {
  // Made straight from the row's values (convert-rows.ts lastAppliedJson), not through
  // lastAppliedOfModel: the same value once PostgreSQL holds it as jsonb (no key order).
  it.each([
    ['catalog prices', model('gpt-4o')],
    ['no context window, no pricing', model('llama', { contextWindow: null, pricing: null })],
    ['pricing keys out of order, extra and fractional', model('x', { pricing: { outputPerMTok: 0.075, inputPerMTok: 1e-7, cachedInputPerMTok: 0 } as never })],
    ['disabled, custom, embedding', model('emb', { kind: 'embedding', status: 'disabled', source: 'custom', contextWindow: 8191 })],
    ['text with quotes and separators', model('a"b\\c\td', { source: 'custom' })],
  ])('%s: the value lastAppliedOfModel records', (_what, m) => {
    const plan = computePlan(input([provider('p', {}, [m])], current(), { digest: false })).plan;
    const copy = convertPlan(convertInputFor(plan, NOW))
      .flatMap((st) => st.statements)
      .find(isCopy)!;
    const col = copy.columns.indexOf('last_applied');
    const rows = [...copy.rows];
    expect(rows).toHaveLength(1);
    const created = plan.changes.find((c) => c.resource.type === 'providerModel')!;
    expect(JSON.parse(rows[0][col]!)).toEqual(lastAppliedOfModel(created.target as never));
  });
});

describe('purity of the converter', () => {
  // Everything convert.ts imports at run time (type-only imports are erased).
  function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
    if (seen.has(file)) return seen;
    seen.add(file);
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)) {
      const spec = m[1];
      if (!spec.startsWith('.')) {
        seen.add(spec);
        continue;
      }
      runtimeImports(`${path.resolve(path.dirname(file), spec)}.ts`, seen);
    }
    return seen;
  }

  it('imports no database driver, AWS SDK, file system, environment or clock', () => {
    const files = [...runtimeImports(path.join(__dirname, '../../src/apply/convert.ts'))];
    const modules = files.filter((f) => !f.endsWith('.ts'));
    expect(modules.filter((m) => /^(pg|@electric-sql|@aws-sdk|fs|node:fs|child_process|node:child_process)(\/|$)/.test(m))).toEqual([]);
    for (const f of files.filter((x) => x.endsWith('.ts'))) {
      const src = fs.readFileSync(f, 'utf8');
      expect({ file: f, env: /process\.env/.test(src), clock: /Date\.now\(|new Date\(\)/.test(src) }).toEqual({ file: f, env: false, clock: false });
    }
  });
});
