// A throwaway checkout for CLI round trips: a work folder with files, a fresh database on
// the target (PostgreSQL: its URL is passed; embedded: it lives in <work>/.cvctl/db, like a
// user's), and helpers to run cvctl and SQL against it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliResult } from '../support/cli';
import { freshDatabase, type DbTarget } from '../support/db';
import { openDatabase } from '../../src/state/connect';
import type { Database } from '../../src/state/database';

export interface Workspace {
  work: string;
  /** postgres target: the database URL (for roles and other connections). */
  url?: string;
  cvctl(args: string[], env?: Record<string, string>): Promise<CliResult>;
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  cleanup(): Promise<void>;
}

export async function workspace(target: DbTarget, prefix: string): Promise<Workspace> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const fresh = await freshDatabase(target);
  const embeddedDir = fresh.dir ? path.join(work, '.cvctl', 'db') : undefined;
  if (fresh.dir && embeddedDir) {
    // One process per data dir: close the handle and move the migrated database into place.
    await fresh.db.close();
    fs.mkdirSync(path.dirname(embeddedDir), { recursive: true });
    fs.cpSync(fresh.dir, embeddedDir, { recursive: true });
  }
  const dbArgs = fresh.url ? ['--database-url', fresh.url] : [];
  return {
    work,
    url: fresh.url,
    cvctl: (args, env = {}) => runCli([...dbArgs, ...args], { cwd: work, env }),
    async withDb(fn) {
      const db = fresh.url ? await openDatabase({ databaseUrl: fresh.url }) : await openDatabase({ embeddedDir });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    async cleanup() {
      await fresh.cleanup().catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Fails with the command's stderr when the exit code is not the expected one. */
export function expectExit(r: CliResult, code: number, what: string): void {
  if (r.code !== code) throw new Error(`${what}: exit ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

/**
 * A workspace with one folder per version of the files (`{v1: yaml, v2: yaml}`, each written as
 * `<dir>/all.yaml`), the first one applied: the start of the routing tests that then plan,
 * drift or apply the later versions.
 */
export async function appliedVersions(target: DbTarget, prefix: string, versions: Record<string, string>, env: Record<string, string>): Promise<Workspace> {
  const ws = await workspace(target, prefix);
  for (const [dir, text] of Object.entries(versions)) {
    fs.mkdirSync(path.join(ws.work, dir));
    fs.writeFileSync(path.join(ws.work, dir, 'all.yaml'), text);
  }
  expectExit(await ws.cvctl(['apply', Object.keys(versions)[0]!, '--auto-approve', '-q'], env), 0, 'apply');
  return ws;
}

/** The one provider (two priced chat models) the routing suites route over, and its secret. */
export const ROUTING_PROVIDER = `providers:
  - name: openai-prod
    kind: openai
    credentials:
      apiKey: {from: env, name: OPENAI_API_KEY}
    models:
      custom:
        - {id: gpt-4o, kind: chat, contextWindow: 128000, pricing: {inputPerMTok: 2.5, outputPerMTok: 10}}
        - {id: gpt-4o-mini, kind: chat, contextWindow: 128000, pricing: {inputPerMTok: 0.15, outputPerMTok: 0.6}}
`;
export const ROUTING_ENV = { OPENAI_API_KEY: 'sk-test-1234567890abcdef' };
