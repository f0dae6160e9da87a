// The SecretResolver: resolves every reference of a run at once, each distinct reference
// only once (a key used by ten providers is one Vault read), with bounded concurrency (a
// repo with hundreds of providers must not open hundreds of connections to a secret store),
// retrying transient failures, and reporting ALL failures together so a user fixes them
// in one round instead of one per run.
import type { SecretSource } from '../domain/kinds';
import { SECRET_SOURCES } from '../domain/kinds';
import type { LocatedSecretRef, SecretRef, SourcePos } from '../domain/types';
import { CvctlError } from '../errors';
import { defaultBackend, isRetryable } from './backends';
import { refKey, SecretValue, type SecretBackend, type SecretResolver } from './resolver';

export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry). */
  attempts: number;
  /** Delay before the first retry; doubles each time, with jitter. */
  baseDelayMs: number;
}

export interface ResolverOptions {
  /** Overrides per source (tests, and the cloud backends once they exist). */
  backends?: Partial<Record<SecretSource, SecretBackend>>;
  /** For `from: env`; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Most references being resolved at the same time; default 8. */
  concurrency?: number;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1) source for the jitter; Math.random by default. */
  random?: () => number;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200 };

export interface SecretFailure {
  pos: SourcePos;
  message: string;
}

/** All failures of one resolveAll, sorted by position; the message lists each one. */
export class SecretResolutionError extends CvctlError {
  readonly failures: readonly SecretFailure[];
  constructor(failures: SecretFailure[]) {
    super('SECRET_UNRESOLVED', formatFailures(failures));
    this.name = 'SecretResolutionError';
    this.failures = failures;
  }
}

function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.column}`;
}

function formatFailures(failures: SecretFailure[]): string {
  if (failures.length === 1) {
    const f = failures[0]!;
    return `${f.message} (referenced at ${formatPos(f.pos)})`;
  }
  const lines = failures.map((f) => `  ${formatPos(f.pos)} ${f.message}`);
  return `${failures.length} secret references could not be resolved:\n${lines.join('\n')}`;
}

function comparePos(a: SecretFailure, b: SecretFailure): number {
  return (
    (a.pos.file < b.pos.file ? -1 : a.pos.file > b.pos.file ? 1 : 0) ||
    a.pos.line - b.pos.line ||
    a.pos.column - b.pos.column ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

/** Exponential backoff with "equal jitter": half fixed, half random, so racers spread out. */
export function backoffDelay(retry: number, baseDelayMs: number, random: () => number = Math.random): number {
  const d = baseDelayMs * 2 ** retry;
  return d / 2 + random() * (d / 2);
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Job {
  key: string;
  ref: SecretRef;
  baseDir: string;
  positions: SourcePos[];
}

export function createResolver(opts: ResolverOptions = {}): SecretResolver {
  const env = opts.env ?? process.env;
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY));
  const retry = opts.retry ?? DEFAULT_RETRY;
  const attempts = Math.max(1, Math.floor(retry.attempts));
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;

  const backends = new Map<string, SecretBackend>();
  for (const source of SECRET_SOURCES) backends.set(source, opts.backends?.[source] ?? defaultBackend(source, env));

  async function resolveOne(job: Job): Promise<SecretValue> {
    const backend = backends.get(job.ref.from);
    if (!backend) {
      throw new CvctlError('SECRET_UNRESOLVED', `unknown secret source '${String(job.ref.from)}'`);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await backend.resolve(job.ref, job.baseDir);
        if (!(value instanceof SecretValue)) {
          throw new CvctlError('SECRET_UNRESOLVED', `the '${job.ref.from}' backend returned something other than a secret`);
        }
        return value;
      } catch (e) {
        if (!isRetryable(e) || attempt >= attempts) {
          if (attempt > 1) throw withSuffix(e, ` (after ${attempt} attempts)`);
          throw e;
        }
        await sleep(backoffDelay(attempt - 1, retry.baseDelayMs, random));
      }
    }
  }

  // One resolver is one run: `apply` resolves for the plan and again for the writes, and
  // each distinct reference must reach its backend only once per run.
  const cache = new Map<string, SecretValue>();

  return {
    async resolveAll(refs: LocatedSecretRef[]): Promise<Map<string, SecretValue>> {
      const jobs = new Map<string, Job>();
      const values = new Map<string, SecretValue>();
      for (const r of refs) {
        const key = refKey(r.ref, r.baseDir);
        const cached = cache.get(key);
        if (cached) {
          values.set(key, cached);
          continue;
        }
        const job = jobs.get(key);
        if (job) job.positions.push(r.pos);
        else jobs.set(key, { key, ref: r.ref, baseDir: r.baseDir, positions: [r.pos] });
      }

      const errors = new Map<string, string>();
      const queue = [...jobs.values()];
      let next = 0;
      // A fixed pool of workers pulling from one queue: at most `concurrency` in flight.
      const worker = async (): Promise<void> => {
        while (next < queue.length) {
          const job = queue[next++]!;
          try {
            const value = await resolveOne(job);
            values.set(job.key, value);
            cache.set(job.key, value);
          } catch (e) {
            errors.set(job.key, describeError(e, job.ref.from));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));

      if (errors.size > 0) {
        const failures: SecretFailure[] = [];
        for (const [key, message] of errors) {
          const safe = scrub(message, values);
          for (const pos of jobs.get(key)!.positions) failures.push({ pos, message: safe });
        }
        failures.sort(comparePos);
        throw new SecretResolutionError(failures);
      }
      return values;
    },
  };
}

function describeError(e: unknown, source: string): string {
  if (e instanceof CvctlError) return e.message;
  // Not ours (an SDK, a bug): keep its message, the user needs it to act.
  if (e instanceof Error) return `the '${source}' backend failed: ${e.message}`;
  return `the '${source}' backend failed`;
}

function withSuffix(e: unknown, suffix: string): unknown {
  if (e instanceof CvctlError) return new CvctlError(e.code, e.message + suffix, { cause: e });
  if (e instanceof Error) return new Error(e.message + suffix, { cause: e });
  return e;
}

/**
 * Defence in depth: no backend should put a value in an error message, but if one does
 * (an echoed response body, say), the values this run resolved are cut out of it.
 */
function scrub(message: string, values: Map<string, SecretValue>): string {
  let out = message;
  for (const v of values.values()) {
    const s = v.reveal();
    if (s.length >= 4 && out.includes(s)) out = out.split(s).join('[secret]');
  }
  return out;
}
