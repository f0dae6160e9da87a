import type { CurrentState } from '../../src/domain/rows';
import { readCredentialColumns, readState } from '../../src/state/read-state';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { insertModel, insertProvider, seedBulk } from './seed';

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe.each(targets)('readState on %s', (target) => {
  let fresh: FreshDatabase;
  beforeEach(async () => {
    fresh = await freshDatabase(target);
  });
  afterEach(async () => {
    await fresh?.cleanup();
  });

  test('returns the exact rows, camelCased and typed, in a deterministic order', async () => {
    const { db } = fresh;
    const a = await insertProvider(db, 'openai-prod', {
      status: 'disabled',
      config: JSON.stringify({ organization: 'org-abc', nested: { n: 1 } }),
      labels: JSON.stringify({ team: 'platform' }),
      credential_prefix: 'sk-proj-',
      credential_updated_at: '2026-04-15T10:00:00.000Z',
      credential_ciphertext: Buffer.from('ct'),
      credential_iv: Buffer.from('iv'),
      credential_wrapped_dek: Buffer.from('dek'),
      credential_kek_id: 'local:abc',
      credential_fingerprints: JSON.stringify({ apiKey: 'ab12' }),
      managed_by: 'default',
      protected: true,
      on_remove: 'disable',
      last_applied: JSON.stringify({ name: 'openai-prod' }),
    });
    const b = await insertProvider(db, 'console-made', { kind: 'anthropic' });
    const m1 = await insertModel(db, a.id, 'gpt-4o', {
      context_window: 128000,
      pricing: JSON.stringify({ inputPerMTok: 2.5, outputPerMTok: 10 }),
      source: 'catalog:2026.04.15',
      managed_by: 'default',
      last_applied: JSON.stringify({ modelId: 'gpt-4o' }),
    });
    const m2 = await insertModel(db, a.id, 'text-embedding-3-small', { kind: 'embedding', status: 'disabled' });
    const f1 = (await db.query<{ id: string }>(`insert into models (name) values ('chat-default') returning id`)).rows[0].id;
    const f2 = (await db.query<{ id: string }>(`insert into models (name) values ('embed') returning id`)).rows[0].id;
    const mb1 = (
      await db.query<{ id: string }>('insert into model_backends (model_id, provider_model_id) values ($1, $2) returning id', [f1, m1])
    ).rows[0].id;
    const mb2 = (
      await db.query<{ id: string }>('insert into model_backends (model_id, provider_model_id) values ($1, $2) returning id', [f2, m2])
    ).rows[0].id;

    const state = await readState(db);
    const expected: CurrentState = {
      providers: [
        {
          id: b.id,
          name: 'console-made',
          kind: 'anthropic',
          status: 'active',
          config: {},
          labels: {},
          credentialPrefix: null,
          credentialUpdatedAt: null,
          credentialFingerprints: {},
          managedBy: null,
          protected: false,
          onRemove: 'delete',
          lastApplied: null,
          rowVersion: b.rowVersion,
          createdAt: ISO,
          updatedAt: ISO,
        },
        {
          id: a.id,
          name: 'openai-prod',
          kind: 'openai',
          status: 'disabled',
          config: { organization: 'org-abc', nested: { n: 1 } },
          labels: { team: 'platform' },
          credentialPrefix: 'sk-proj-',
          credentialUpdatedAt: '2026-04-15T10:00:00.000Z',
          credentialFingerprints: { apiKey: 'ab12' },
          managedBy: 'default',
          protected: true,
          onRemove: 'disable',
          lastApplied: { name: 'openai-prod' },
          rowVersion: a.rowVersion,
          createdAt: ISO,
          updatedAt: ISO,
        },
      ],
      providerModels: [
        {
          id: m1,
          providerId: a.id,
          modelId: 'gpt-4o',
          kind: 'chat',
          status: 'active',
          contextWindow: 128000,
          pricing: { inputPerMTok: 2.5, outputPerMTok: 10 },
          source: 'catalog:2026.04.15',
          managedBy: 'default',
          lastApplied: { modelId: 'gpt-4o' },
          rowVersion: expect.any(Number),
        },
        {
          id: m2,
          providerId: a.id,
          modelId: 'text-embedding-3-small',
          kind: 'embedding',
          status: 'disabled',
          contextWindow: null,
          pricing: null,
          source: 'custom',
          managedBy: null,
          lastApplied: null,
          rowVersion: expect.any(Number),
        },
      ],
      backends: [
        { providerModelId: m1, backendId: mb1, modelId: f1, modelName: 'chat-default' },
        { providerModelId: m2, backendId: mb2, modelId: f2, modelName: 'embed' },
      ],
      modelBackendCounts: { [f1]: 1, [f2]: 1 },
    };
    expect(state).toEqual(expected);
    // The ciphertext never travels with the state.
    expect(JSON.stringify(state)).not.toMatch(/ciphertext|wrappedDek/);
    // What plans read: the same, without the models' last-applied records (providers keep theirs).
    const lean = await readState(db, { modelLastApplied: false });
    expect(lean).toEqual({ ...expected, providerModels: expected.providerModels.map((m) => ({ ...m, lastApplied: null })) });
  });

  test('uses the same number of statements for 10 and for 1,000 rows', async () => {
    const { db } = fresh;
    await seedBulk(db, { providers: 2, modelsPerProvider: 5, facades: 2 });
    let before = db.statementCount();
    const small = await readState(db);
    const smallCount = db.statementCount() - before;
    expect(small.providerModels).toHaveLength(10);

    await db.query('delete from models');
    await db.query('delete from providers');
    await seedBulk(db, { providers: 100, modelsPerProvider: 10, facades: 20 });
    before = db.statementCount();
    const big = await readState(db);
    expect(db.statementCount() - before).toBe(smallCount);
    // BEGIN, SET TRANSACTION (one snapshot), providers, provider_models, backends, COMMIT.
    expect(smallCount).toBe(6);
    // Inside a caller's transaction: just the three reads.
    await db.transaction(async (tx) => {
      const b = db.statementCount();
      expect((await readState(tx)).providerModels).toHaveLength(1000);
      expect(db.statementCount() - b).toBe(3);
    });
    expect(big.providers).toHaveLength(100);
    expect(big.providerModels).toHaveLength(1000);
    // Each facade-k is served by the first model of providers 1..(1 + k % 3).
    const facade = (k: number): string => big.backends.find((x) => x.modelName === `facade-${k}`)!.modelId;
    expect(big.modelBackendCounts[facade(3)]).toBe(1);
    expect(big.modelBackendCounts[facade(4)]).toBe(2);
    expect(big.modelBackendCounts[facade(5)]).toBe(3);
    expect(Object.keys(big.modelBackendCounts)).toHaveLength(20);
  });

  test('rowVersion (xmin) changes on every UPDATE, whoever makes it, and not on reads', async () => {
    const { db } = fresh;
    const p = await insertProvider(db, 'versioned');
    const pm = await insertModel(db, p.id, 'm');
    const v0 = await readState(db);
    expect((await readState(db)).providers[0].rowVersion).toBe(v0.providers[0].rowVersion);
    // A console-style edit, outside cvctl and outside any transaction of ours.
    await db.query(`update providers set labels = '{"edited":"yes"}' where id = $1`, [p.id]);
    await db.query(`update provider_models set status = 'disabled' where id = $1`, [pm]);
    const v1 = await readState(db);
    expect(v1.providers[0].rowVersion).not.toBe(v0.providers[0].rowVersion);
    expect(v1.providerModels[0].rowVersion).not.toBe(v0.providerModels[0].rowVersion);
    // Even an UPDATE that sets the same values is a new row version.
    await db.query(`update providers set labels = labels where id = $1`, [p.id]);
    expect((await readState(db)).providers[0].rowVersion).not.toBe(v1.providers[0].rowVersion);
  });

  test('readCredentialColumns returns the envelope of the requested providers in one statement', async () => {
    const { db } = fresh;
    const withCred = await insertProvider(db, 'with-cred', {
      credential_ciphertext: Buffer.from([1, 2, 3]),
      credential_iv: Buffer.from([4, 5]),
      credential_wrapped_dek: Buffer.from([6]),
      credential_kek_id: 'aws-kms://arn:aws:kms:eu-west-1:1:key/abc',
    });
    const without = await insertProvider(db, 'without-cred');
    const other = await insertProvider(db, 'other-cred', {
      credential_ciphertext: Buffer.from([9]),
      credential_iv: Buffer.from([9]),
      credential_wrapped_dek: Buffer.from([9]),
      credential_kek_id: 'k',
    });
    const before = db.statementCount();
    const got = await readCredentialColumns(db, [withCred.id, without.id]);
    expect(db.statementCount() - before).toBe(1);
    expect([...got.keys()]).toEqual([withCred.id]);
    const env = got.get(withCred.id)!;
    expect(Buffer.isBuffer(env.ciphertext)).toBe(true);
    expect([...env.ciphertext]).toEqual([1, 2, 3]);
    expect([...env.iv]).toEqual([4, 5]);
    expect([...env.wrappedDek]).toEqual([6]);
    expect(env.kekId).toBe('aws-kms://arn:aws:kms:eu-west-1:1:key/abc');
    expect(got.has(other.id)).toBe(false);
    expect((await readCredentialColumns(db, [])).size).toBe(0);
  });
});
