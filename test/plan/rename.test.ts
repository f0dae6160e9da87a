// Table-driven planner cases for `renamedFrom` (providers): desired files × database rows →
// expected changes, problems and warnings, plus targeted checks; and the generic matcher.
import { computePlan, type PlanInput } from '../../src/plan/compute';
import { matchRenamed } from '../../src/plan/rename';
import { planDigest } from '../../src/plan/serialize';
import type { Change, ProviderTarget } from '../../src/plan/types';
import type { RenamedFrom } from '../../src/domain/types';
import { backend, brief, current, fp, input, model, modelRow, provider, providerRow } from './builders';

interface Row {
  name: string;
  in: PlanInput;
  changes: string[];
  problems?: string[];
  warnings?: string[];
  check?: (changes: Change[]) => void;
}

const from = (name: string, line = 4): RenamedFrom => ({ name, pos: { file: 'providers/main.yaml', line, column: 18 } });
const gpt = model('gpt-4o');
const mini = model('gpt-4o-mini', { pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 } });
/** The files: `openai-prod`, renamed from the given earlier names. */
const renamed = (olds: string[], o = {}, models = [gpt]) => provider('openai-prod', { renamedFrom: olds.map((n, i) => from(n, 4 + i)), ...o }, models);
/** The row under its earlier name, as cvctl left it (same fields, same credential). */
const oldRow = (o = {}) => providerRow('openai-main', o);
const oldModel = (id: string, o = {}) => modelRow('openai-main', id, o);
/** The files' credential resolves to what the old row stores (fingerprints are keyed to the row id, which stays). */
const sameCreds = { 'openai-prod': { apiKey: { fingerprint: fp('openai-main'), prefix: 'sk-test-' } } };
const ren = (desired = [renamed(['openai-main'])], rows = current({ providers: [oldRow()], providerModels: [oldModel('gpt-4o')] }), o: Partial<PlanInput> = {}) =>
  input(desired, rows, { credentials: sameCreds, ...o });
const field = (c: Change, path: string) => c.fields?.find((f) => f.path === path);

