// Chooses the target: PostgreSQL when a URL is given (--database-url / DATABASE_URL, resolved
// by the CLI), the embedded PGlite otherwise. Everything above src/state gets a Database.
import * as path from 'path';
import type { Database } from './database';
import { DEFAULT_EMBEDDED_DIR, PgliteDatabase, displayPath } from './pglite';
import { DEFAULT_SEED_FILE } from './pglite-seed';
import { PostgresDatabase } from './postgres';
import { normalizeDatabaseUrl } from './conninfo';

export { mapDbError, redact, NOT_MIGRATED_MESSAGE } from './db-errors';

export const DEFAULT_APPLICATION_NAME = 'cvctl';

export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent, the embedded database is used. */
  databaseUrl?: string;
  /** Data directory of the embedded database (default `./.cvctl/db`). */
  embeddedDir?: string;
  /** PostgreSQL application_name, shown in pg_stat_activity and in lock-timeout messages. */
  applicationName?: string;
  /** Told which embedded database is in use (the CLI prints it on stderr). */
  announce?: (msg: string) => void;
  /** How long to wait for another process using the same embedded database (default 30). */
  lockTimeoutSeconds?: number;
  /**
   * Embedded database only: make a new data directory from the seed shipped in dist/ (migrated
   * at build time) instead of initdb. For callers that migrate right after opening.
   */
  embeddedSeed?: boolean;
  /** Injectable sleep for the embedded database's lock-file polling (tests). */
  sleep?: (ms: number) => Promise<void>;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const url = opts.databaseUrl?.trim();
  if (url) {
    return PostgresDatabase.connect(normalizeDatabaseUrl(url), opts.applicationName || DEFAULT_APPLICATION_NAME);
  }
  const dir = path.resolve(opts.embeddedDir ?? DEFAULT_EMBEDDED_DIR);
  // Announced before opening: creating a new embedded database takes several seconds.
  opts.announce?.(
    `cvctl: using the embedded database in ${displayPath(dir)} (pass --database-url or DATABASE_URL for PostgreSQL)`,
  );
  return PgliteDatabase.open({
    dir,
    lockTimeoutMs: opts.lockTimeoutSeconds !== undefined ? opts.lockTimeoutSeconds * 1000 : undefined,
    sleep: opts.sleep,
    seedFile: opts.embeddedSeed ? DEFAULT_SEED_FILE : undefined,
  });
}
