// Ctrl-C (SIGINT) and SIGTERM during `cvctl apply`: one true line, exit 130.
//
// The guard knows where the apply is because it wraps the database the apply writes through:
// `writing` from BEGIN until the transaction body has finished, `committing` from just before
// COMMIT is sent until its reply, then `committed`. A signal while writing (or before) exits at
// once without ever sending COMMIT: the connection closes with the process and PostgreSQL rolls
// the open transaction back (the embedded database recovers to its last commit), so "nothing
// was written" is true. A signal while COMMIT is in flight waits for its reply, then says which
// way it went. Phase changes happen synchronously right before COMMIT is sent, so a signal
// handler (a separate event-loop task) can never see `writing` once COMMIT is on the wire.
import type { Database, Transaction } from '../state/database';
import type { SignalSource } from '../app/context';
import { pauseAt, type PausePoint } from '../testing/stop-at';
import { EXIT_INTERRUPTED } from './exit';

export const INTERRUPTED_NOTHING_WRITTEN = 'cvctl: interrupted: nothing was written';
export const INTERRUPTED_AFTER_COMMIT = 'cvctl: interrupted after the changes were committed (see cvctl history)';

export type ApplyPhase = 'before' | 'writing' | 'committing' | 'committed';

export interface InterruptGuardOptions {
  signals: SignalSource | null;
  stderr: (s: string) => void;
  exit: (code: number) => void;
  /** Test-only (CVCTL_TEST_PAUSE_AT, src/testing/stop-at.ts). */
  pauseAt?: PausePoint;
}

export class InterruptGuard {
  private phase: ApplyPhase = 'before';
  private interrupted = false;
  private readonly handler = (): void => this.onSignal();

  constructor(private readonly o: InterruptGuardOptions) {}

  install(): this {
    this.o.signals?.on('SIGINT', this.handler);
    this.o.signals?.on('SIGTERM', this.handler);
    return this;
  }

  uninstall(): void {
    this.o.signals?.off('SIGINT', this.handler);
    this.o.signals?.off('SIGTERM', this.handler);
  }

  /** The same database; its transactions report their phase to this guard. */
  wrap(db: Database): Database {
    return {
      target: db.target,
      description: db.description,
      query: (sql, params) => db.query(sql, params),
      statementCount: () => db.statementCount(),
      close: () => db.close(),
      transaction: <T>(fn: (tx: Transaction) => Promise<T>) => this.transaction(db, fn),
    };
  }

  private async transaction<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.phase = 'writing';
    try {
      const result = await db.transaction(async (tx) => {
        const r = await fn(tx);
        await pauseAt('before-commit', this.o.pauseAt, this.o.stderr);
        // Synchronously before the session sends COMMIT (see the file comment).
        this.phase = 'committing';
        return r;
      });
      this.phase = 'committed';
      if (this.interrupted) this.finish();
      await pauseAt('after-commit', this.o.pauseAt, this.o.stderr);
      return result;
    } catch (e) {
      // Rolled back (or COMMIT failed): nothing of this transaction was written.
      this.phase = 'before';
      if (this.interrupted) this.finish();
      throw e;
    }
  }

  private onSignal(): void {
    if (this.interrupted) return;
    this.interrupted = true;
    // COMMIT is in flight: its reply decides what is true (transaction() finishes then).
    if (this.phase === 'committing') return;
    this.finish();
  }

  private finish(): void {
    this.o.stderr(`${this.phase === 'committed' ? INTERRUPTED_AFTER_COMMIT : INTERRUPTED_NOTHING_WRITTEN}\n`);
    this.o.exit(EXIT_INTERRUPTED);
  }
}

/** The real process's signals. */
export const processSignals: SignalSource = {
  on: (signal, handler) => process.on(signal, handler),
  off: (signal, handler) => process.off(signal, handler),
};
