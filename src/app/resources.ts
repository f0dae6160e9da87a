// Opening what a command needs from the outside: the database, the KEK, the secret
// resolver. The embedded default migrates itself so a fresh clone works with no setup;
// a real PostgreSQL database must be migrated explicitly (`cvctl db migrate`).
import * as path from 'node:path';
import * as os from 'node:os';
import type { Context } from '../cli/context';
import { DEFAULT_EMBEDDED_DIR, DEFAULT_KMS_URI } from '../cli/context';
import type { Database } from '../state/database';
import { openDatabase } from '../state/connect';
import { assertMigrated, migrate } from '../state/migrations';
import type { Kek } from '../crypto/kek';
import { openKek } from '../crypto/kek-uri';
import { createResolver } from '../secrets/resolve';
import type { SecretResolver } from '../secrets/resolver';

export interface OpenDbOptions {
  /** What this process is doing, shown to whoever finds it holding a lock. */
  purpose: string;
  /** Skip the "is the schema migrated" check (db migrate itself). */
  skipMigrationCheck?: boolean;
}

export async function openDb(ctx: Context, o: OpenDbOptions): Promise<Database> {
  const actor = actorOf(ctx.env);
  const db = await openDatabase({
    databaseUrl: ctx.opts.databaseUrl,
    embeddedDir: path.resolve(ctx.cwd, DEFAULT_EMBEDDED_DIR),
    applicationName: `cvctl ${o.purpose} (${actor ?? 'unknown'}@${os.hostname()} pid ${process.pid})`.slice(0, 63),
    announce: (m) => ctx.info(m),
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
  return ctx.opts.kms ?? DEFAULT_KMS_URI;
}

export async function openKekFor(ctx: Context, create: boolean): Promise<Kek> {
  const endpoint = ctx.env.AWS_ENDPOINT_URL_KMS || ctx.env.AWS_ENDPOINT_URL || undefined;
  return openKek(kmsUri(ctx), { create, cwd: ctx.cwd, endpoint });
}

export function resolverFor(ctx: Context): SecretResolver {
  return createResolver({ env: ctx.env });
}

/** Who is applying: the CI actor, else the local user. */
export function actorOf(env: NodeJS.ProcessEnv): string | null {
  return env.GITHUB_ACTOR || env.USER || env.USERNAME || null;
}
