// The fuzzer's worker thread (started by fuzz-pool.ts, which compiles this TypeScript on the
// fly): writes each case's files into the workspace, runs the CLI's own main() in-process on
// them through test/support/cli.ts, and sends the exit codes and outputs back. It holds the
// database handle for `plan`, opened once. Anything written to this thread's process.stdout,
// process.stderr or console (outside the CLI's injected io) is "stray" output, sent back too.
import { parentPort, workerData } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../support/cli';
import { openDatabase } from '../../../src/state/connect';
import type { Database } from '../../../src/state/database';

export interface WorkerInit {
  cwd: string;
  env: Record<string, string>;
  /** postgres target */
  databaseUrl?: string;
  /** pglite target: the data directory (the main thread must not hold it open) */
  embeddedDir?: string;
  /** Run before reporting ready (not checked): loads the catalog, warms the JIT, so the first case's time is its own. */
  warmup?: string[][];
}

export interface CaseRequest {
  type: 'case';
  id: number;
  /** Written (relative to cwd) before the commands; the previous case's files are restored first. */
  writes: Array<{ rel: string; bytes: Uint8Array }>;
  commands: string[][];
}

export interface CommandResult {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** main() rejected instead of returning an exit code. */
  threw?: string;
}

export type WorkerReply =
  | { type: 'ready'; ms: number }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; results: CommandResult[]; stray: string }
  | { type: 'closed' };

let stray = '';
function captureStray(): void {
  const grab = (chunk: unknown): boolean => {
    stray += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    console[m] = (...args: unknown[]) => void grab(args.map(String).join(' ') + '\n');
  }
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('fuzz-worker.ts must run in a worker thread');
  const init = (workerData as { init: WorkerInit }).init;
  captureStray();
  const t0 = Date.now();
  let db: Database | undefined;
  try {
    if (init.databaseUrl) db = await openDatabase({ databaseUrl: init.databaseUrl, applicationName: 'cvctl-fuzz' });
    else if (init.embeddedDir) db = await openDatabase({ embeddedDir: init.embeddedDir });
  } catch (e) {
    port.postMessage({ type: 'init-error', message: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies WorkerReply);
    return;
  }
  const originals = new Map<string, Buffer | null>();
  const dirty = new Set<string>();

  /** Puts back the files the previous case changed, except those this case overwrites anyway. */
  const restore = (keep: ReadonlySet<string> = new Set()): void => {
    for (const rel of dirty) {
      if (keep.has(rel)) continue;
      const p = path.join(init.cwd, rel);
      const o = originals.get(rel);
      if (o === null || o === undefined) fs.rmSync(p, { force: true });
      else fs.writeFileSync(p, o);
    }
    dirty.clear();
  };

  port.on('message', (msg: CaseRequest | { type: 'close' }) => {
    void (async () => {
      if (msg.type === 'close') {
        restore();
        await db?.close().catch(() => undefined);
        port.postMessage({ type: 'closed' } satisfies WorkerReply);
        return;
      }
      restore(new Set(msg.writes.map((w) => w.rel)));
      for (const w of msg.writes) {
        const p = path.join(init.cwd, w.rel);
        if (!originals.has(w.rel)) originals.set(w.rel, fs.existsSync(p) ? fs.readFileSync(p) : null);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, w.bytes);
        dirty.add(w.rel);
      }
      stray = '';
      const results: CommandResult[] = [];
      for (const args of msg.commands) {
        const started = process.hrtime.bigint();
        try {
          const r = await runCli(args, { cwd: init.cwd, env: init.env, database: db });
          results.push({ args, ...r, ms: Number(process.hrtime.bigint() - started) / 1e6 });
        } catch (e) {
          results.push({
            args,
            code: -1,
            stdout: '',
            stderr: '',
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            threw: e instanceof Error ? e.stack ?? e.message : String(e),
          });
        }
      }
      port.postMessage({ type: 'result', id: msg.id, results, stray } satisfies WorkerReply);
    })();
  });
  for (const args of init.warmup ?? []) await runCli(args, { cwd: init.cwd, env: init.env, database: db });
  stray = '';
  port.postMessage({ type: 'ready', ms: Date.now() - t0 } satisfies WorkerReply);
}

void serve();
