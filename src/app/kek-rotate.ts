// `cvctl kek rotate --to URI`: re-wrap every provider's data key, then the fingerprint key,
// under a new KEK. Only the wrapping changes: the DEKs, and so the credential ciphertexts
// and IVs, stay as they are; no secret is read or re-encrypted.
//
// Resumable by construction: rows are selected by "not on the target yet" in id order and
// each batch commits on its own, so a rerun after a crash or kill continues where it
// stopped. Safe next to applies: each batch is a compare-and-swap on the wrapped key it
// re-wrapped, so a row an apply re-sealed meanwhile is never overwritten; later passes pick
// it up. The fingerprint key goes last, so plans run with the old --kms keep working until
// every row is done.
import { CvctlError } from '../errors';
import { credentialsContext } from '../crypto/envelope';
import { FINGERPRINT_KEY_CONTEXT } from '../crypto/fingerprint';
import { assertRotationSource } from '../crypto/kek-pin';
import type { Kek } from '../crypto/kek';
import type { Database } from '../state/database';
import { TokenBucket, defaultClock, mapBounded } from './kek-rotate/pool';
import { SourceKeks, isKmsKeyArn, kmsCallsPerRewrap, preflight, prefixed } from './kek-rotate/sources';
import { stopAt } from '../testing/stop-at';
import { acquireRotateLock } from '../state/lock';
import { casFingerprintKey, readFingerprintKeyRow } from '../state/keys';
import { casBatch, countPending, kekCensus, selectBatch, type KekCensus, type Rewrapped } from '../state/rotation';

export { renderRotateSummary, ProgressBar } from '../render/kek-rotate';

export const DEFAULT_BATCH_SIZE = 500;
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_MAX_RATE = 200;
/** Passes over the rows that changed concurrently; bounded so an apply loop cannot keep us running. */
export const MAX_PASSES = 5;

export interface RotateProgress {
  phase: 'rows' | 'fingerprint' | 'done';
  pass: number;
  /** Rows to re-wrap, as counted at the start (a later pass may add rows that changed meanwhile). */
  total: number;
  /** Rows re-wrapped and committed by this run. */
  committed: number;
  /** Rows re-wrapped so far, committed or about to be (moves smoothly within a batch). */
  rewrapped: number;
  changedConcurrently: number;
}

export interface RotateOptions {
  source: Kek;
  target: Kek;
  /** Opens a KMS key by ARN, for rows left on another KMS key by an interrupted rotation. */
  openKekById?: (id: string) => Promise<Kek>;
  batchSize: number;
  concurrency: number;
  /** KMS calls per second, across all workers; 0 = no cap. */
  maxRatePerSecond: number;
  onProgress?: (p: RotateProgress) => void;
  /** Count what would be done: census and preflight only, nothing written. */
  dryRun?: boolean;
  /** Monotonic milliseconds for elapsed time (default performance.now). */
  now?: () => number;
  /** Called with a batch's re-wrapped ids just before its compare-and-swap (tests: a concurrent apply). */
  beforeWrite?: (batch: { pass: number; ids: string[] }) => Promise<void> | void;
}

export interface PassSummary {
  pass: number;
  rewrapped: number;
  /** Re-wrapped, but the row's wrapped key had changed by the time of the write: left for the next pass. */
  changedConcurrently: number;
}

export type FingerprintKeyOutcome = 'rewrapped' | 'already-on-target' | 'absent' | 'would-rewrap' | 'skipped';

export interface RotateSummary {
  dryRun: boolean;
  source: string;
  target: string;
  rows: {
    /** Rows with credentials at the start. */
    withCredentials: number;
    withoutCredentials: number;
    /** Re-wrapped and committed (dry run: to re-wrap). */
    rewrapped: number;
    alreadyOnTarget: number;
    changedConcurrently: number;
    /** Still not on the target at the end (non-zero only when rows kept changing for MAX_PASSES passes). */
    remaining: number;
  };
  /** Rows found on each KEK other than the target at the start. */
  fromKeks: Record<string, number>;
  passes: PassSummary[];
  fingerprintKey: FingerprintKeyOutcome;
  /** KMS calls made by the KEK instances involved (their callCount(): opening them included); local KEKs make none. */
  kmsCalls: { source: number; target: number; other: number; total: number };
  elapsedMs: number;
  rowsPerSecond: number;
}

