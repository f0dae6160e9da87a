// Shared setup for the `kek rotate` tests: a work directory with a database (PostgreSQL or
// the embedded one where a user's checkout has it), rows sealed with a given KEK, and
// before/after snapshots of the envelope columns.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { workspaceDatabase, type DbTarget } from '../support/db';
import { runCli, type CliResult } from '../support/cli';
import type { KmsEmulator } from '../support/kms-emulator';
import type { Database, Queryable } from '../../src/state/database';
import type { Kek } from '../../src/crypto/kek';
import { openCredentials, sealCredentials, toBuffer } from '../../src/crypto/envelope';
import { loadFingerprintKey } from '../../src/crypto/fingerprint';
import { SecretValue } from '../../src/secrets/resolver';

export const REGION = 'eu-west-1';

/**
 * The AWS SDK reads credentials and region from process.env (the default chain), the CLI
 * reads the endpoint from its env: both are set. Returns the env to pass to runCli/children.
 */
export function awsEnv(emu: KmsEmulator): Record<string, string> {
  const env = {
    AWS_ENDPOINT_URL_KMS: emu.url,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_REGION: REGION,
  };
  Object.assign(process.env, env);
  return env;
}

export function clearAwsEnv(): void {
  for (const k of ['AWS_ENDPOINT_URL_KMS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) delete process.env[k];
}

export interface Workspace {
  cwd: string;
  target: DbTarget;
  url?: string;
  /** --database-url for the postgres target; nothing for the embedded one (it is under cwd). */
  dbArgs: string[];
  /** Opens the database for fn only: the embedded one admits one handle at a time. */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  cleanup(): Promise<void>;
}

export async function workspace(target: DbTarget, env: Record<string, string> = {}): Promise<Workspace> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-rotate-'));
  const wdb = await workspaceDatabase(target, cwd);
  const ws: Workspace = {
    cwd,
    target,
    url: wdb.url,
    dbArgs: wdb.dbArgs,
    async withDb(fn) {
      const db = await wdb.open();
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    cli: (args, extra = {}) => runCli([...ws.dbArgs, ...args], { cwd, env: { ...env, ...extra } }),
    async cleanup() {
      await wdb.cleanup().catch(() => undefined);
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
  return ws;
}

export interface Seeded {
  id: string;
  name: string;
  value: string;
}

/**
 * n providers with an apiKey sealed by `kek` (one statement), and the fingerprint key
 * created under `kek` if absent, with matching stored fingerprints: rows as an apply leaves them.
 */
export async function seedProviders(
  q: Queryable,
  kek: Kek,
  n: number,
  prefix = 'p',
  opts: { fingerprints?: boolean } = {},
): Promise<Seeded[]> {
  const fp = opts.fingerprints === false ? null : await loadFingerprintKey(q, kek, { create: true });
  const ids = await q.query<{ id: string }>('select gen_random_uuid()::text as id from generate_series(1, $1::int)', [n]);
  const rows = await Promise.all(
    ids.rows.map(async ({ id }, i) => {
      const name = `${prefix}-${String(i + 1).padStart(4, '0')}`;
      const value = `sk-proj-${randomBytes(12).toString('hex')}`;
      const sealed = await sealCredentials(kek, id, { apiKey: new SecretValue(value) });
      const fps = fp ? fp.fingerprintAll(id, { apiKey: new SecretValue(value) }) : {};
      return { id, name, value, sealed, fps };
    }),
  );
  await q.query(
    `insert into providers (id, name, kind, managed_by, credential_prefix, credential_ciphertext, credential_iv,
                            credential_wrapped_dek, credential_kek_id, credential_fingerprints, credential_updated_at)
     select u.id::uuid, u.name, 'openai', 'default', 'sk-proj-', decode(u.ct, 'hex'), decode(u.iv, 'hex'),
            decode(u.dek, 'hex'), u.kek, u.fps::jsonb, now()
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         as u(id, name, ct, iv, dek, kek, fps)`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.name),
      rows.map((r) => r.sealed.ciphertext.toString('hex')),
      rows.map((r) => r.sealed.iv.toString('hex')),
      rows.map((r) => r.sealed.wrappedDek.toString('hex')),
      rows.map((r) => r.sealed.kekId),
      rows.map((r) => JSON.stringify(r.fps)),
    ],
  );
  return rows.map(({ id, name, value }) => ({ id, name, value }));
}

/** Re-seal one row as an apply would: new DEK, new ciphertext and IV, under `kek`. */
export async function resealRow(q: Queryable, kek: Kek, id: string, value: string): Promise<void> {
  const s = await sealCredentials(kek, id, { apiKey: new SecretValue(value) });
  await q.query(
    `update providers set credential_ciphertext = $2, credential_iv = $3, credential_wrapped_dek = $4, credential_kek_id = $5,
            updated_at = now() where id = $1::uuid`,
    [id, s.ciphertext, s.iv, s.wrappedDek, s.kekId],
  );
}

export interface Envelope {
  name: string;
  ciphertext: Buffer;
  iv: Buffer;
  wrappedDek: Buffer;
  kekId: string;
}

export async function envelopes(q: Queryable): Promise<Map<string, Envelope>> {
  const r = await q.query<{ id: string; name: string; ct: Buffer; iv: Buffer; dek: Buffer; kek_id: string }>(
    `select id::text as id, name, credential_ciphertext as ct, credential_iv as iv, credential_wrapped_dek as dek,
            credential_kek_id as kek_id
       from providers where credential_wrapped_dek is not null order by id`,
  );
  return new Map(
    r.rows.map((x) => [
      x.id,
      { name: x.name, ciphertext: toBuffer(x.ct), iv: toBuffer(x.iv), wrappedDek: toBuffer(x.dek), kekId: x.kek_id },
    ]),
  );
}

/** Decrypts every row with the KEK its kek id names; returns name -> apiKey. */
export async function readAll(q: Queryable, keks: Kek[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [id, e] of await envelopes(q)) {
    const kek = keks.find((k) => k.id === e.kekId);
    if (!kek) throw new Error(`row ${e.name} is on ${e.kekId}, none of the given KEKs`);
    const fields = await openCredentials(kek, id, e);
    out.set(e.name, fields.apiKey!.reveal());
  }
  return out;
}

export async function countOn(q: Queryable, kekId: string): Promise<number> {
  const r = await q.query<{ n: number }>('select count(*)::int as n from providers where credential_kek_id = $1', [kekId]);
  return Number(r.rows[0]!.n);
}

export async function fingerprintKeyRow(q: Queryable): Promise<{ kekId: string; wrapped: Buffer; rotatedAt: string | null } | null> {
  const r = await q.query<{ kek_id: string; wrapped_key: Buffer; rotated_at: string | null }>(
    `select kek_id, wrapped_key, rotated_at from cvctl_keys where name = 'fingerprint'`,
  );
  const row = r.rows[0];
  return row ? { kekId: row.kek_id, wrapped: toBuffer(row.wrapped_key), rotatedAt: row.rotated_at } : null;
}

export function expectedValues(rows: Seeded[]): Map<string, string> {
  return new Map(rows.map((r) => [r.name, r.value]));
}
