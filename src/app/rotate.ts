// `cvctl kek rotate --to URI`: opens the source KEK (--kms), the target KEK and the database
// for the rotation engine (./kek-rotate.ts), and closes them whatever happens.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Context } from './context';
import { rotateKek, type RotateProgress, type RotateSummary } from './kek-rotate';
import { prefixed } from './kek-rotate/sources';
import { openKek, parseKekUri } from '../crypto/kek-uri';
import { AwsKmsKek, openAwsKmsKek } from '../crypto/aws-kms-kek';
import { LocalKek } from '../crypto/local-kek';
import type { Kek } from '../crypto/kek';
import { kmsEndpoint, kmsUri, openDb, openKekFor } from './resources';

export interface RotateCommandOptions {
  /** The new KEK's URI. */
  to: string;
  batchSize: number;
  concurrency: number;
  maxRatePerSecond: number;
  dryRun: boolean;
  onProgress?: (p: RotateProgress) => void;
  /** Called once the rotation ends, however it ends (e.g. to finish a progress bar). */
  onEnd?: () => void;
}

export async function rotate(ctx: Context, o: RotateCommandOptions): Promise<RotateSummary> {
  parseKekUri(o.to); // a bad --to is a usage error before anything is opened
  const opened: Kek[] = [];
  try {
    const source = await openKekFor(ctx, false).catch((e: unknown) => {
      throw prefixed(e, `cannot open the source KEK (--kms ${kmsUri(ctx)})`);
    });
    opened.push(source);
    const target = await openTarget(ctx, o.to, o.dryRun).catch((e: unknown) => {
      throw prefixed(e, `preflight check of the target KEK (--to ${o.to}) failed (nothing was written)`);
    });
    opened.push(target);
    const endpoint = kmsEndpoint(ctx);
    const db = await openDb(ctx, { purpose: 'kek rotate' });
    try {
      ctx.info(`Rotating the key-encryption key ${source.id} -> ${target.id}${o.dryRun ? ' (dry run)' : ''}`);
      return await rotateKek(db, {
        source,
        target,
        openKekById: async (id) => {
          const k = await openAwsKmsKek({ keyId: id, endpoint });
          opened.push(k);
          return k;
        },
        batchSize: o.batchSize,
        concurrency: o.concurrency,
        maxRatePerSecond: o.maxRatePerSecond,
        dryRun: o.dryRun,
        onProgress: o.onProgress,
      }).finally(() => o.onEnd?.());
    } finally {
      await db.close();
    }
  } finally {
    for (const k of opened) if (k instanceof AwsKmsKek) k.destroy();
  }
}

/**
 * The target, created if it is a new local key file. A dry run creates nothing: a key file
 * that does not exist yet is stood in for by a throwaway key (no row can be on it anyway).
 */
async function openTarget(ctx: Context, uri: string, dryRun: boolean): Promise<Kek> {
  const parsed = parseKekUri(uri);
  if (dryRun && parsed.scheme === 'local' && !fs.existsSync(path.resolve(ctx.cwd, parsed.path))) {
    ctx.info(`note: the local key file ${parsed.path} does not exist yet; the rotation would create it`);
    const key = randomBytes(32);
    try {
      return LocalKek.fromKey(key, path.resolve(ctx.cwd, parsed.path));
    } finally {
      key.fill(0);
    }
  }
  return openKek(uri, { create: !dryRun, cwd: ctx.cwd, endpoint: kmsEndpoint(ctx) });
}
