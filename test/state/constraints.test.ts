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
