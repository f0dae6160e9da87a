// Opening what a command needs from the outside: the database, the KEK, the secret
// resolver. The embedded default migrates itself so a fresh clone works with no setup;
// a real PostgreSQL database must be migrated explicitly (`cvctl db migrate`).
import * as path from 'node:path';
import * as os from 'node:os';
import { DEFAULT_EMBEDDED_DIR, type Context } from './context';
import type { Database } from '../state/database';
import { openDatabase } from '../state/connect';
import { assertMigrated, migrate } from '../state/migrations';
import type { Kek } from '../crypto/kek';
import { DEFAULT_KEK_URI, openKek, parseKekUri } from '../crypto/kek-uri';
import { AwsKmsKek, openAwsKmsKek } from '../crypto/aws-kms-kek';
import { createResolver } from '../secrets/resolve';
import type { SecretResolver } from '../secrets/resolver';

export interface OpenDbOptions {
  /** What this process is doing, shown to whoever finds it holding a lock. */
  purpose: string;
  /** Skip the "is the schema migrated" check (db migrate itself). */
  skipMigrationCheck?: boolean;
  /** How long to wait for the embedded database's data directory (held by another process); default 30 s. */
  lockTimeoutSeconds?: number;
}

export async function openDb(ctx: Context, o: OpenDbOptions): Promise<Database> {
  const actor = actorOf(ctx.env);
  const db = await (ctx.openDatabase ?? openDatabase)({
    databaseUrl: ctx.opts.databaseUrl,
    embeddedDir: path.resolve(ctx.cwd, DEFAULT_EMBEDDED_DIR),
    applicationName: `cvctl ${o.purpose} (${actor ?? 'unknown'}@${os.hostname()} pid ${process.pid})`.slice(0, 63),
    announce: (m) => ctx.info(m),
    lockTimeoutSeconds: o.lockTimeoutSeconds,
    // A new embedded database starts from the build's migrated seed: migrate() below runs anyway.
    embeddedSeed: !o.skipMigrationCheck,
  });
  try {
    if (o.skipMigrationCheck) return db;
    if (db.target === 'pglite') await migrate(db);
    else await assertMigrated(db);
    return db;
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}

export function kmsUri(ctx: Context): string {
  return ctx.opts.kms ?? DEFAULT_KEK_URI;
}

// One KEK per command run: `apply` opens it for the plan's fingerprint-key unwrap and again
// for the writes, and each open of an AWS KMS key is a DescribeKey (a KMS call, billed and
// rate-limited), and a separate instance would defeat the fingerprint-key cache (src/crypto/fingerprint.ts).
const runKeks = new WeakMap<Context, Promise<Kek>>();

export interface OpenKekOptions {
  /**
   * Only unwraps are expected (a plan's fingerprint key): an AWS KMS key is not described
   * until it first wraps, so a no-op plan makes one KMS call (the Decrypt), not two.
   */
  unwrapOnly?: boolean;
}

export async function openKekFor(ctx: Context, create: boolean, o: OpenKekOptions = {}): Promise<Kek> {
  let opening = runKeks.get(ctx);
  if (!opening) {
    opening = openKekOnce(ctx, create);
    runKeks.set(ctx, opening);
    // A failed open is not remembered: a later caller (e.g. with create) tries again.
    const mine = opening;
    mine.catch(() => {
      if (runKeks.get(ctx) === mine) runKeks.delete(ctx);
    });
  }
  const kek = await opening;
  // Opened for unwrapping only and now wanted in full: describe it now, before any lock or
  // transaction, so a disabled or wrong key is reported before anything starts.
  if (!o.unwrapOnly && kek instanceof AwsKmsKek) await kek.describe();
  return kek;
}

/** The AWS KMS endpoint override (emulators, VPC endpoints) of this run's environment. */
export function kmsEndpoint(ctx: Context): string | undefined {
  return ctx.env.AWS_ENDPOINT_URL_KMS || ctx.env.AWS_ENDPOINT_URL || undefined;
}

async function openKekOnce(ctx: Context, create: boolean): Promise<Kek> {
  const endpoint = kmsEndpoint(ctx);
  const uri = kmsUri(ctx);
  const parsed = parseKekUri(uri);
  // Always deferred here; openKekFor describes it at once unless the caller only unwraps.
  if (parsed.scheme === 'aws-kms') return openAwsKmsKek({ keyId: parsed.keyId, region: parsed.region, endpoint, deferDescribe: true });
  return openKek(uri, { create, cwd: ctx.cwd, endpoint });
}

export function resolverFor(ctx: Context): SecretResolver {
  return createResolver({ env: ctx.env });
}

/** Who is applying: the CI actor, else the local user. */
export function actorOf(env: NodeJS.ProcessEnv): string | null {
  return env.GITHUB_ACTOR || env.USER || env.USERNAME || null;
}
