// The main-thread side of the fuzzer's worker: starts test/reliability/support/fuzz-worker.ts in
// a worker_threads Worker and runs one case at a time in it under a watchdog.
//
// Why a worker: the YAML parser and the checks are synchronous, so a case that loops forever
// would block jest's own thread, where no timer can fire; from here, a worker that does not
// answer within the time cap is terminated (Worker.terminate() stops even a tight loop) and the
// case is reported by index. Why compile on the fly: the worker is a plain Node thread outside
// jest, so it cannot use ts-jest, and requiring dist/ would test whatever was last built instead
// of the sources under test. The bootstrap below registers a require hook for .ts files that
// runs TypeScript's transpileModule (per file, no type check: `npm run lint` type-checks these
// files), cached on disk by content hash, so a worker starts in well under a second after the
// first one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CaseRequest, CommandResult, WorkerInit, WorkerReply } from './fuzz-worker';

const ENTRY = path.join(__dirname, 'fuzz-worker.ts');
const TYPESCRIPT = require.resolve('typescript');
const CACHE_DIR = path.join(os.tmpdir(), 'cvctl-fuzz-tscache');

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const ts = require(workerData.typescript);
const options = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  resolveJsonModule: true,
  isolatedModules: true,
  sourceMap: false,
  inlineSourceMap: false,
};
fs.mkdirSync(workerData.cacheDir, { recursive: true });
require.extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(ts.version).update('\\0').update(filename).update('\\0').update(source).digest('hex');
  const cached = path.join(workerData.cacheDir, key + '.js');
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = ts.transpileModule(source, { fileName: filename, compilerOptions: options }).outputText;
    const tmp = cached + '.' + process.pid + '.' + Math.random().toString(36).slice(2);
    try { fs.writeFileSync(tmp, code); fs.renameSync(tmp, cached); } catch { try { fs.rmSync(tmp, { force: true }); } catch {} }
  }
  module._compile(code, filename);
};
require(workerData.entry);
`;

export type CaseOutcome =
  | { kind: 'ok'; results: CommandResult[]; stray: string; ms: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'crash'; error: string; ms: number };

export class FuzzWorker {
  private pending:
    | { id: number; resolve: (o: CaseOutcome) => void; timer: NodeJS.Timeout; started: number }
    | undefined;
  private dead = false;
  private deathReason = '';

  private constructor(
    private readonly worker: Worker,
    readonly init: WorkerInit,
  ) {
    worker.on('message', (m: WorkerReply) => {
      if (m.type !== 'result' || !this.pending || m.id !== this.pending.id) return;
      const p = this.pending;
      this.pending = undefined;
      clearTimeout(p.timer);
      p.resolve({ kind: 'ok', results: m.results, stray: m.stray, ms: Date.now() - p.started });
    });
    const die = (why: string) => {
      this.dead = true;
      this.deathReason = why;
      const p = this.pending;
      if (!p) return;
      this.pending = undefined;
      clearTimeout(p.timer);
      p.resolve({ kind: 'crash', error: why, ms: Date.now() - p.started });
    };
    worker.on('error', (e) => die(`worker error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
    worker.on('exit', (code) => die(`worker exited with code ${code}`));
  }

  /** Starts a worker and waits until it has opened its database (if any). */
  static async start(init: WorkerInit, timeoutMs: number): Promise<{ worker: FuzzWorker; ms: number }> {
    const w = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry: ENTRY, typescript: TYPESCRIPT, cacheDir: CACHE_DIR, init },
      // The jest sandbox's environment (test/setup-env.ts keeps the AWS SDK off the metadata address).
      env: { ...process.env },
      // An input that makes the loader allocate without bound ends as a crash of this case, not of jest.
      resourceLimits: { maxOldGenerationSizeMb: 1536 },
    });
    const started = Date.now();
    const ready = await new Promise<WorkerReply | { type: 'failed'; message: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ type: 'failed', message: `worker not ready after ${timeoutMs} ms` }), timeoutMs);
      const done = (r: WorkerReply | { type: 'failed'; message: string }) => {
        clearTimeout(timer);
        resolve(r);
      };
      w.once('message', (m: WorkerReply) => done(m));
      w.once('error', (e) => done({ type: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
      w.once('exit', (code) => done({ type: 'failed', message: `worker exited with code ${code} while starting` }));
    });
    if (ready.type !== 'ready') {
      await w.terminate();
      throw new Error(`fuzz worker did not start: ${'message' in ready ? ready.message : ready.type}`);
    }
    return { worker: new FuzzWorker(w, init), ms: Date.now() - started };
  }

  get alive(): boolean {
    return !this.dead;
  }

  get whyDead(): string {
    return this.deathReason;
  }

  /** Runs one case; on timeout the worker is terminated (start a new one to go on). */
  run(req: Omit<CaseRequest, 'type'>, timeoutMs: number): Promise<CaseOutcome> {
    if (this.dead) return Promise.resolve({ kind: 'crash', error: `worker is dead: ${this.deathReason}`, ms: 0 });
    if (this.pending) throw new Error('one case at a time');
    return new Promise<CaseOutcome>((resolve) => {
      const started = Date.now();
      let graced = false;
      const fire = (): void => {
        const pending = this.pending;
        if (!pending || pending.id !== req.id) return;
        // A timer that fires late means this thread was busy, and the answer may be sitting
        // in the queue behind the timer: look once more after the queue has been served.
        if (!graced && Date.now() - started > timeoutMs + 500) {
          graced = true;
          pending.timer = setTimeout(fire, 250);
          return;
        }
        this.pending = undefined;
        this.dead = true;
        this.deathReason = `terminated after a case ran over ${timeoutMs} ms`;
        void this.worker.terminate();
        resolve({ kind: 'timeout', ms: Date.now() - started });
      };
      const timer = setTimeout(fire, timeoutMs);
      this.pending = { id: req.id, resolve, timer, started };
      // Copies, not transfers: the caller keeps the bytes to save a failing case.
      this.worker.postMessage({ type: 'case', ...req } satisfies CaseRequest);
    });
  }

  /** Restores the workspace, closes the database, ends the thread. */
  async close(timeoutMs = 30_000): Promise<void> {
    if (this.dead) {
      await this.worker.terminate();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.worker.on('message', (m: WorkerReply) => {
        if (m.type === 'closed') {
          clearTimeout(timer);
          resolve();
        }
      });
      this.worker.postMessage({ type: 'close' });
    });
    this.dead = true;
    this.deathReason = 'closed';
    await this.worker.terminate();
  }

  /** After a terminated pglite worker: its lock file names this (live) process, so nobody else could open the data directory. */
  static releaseEmbeddedLock(init: WorkerInit): void {
    if (init.embeddedDir) fs.rmSync(`${init.embeddedDir}.lock`, { force: true });
  }
}