export async function rotateKek(db: Database, opts: RotateOptions): Promise<RotateSummary> {
  checkOptions(opts);
  const clock = opts.now ?? defaultClock;
  const t0 = clock();
  const { source, target } = opts;
  const sources = new SourceKeks(source, target, opts.openKekById);
  const lock = await acquireRotateLock(db);
  try {
    // Everything that can fail for a whole KEK fails here, before the first write.
    const { census, fpRow } = await (async () => {
      // The database must be on the source (or already on the target): a stale --kms is refused.
      const fpRow = await readFingerprintKeyRow(db);
      await assertRotationSource(db, source, target, fpRow?.kekId ?? null);
      const census = await kekCensus(db);
      for (const k of census.byKek) {
        if (k.kekId !== target.id) await sources.forKey(k.kekId, `row providers/${k.exampleId} ('${k.exampleName}')${others(k.rows)}`);
      }
      if (fpRow && fpRow.kekId !== target.id) await sources.forKey(fpRow.kekId, 'the fingerprint key (cvctl_keys/fingerprint)');
      await preflight(target);
      return { census, fpRow };
    })().catch((e: unknown) => {
      throw nothingWritten(e);
    });

    const start = summarizeCensus(census, target.id);
    const summary: RotateSummary = {
      dryRun: Boolean(opts.dryRun),
      source: source.id,
      target: target.id,
      rows: { ...start.rows, rewrapped: 0, changedConcurrently: 0, remaining: start.pending },
      fromKeks: start.fromKeks,
      passes: [],
      fingerprintKey: fpRow === null ? 'absent' : fpRow.kekId === target.id ? 'already-on-target' : 'would-rewrap',
      kmsCalls: { source: 0, target: 0, other: 0, total: 0 },
      elapsedMs: 0,
      rowsPerSecond: 0,
    };
    if (opts.dryRun) {
      summary.rows.rewrapped = start.pending;
      return finish(summary, opts, sources, clock() - t0);
    }

    const bucket = new TokenBucket(opts.maxRatePerSecond);
    const progress: RotateProgress = {
      phase: 'rows',
      pass: 1,
      total: start.pending,
      committed: 0,
      rewrapped: 0,
      changedConcurrently: 0,
    };
    const report = (): void => opts.onProgress?.({ ...progress });
    report();
    try {
      summary.rows.remaining = await rewrapRows(db, opts, sources, bucket, summary, progress, report);
    } catch (e) {
      throw stoppedError(e, progress.committed);
    }
    summary.rows.rewrapped = progress.committed;
    summary.rows.changedConcurrently = progress.changedConcurrently;

    if (summary.rows.remaining > 0) {
      // Not finished: keep the old wrapping so plans with the old --kms still work.
      summary.fingerprintKey = fpRow === null ? 'absent' : 'skipped';
    } else {
      progress.phase = 'fingerprint';
      report();
      summary.fingerprintKey = await rewrapFingerprintKey(db, target, sources, bucket);
    }
    progress.phase = 'done';
    report();
    return finish(summary, opts, sources, clock() - t0);
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/** Passes over the rows not on the target until none is left or a pass makes no progress. Returns how many are left. */
async function rewrapRows(
  db: Database,
  opts: RotateOptions,
  sources: SourceKeks,
  bucket: TokenBucket,
  summary: RotateSummary,
  progress: RotateProgress,
  report: () => void,
): Promise<number> {
  const { target } = opts;
  let remaining = progress.total;
  for (let pass = 1; pass <= MAX_PASSES && remaining > 0; pass++) {
    const p: PassSummary = { pass, rewrapped: 0, changedConcurrently: 0 };
    summary.passes.push(p);
    progress.pass = pass;
    // Rows re-sealed or created meanwhile on another KEK join the total in later passes.
    if (pass > 1) progress.total = Math.max(progress.total, progress.committed + remaining);
    report();
    let after: string | null = null;
    for (;;) {
      const rows = await selectBatch(db, target.id, after, opts.batchSize);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const run = await mapBounded(rows, opts.concurrency, async (row) => {
        const from = await sources.forKey(row.kekId, `row providers/${row.id}`);
        await bucket.take(kmsCallsPerRewrap(from, target));
        const w = await target.rewrap({ wrapped: row.wrapped, kekId: row.kekId as string }, credentialsContext(row.id), from);
        if (w.kekId !== target.id) {
          throw new CvctlError('KMS_ERROR', `re-wrapping providers/${row.id} produced a key of KEK ${w.kekId}, not of the target ${target.id}`);
        }
        progress.rewrapped++;
        report();
        return w.wrapped;
      });
      // What succeeded is committed even when another row of the batch failed: it is done work.
      const ok: Rewrapped[] = [];
      run.results.forEach((r, i) => {
        if (r?.ok) ok.push({ id: rows[i]!.id, old: rows[i]!.wrapped, wrapped: r.value });
      });
      await opts.beforeWrite?.({ pass, ids: ok.map((x) => x.id) });
      stopAt('kek-rotate:batch-rewrapped');
      const written = await casBatch(db, target.id, ok);
      stopAt('kek-rotate:batch-committed');
      p.rewrapped += written.size;
      p.changedConcurrently += ok.length - written.size;
      progress.committed += written.size;
      progress.changedConcurrently += ok.length - written.size;
      // Re-wrapped but not written: not progress, the bar must not count them.
      progress.rewrapped = progress.committed;
      report();
      if (run.failed) throw run.error;
    }
    remaining = await countPending(db, target.id);
    if (p.rewrapped === 0) break; // no progress: another pass would do the same
  }
  return remaining;
}

async function rewrapFingerprintKey(db: Database, target: Kek, sources: SourceKeks, bucket: TokenBucket): Promise<FingerprintKeyOutcome> {
  // A lost compare-and-swap means someone re-created the key; re-read and go again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await readFingerprintKeyRow(db);
    if (row === null) return 'absent';
    if (row.kekId === target.id) return attempt === 0 ? 'already-on-target' : 'rewrapped';
    const from = await sources.forKey(row.kekId, 'the fingerprint key (cvctl_keys/fingerprint)');
    await bucket.take(kmsCallsPerRewrap(from, target));
    let w;
    try {
      w = await target.rewrap({ wrapped: row.wrapped, kekId: row.kekId }, FINGERPRINT_KEY_CONTEXT, from);
    } catch (e) {
      throw prefixed(e, 'every row was re-wrapped, but re-wrapping the fingerprint key failed (run the same command again to finish)');
    }
    if (await casFingerprintKey(db, target.id, row, w.wrapped)) return 'rewrapped';
  }
  throw new CvctlError('DB_ERROR', 'the fingerprint key in cvctl_keys kept changing while it was being re-wrapped; run the same command again');
}

function summarizeCensus(c: KekCensus, targetId: string) {
  let withCredentials = 0;
  let alreadyOnTarget = 0;
  const fromKeks: Record<string, number> = {};
  for (const k of c.byKek) {
    withCredentials += k.rows;
    if (k.kekId === targetId) alreadyOnTarget += k.rows;
    else fromKeks[k.kekId ?? '(none)'] = k.rows;
  }
  return {
    rows: { withCredentials, withoutCredentials: c.withoutCredentials, alreadyOnTarget },
    pending: withCredentials - alreadyOnTarget,
    fromKeks,
  };
}

function finish(s: RotateSummary, opts: RotateOptions, sources: SourceKeks, elapsedMs: number): RotateSummary {
  const kms = (k: Kek): number => (isKmsKeyArn(k.id) ? k.callCount() : 0);
  const sourceCalls = kms(opts.source);
  const targetCalls = opts.target === opts.source ? 0 : kms(opts.target);
  const other = sources.extra.reduce((n, k) => n + kms(k), 0);
  s.kmsCalls = { source: sourceCalls, target: targetCalls, other, total: sourceCalls + targetCalls + other };
  s.elapsedMs = Math.round(elapsedMs);
  s.rowsPerSecond = elapsedMs > 0 ? Math.round((s.dryRun ? 0 : s.rows.rewrapped) / (elapsedMs / 1000)) : 0;
  return s;
}

function nothingWritten(e: unknown): unknown {
  if (!(e instanceof CvctlError) || e.message.includes('nothing was written')) return e;
  return new CvctlError(e.code, `${e.message} (nothing was written)`, { cause: e });
}

/** The failure, with what was done before it: those rows are committed and a rerun continues from there. */
function stoppedError(e: unknown, committed: number): unknown {
  if (!(e instanceof CvctlError)) return e; // a bug: reported as an internal error, as is
  const done =
    committed > 0
      ? `${committed} row(s) were re-wrapped and committed before the failure (rows are on mixed KEKs until then, each readable with its own)`
      : 'no row was re-wrapped';
  return new CvctlError(e.code, `${e.message} — kek rotate stopped: ${done}; fix the cause and run the same command again to finish`, {
    cause: e,
  });
}

function others(n: number): string {
  return n > 1 ? ` (one of ${n} rows on that KEK)` : '';
}

function checkOptions(o: RotateOptions): void {
  const int = (name: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new CvctlError('USAGE', `${name} must be an integer between ${min} and ${max}, not ${String(v)}`);
    }
  };
  int('--batch-size', o.batchSize, 1, 10_000);
  int('--concurrency', o.concurrency, 1, 1024);
  if (!Number.isFinite(o.maxRatePerSecond) || o.maxRatePerSecond < 0) {
    throw new CvctlError('USAGE', `--max-rate must be a number of calls per second >= 0 (0 = no cap), not ${String(o.maxRatePerSecond)}`);
  }
}
