// The schema's constraints live in the database, so the console, psql and cvctl all obey them.
// Rows are written with plain SQL here on purpose: no cvctl code between the test and the table.
import { CvctlError } from '../../src/errors';
import type { Queryable } from '../../src/state/database';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { insertModel, insertProvider } from './seed';

async function rejection(q: Queryable, sql: string, params?: unknown[]): Promise<string> {
  try {
    await q.query(sql, params);
  } catch (e) {
    expect(e).toBeInstanceOf(CvctlError);
    expect((e as CvctlError).code).toBe('DB_ERROR');
    return (e as CvctlError).message;
  }
  throw new Error(`accepted: ${sql}`);
}

describe.each(targets)('schema constraints on %s', (target) => {
  let fresh: FreshDatabase;
  let q: Queryable;
  let providerId: string;
  beforeAll(async () => {
    fresh = await freshDatabase(target);
    q = fresh.db;
    providerId = (await insertProvider(q, 'base')).id;
    await insertModel(q, providerId, 'gpt-4o');
  });
  afterAll(async () => {
    await fresh?.cleanup();
  });

  test('a well-formed provider gets its defaults', async () => {
    const r = await q.query<Record<string, unknown>>(
      `insert into providers (name, kind) values ('defaults.ok-1', 'openai-compatible')
       returning status, config, labels, credential_fingerprints, protected, on_remove, managed_by, created_at`,
    );
    expect(r.rows[0]).toEqual({
      status: 'active',
      config: {},
      labels: {},
      credential_fingerprints: {},
      protected: false,
      on_remove: 'delete',
      managed_by: null,
      created_at: expect.stringMatching(/Z$/),
    });
  });

  test.each([
    ['bad kind', `insert into providers (name, kind) values ('k1', 'openai2')`, 'providers_kind_check'],
    ['bad status', `insert into providers (name, kind, status) values ('s1', 'openai', 'paused')`, 'providers_status_check'],
    ['bad on_remove', `insert into providers (name, kind, on_remove) values ('r1', 'openai', 'keep')`, 'providers_on_remove_check'],
    ['config not an object', `insert into providers (name, kind, config) values ('c1', 'openai', '[]')`, 'providers_config_object'],
    ['labels not an object', `insert into providers (name, kind, labels) values ('l1', 'openai', '"x"')`, 'providers_labels_object'],
    ['duplicate name', `insert into providers (name, kind) values ('base', 'anthropic')`, 'providers_name_key'],
    [
      'half a credential envelope',
      `insert into providers (name, kind, credential_ciphertext, credential_iv) values ('e1', 'openai', '\\x01', '\\x02')`,
      'providers_credential_envelope',
    ],
    ['null kind', `insert into providers (name) values ('n1')`, 'null value in column "kind"'],
  ])('providers reject %s', async (_label, sql, expected) => {
    expect(await rejection(q, sql)).toContain(expected);
  });

  test.each([
    ['upper case', 'OpenAI'],
    ['leading dash', '-openai'],
    ['trailing dot', 'openai.'],
    ['space', 'open ai'],
    ['slash', 'open/ai'],
    ['empty', ''],
    ['64 characters', 'a'.repeat(64)],
  ])('providers reject a bad name: %s', async (_label, name) => {
    expect(await rejection(q, `insert into providers (name, kind) values ($1, 'openai')`, [name])).toContain(
      'providers_name_format',
    );
  });

  test.each([['a'], ['0'], ['a'.repeat(63)], ['openai-prod.eu_1']])('providers accept the name %s', async (name) => {
    await q.query(`insert into providers (name, kind) values ($1, 'groq')`, [name]);
  });

  test.each([
    ['duplicate (provider, model)', `insert into provider_models (provider_id, model_id, kind, source) values ($1, 'gpt-4o', 'chat', 'custom')`, 'provider_models_provider_model_key'],
    ['bad kind', `insert into provider_models (provider_id, model_id, kind, source) values ($1, 'x1', 'image', 'custom')`, 'provider_models_kind_check'],
    ['bad status', `insert into provider_models (provider_id, model_id, kind, source, status) values ($1, 'x2', 'chat', 'custom', 'on')`, 'provider_models_status_check'],
    ['context_window 0', `insert into provider_models (provider_id, model_id, kind, source, context_window) values ($1, 'x3', 'chat', 'custom', 0)`, 'provider_models_context_window_check'],
    ['negative context_window', `insert into provider_models (provider_id, model_id, kind, source, context_window) values ($1, 'x4', 'chat', 'custom', -5)`, 'provider_models_context_window_check'],
    ['bad source', `insert into provider_models (provider_id, model_id, kind, source) values ($1, 'x5', 'chat', 'catalog:latest')`, 'provider_models_source_check'],
    ['source with a bad date shape', `insert into provider_models (provider_id, model_id, kind, source) values ($1, 'x6', 'chat', 'catalog:2026-04-15')`, 'provider_models_source_check'],
    ['empty model id', `insert into provider_models (provider_id, model_id, kind, source) values ($1, '', 'chat', 'custom')`, 'provider_models_model_id_length'],
    ['257-character model id', `insert into provider_models (provider_id, model_id, kind, source) values ($1, repeat('m', 257), 'chat', 'custom')`, 'provider_models_model_id_length'],
  ])('provider_models reject %s', async (_label, sql, expected) => {
    expect(await rejection(q, sql, [providerId])).toContain(expected);
  });

  test('provider_models reject an unknown provider', async () => {
    const msg = await rejection(
      q,
      `insert into provider_models (provider_id, model_id, kind, source) values (gen_random_uuid(), 'y', 'chat', 'custom')`,
    );
    expect(msg).toContain('23503');
  });

  test('provider_models accept catalog:YYYY.MM.DD and custom', async () => {
    await insertModel(q, providerId, 'cat-ok', { source: 'catalog:2026.04.15', context_window: 1 });
    await insertModel(q, providerId, 'custom-ok', { source: 'custom', kind: 'embedding' });
  });

  test('model_backends are unique per (model, provider model)', async () => {
    const pm = await insertModel(q, providerId, 'for-backend');
    const m = (await q.query<{ id: string }>(`insert into models (name) values ('facade-u') returning id`)).rows[0].id;
    await q.query('insert into model_backends (model_id, provider_model_id) values ($1, $2)', [m, pm]);
    expect(await rejection(q, 'insert into model_backends (model_id, provider_model_id) values ($1, $2)', [m, pm])).toContain(
      '23505',
    );
  });

  // Migration 4 (contract section 5). Subselects, not parameters: each statement names its rows.
  const FACADE = `(select id from models where name = 'facade-base')`;
  const PM = `(select id from provider_models where model_id = 'gpt-4o')`;

  test('models, backends and grants written as the console writes them get their defaults', async () => {
    const m = await q.query<Record<string, unknown>>(
      `insert into models (name) values ('facade-base')
       returning kind, status, description, labels, routing, managed_by, protected, on_remove, last_applied, updated_at`,
    );
    expect(m.rows[0]).toEqual({
      kind: null,
      status: 'active',
      description: null,
      labels: {},
      routing: null,
      managed_by: null,
      protected: false,
      on_remove: 'delete',
      last_applied: null,
      updated_at: expect.stringMatching(/Z$/),
    });
    const b = await q.query(`insert into model_backends (model_id, provider_model_id) values (${FACADE}, ${PM})
      returning priority, weight, status`);
    expect(b.rows[0]).toEqual({ priority: 0, weight: 100, status: 'active' });
    const g = await q.query(`insert into access_grants (model_id, subject_type, subject) values (${FACADE}, 'group', 'eng')
      returning limits, expires_at, managed_by`);
    expect(g.rows[0]).toEqual({ limits: {}, expires_at: null, managed_by: null });
  });

  test.each([
    ['models: bad kind', `insert into models (name, kind) values ('k', 'image')`, 'models_kind_check'],
    ['models: bad status', `insert into models (name, status) values ('s', 'paused')`, 'models_status_check'],
    ['models: routing not an object', `insert into models (name, routing) values ('r', '[]')`, 'models_routing_object'],
    ['models: labels not an object', `insert into models (name, labels) values ('l', '1')`, 'models_labels_object'],
    ['models: bad on_remove', `insert into models (name, on_remove) values ('o', 'keep')`, 'models_on_remove_check'],
    ['backends: negative weight', `update model_backends set weight = -1 where model_id = ${FACADE}`, 'model_backends_weight_check'],
    ['backends: bad status', `update model_backends set status = 'on' where model_id = ${FACADE}`, 'model_backends_status_check'],
    ['grants: bad subject type', `insert into access_grants (model_id, subject_type, subject) values (${FACADE}, 'team', 'x')`, 'access_grants_subject_type_check'],
    ['grants: empty subject', `insert into access_grants (model_id, subject_type, subject) values (${FACADE}, 'user', '')`, 'access_grants_subject_length'],
    ['grants: limits not an object', `insert into access_grants (model_id, subject_type, subject, limits) values (${FACADE}, 'user', 'a@b.c', '[]')`, 'access_grants_limits_object'],
    ['grants: the same (model, subject) twice', `insert into access_grants (model_id, subject_type, subject) values (${FACADE}, 'group', 'eng')`, 'access_grants_model_subject_key'],
    ['usage: a negative count', `insert into usage_daily (day, requests) values ('2026-01-01', -1)`, 'usage_daily_requests_check'],
  ])('migration 4 rejects %s', async (_label, sql, expected) => {
    expect(await rejection(q, sql)).toContain(expected);
  });

  test('deleting a model cascades to its backends and grants, not to provider models', async () => {
    const m = (await q.query<{ id: string }>(`insert into models (name) values ('facade-gone') returning id`)).rows[0].id;
    await q.query(`insert into model_backends (model_id, provider_model_id) values ($1, ${PM})`, [m]);
    await q.query(`insert into access_grants (model_id, subject_type, subject) values ($1, 'user', 'a@example.com')`, [m]);
    await q.query('delete from models where id = $1', [m]);
    const left = await q.query<{ b: number; g: number; pm: number }>(
      `select (select count(*)::int from model_backends where model_id = $1) as b,
              (select count(*)::int from access_grants where model_id = $1) as g,
              (select count(*)::int from provider_models where model_id = 'gpt-4o') as pm`,
      [m],
    );
    expect(left.rows[0]).toEqual({ b: 0, g: 0, pm: 1 });
  });

  test('cvctl_runs reject an unknown result', async () => {
    expect(
      await rejection(q, `insert into cvctl_runs (scope, command, started_at, result) values ('s', 'apply', now(), 'ok')`),
    ).toContain('cvctl_runs_result_check');
  });

  test('deleting a provider cascades to its provider models and their backends, not to models', async () => {
    const p = (await insertProvider(q, 'cascade-me')).id;
    const pm1 = await insertModel(q, p, 'a');
    const pm2 = await insertModel(q, p, 'b');
    const other = await insertModel(q, providerId, 'survivor');
    const m = (await q.query<{ id: string }>(`insert into models (name) values ('facade-c') returning id`)).rows[0].id;
    for (const pm of [pm1, pm2, other]) {
      await q.query('insert into model_backends (model_id, provider_model_id) values ($1, $2)', [m, pm]);
    }
    await q.query('delete from providers where id = $1', [p]);
    const pms = await q.query('select 1 from provider_models where provider_id = $1', [p]);
    expect(pms.rowCount).toBe(0);
    const backends = await q.query<{ provider_model_id: string }>(
      'select provider_model_id from model_backends where model_id = $1',
      [m],
    );
    expect(backends.rows).toEqual([{ provider_model_id: other }]);
    expect((await q.query('select 1 from models where id = $1', [m])).rowCount).toBe(1);
  });
});