const rows: Row[] = [
  {
    name: 'rename: an update of the old row (same id), with renamedFrom and the name field; its models are kept',
    in: ren(),
    changes: ['update openai-prod [name]'],
    check: ([c]) => {
      expect(c.renamedFrom).toBe('openai-main');
      expect(field(c, 'name')).toEqual({ path: 'name', before: 'openai-main', after: 'openai-prod' });
      expect(c.expect).toEqual({ id: 'pv-openai-main', rowVersion: 3 });
      const t = c.target as ProviderTarget;
      expect(t.name).toBe('openai-prod');
      expect(t.credentials).toBeNull();
      expect(t.lastApplied.name).toBe('openai-prod');
      expect(c.adopt).toBeUndefined();
    },
  },
  {
    name: 'rename with other changes: fields, a new model, a removed model (all under the new name, on the old row)',
    in: ren(
      [renamed(['openai-main'], { labels: { env: 'prod' } }, [gpt, mini])],
      current({ providers: [oldRow()], providerModels: [oldModel('gpt-4o'), oldModel('gone')], backends: [backend('openai-main', 'gpt-4o', 'chat')] }),
    ),
    changes: [
      'update openai-prod [name,labels.env]',
      'create openai-prod/gpt-4o-mini [kind,status,contextWindow,pricing.inputPerMTok,pricing.outputPerMTok,source]',
      'delete openai-prod/gone',
    ],
    check: ([, , del]) => expect(del.expect).toEqual({ id: 'pm-openai-main-gone', rowVersion: 1 }),
  },
  {
    name: 'rename with a status change stays an update (the contract: a rename is an update)',
    in: ren([renamed(['openai-main'], { status: 'disabled' })]),
    changes: ['update openai-prod [name,status]'],
  },
  {
    name: 'rename of a row with model backends: nothing is deleted, no cascade, no warning',
    in: ren(undefined, current({ providers: [oldRow()], providerModels: [oldModel('gpt-4o')], backends: [backend('openai-main', 'gpt-4o', 'chat')] })),
    changes: ['update openai-prod [name]'],
    check: ([c]) => expect(c.cascade).toEqual({ providerModels: 0, modelBackends: 0, modelsLeftWithoutBackends: [] }),
  },
  {
    name: 'idempotent: after the rename is applied, the same files plan nothing',
    in: input([renamed(['openai-main'])], current({ providers: [providerRow('openai-prod')], providerModels: [modelRow('openai-prod', 'gpt-4o')] })),
    changes: [],
  },
  {
    name: 'a list of earlier names: the one that exists is renamed',
    in: ren([renamed(['openai-old', 'openai-main'])]),
    changes: ['update openai-prod [name]'],
    check: ([c]) => expect(c.renamedFrom).toBe('openai-main'),
  },
  {
    name: 'no row under any name: a create',
    in: input([renamed(['openai-main'])], current()),
    changes: ['create openai-prod', 'create openai-prod/gpt-4o'],
  },
  {
    name: 'both the old and the new name exist: refused at the renamedFrom entry; neither row is touched or deleted',
    in: ren(undefined, current({ providers: [oldRow(), providerRow('openai-prod')] })),
    changes: [],
    problems: [
      "rename-conflict: provider 'openai-prod' is renamedFrom 'openai-main', but the database has both 'openai-prod' and 'openai-main'; delete the one that is not meant, or remove 'openai-main' from renamedFrom if it is an unrelated provider",
    ],
  },
  {
    name: 'two earlier names both exist: ambiguous, refused',
    in: ren([renamed(['openai-old', 'openai-main'])], current({ providers: [oldRow(), providerRow('openai-old')] })),
    changes: [],
    problems: [
      "rename-conflict: provider 'openai-prod' is renamedFrom 'openai-old' and 'openai-main', and the database has each of them: which row to rename is ambiguous; keep only the earlier name whose row is meant in renamedFrom",
    ],
  },
  {
    name: 'a console-made row without --adopt: refused',
    in: ren(undefined, current({ providers: [oldRow({ managedBy: null })] })),
    changes: [],
    problems: ["unmanaged-exists: provider 'openai-main' (renamedFrom of 'openai-prod') was not created by cvctl; pass --adopt to rename it and take it over"],
  },
  {
    name: 'a console-made row with --adopt: renamed and adopted, its models too',
    in: ren(undefined, current({ providers: [oldRow({ managedBy: null })], providerModels: [oldModel('gpt-4o', { managedBy: null })] }), { adopt: true }),
    changes: ['update(adopt) openai-prod [name]', 'update(adopt) openai-prod/gpt-4o'],
    check: ([c, m]) => {
      expect(c.renamedFrom).toBe('openai-main');
      expect(c.reason).toBeUndefined();
      expect(m.expect).toEqual({ id: 'pm-openai-main-gpt-4o', rowVersion: 1 });
    },
  },
  {
    name: "another scope's row without --adopt: refused, naming the scope",
    in: ren(undefined, current({ providers: [oldRow({ managedBy: 'team-b' })] })),
    changes: [],
    problems: ["owned-by-other-scope: provider 'openai-main' (renamedFrom of 'openai-prod') is managed by cvctl scope 'team-b', not 'default'; pass --adopt to rename it and take it over"],
  },
  {
    name: "another scope's row with --adopt: renamed and taken over with that scope's models; a console model is left alone",
    in: ren(
      undefined,
      current({ providers: [oldRow({ managedBy: 'team-b' })], providerModels: [oldModel('gpt-4o', { managedBy: 'team-b' }), oldModel('console', { managedBy: null })] }),
      { adopt: true },
    ),
    changes: ['update(adopt) openai-prod [name]', 'update(adopt) openai-prod/gpt-4o'],
    check: ([c, m]) => {
      expect(c.reason).toBe("take over from cvctl scope 'team-b'");
      expect(m.reason).toBe("take over from cvctl scope 'team-b'");
    },
  },
  {
    name: 'a protected row can be renamed (it is not a delete)',
    in: ren([renamed(['openai-main'], { protected: true })], current({ providers: [oldRow({ protected: true })], providerModels: [oldModel('gpt-4o')] })),
    changes: ['update openai-prod [name]'],
  },
  {
    name: 'the renamed row is not removed; another row of the scope no longer declared still is',
    in: ren(undefined, current({ providers: [oldRow(), providerRow('stale')], providerModels: [oldModel('gpt-4o')] })),
    changes: ['update openai-prod [name]', 'delete stale'],
  },
  {
    name: 'a changed credential on a renamed row is a credential change, as on any update',
    in: ren(undefined, undefined, { credentials: { 'openai-prod': { apiKey: { fingerprint: fp('openai-main', 'apiKey', 2), prefix: 'sk-new-' } } } }),
    changes: ['update openai-prod [name,credentials.apiKey]'],
    check: ([c]) => expect((c.target as ProviderTarget).credentials?.apiKey.fingerprint).toBe(fp('openai-main', 'apiKey', 2)),
  },
];

describe('computePlan: renamedFrom', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const { plan, problems } = computePlan(r.in);
    const withFields = r.changes.some((s) => s.includes('['));
    expect(plan.changes.map((c) => brief(c, withFields))).toEqual(r.changes);
    expect(problems.map((x) => `${x.code}: ${x.message}`)).toEqual(r.problems ?? []);
    expect(plan.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual(r.warnings ?? []);
    for (const a of ['create', 'update', 'disable', 'enable', 'delete'] as const) {
      expect(plan.summary[a]).toBe(plan.changes.filter((c) => c.action === a).length);
    }
    expect(plan.digest).toBe(planDigest(plan));
    r.check?.(plan.changes);
  });

  it('positions a refusal at the renamedFrom entry that names the existing row', () => {
    const { problems } = computePlan(ren([renamed(['openai-old', 'openai-main'])], current({ providers: [oldRow({ managedBy: null })] })));
    expect(problems.map((p) => p.pos)).toEqual([{ file: 'providers/main.yaml', line: 5, column: 18 }]);
  });
});

describe('matchRenamed', () => {
  const rowsBy = (...names: string[]) => (n: string) => (names.includes(n) ? { n } : undefined);
  const olds = (...names: string[]) => names.map((name) => ({ name }));
  it.each([
    ['new only', rowsBy('new'), olds('old'), 'same'],
    ['neither', rowsBy(), olds('old'), 'none'],
    ['old only', rowsBy('old'), olds('old'), 'renamed'],
    ['both', rowsBy('new', 'old'), olds('old'), 'conflict'],
    ['two olds', rowsBy('a', 'b'), olds('a', 'b'), 'ambiguous'],
    ['own name listed', rowsBy('new'), olds('new'), 'same'],
    ['no renamedFrom', rowsBy('x'), undefined, 'none'],
  ] as const)('%s', (_n, lookup, renamedFrom, kind) => {
    expect(matchRenamed('new', renamedFrom, lookup).kind).toBe(kind);
  });
});
