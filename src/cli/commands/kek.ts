// `cvctl kek rotate --to URI`: the CLI side of src/app/kek-rotate.ts (opening the KEKs and
// the database, flags, progress and summary output).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { Runner } from '../main';
import type { Context } from '../context';
import { outputOption } from '../options';
import { kmsUri, openDb, openKekFor } from '../../app/resources';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_RATE,
  ProgressBar,
  renderRotateSummary,
  rotateKek,
} from '../../app/kek-rotate';
import { prefixed } from '../../app/kek-rotate/sources';
import { openKek, parseKekUri } from '../../crypto/kek-uri';
import { AwsKmsKek, openAwsKmsKek } from '../../crypto/aws-kms-kek';
import { LocalKek } from '../../crypto/local-kek';
import type { Kek } from '../../crypto/kek';
import { CvctlError } from '../../errors';

export function registerKek(program: Command, run: Runner): void {
  const kek = program.command('kek').description('the key-encryption key (KEK) that wraps the credentials\' data keys');
  kek
    .command('rotate')
    .description(
      're-wrap every provider\'s data key, then the fingerprint key, under a new KEK (the source is --kms). ' +
        'Ciphertexts are not re-encrypted. Resumable: run it again after an interruption.',
    )
    // Checked in the action rather than with requiredOption, so the message goes through the
    // CLI's own error path (one line on the injected stderr, exit 1).
    .option('--to <uri>', 'the new KEK (required): aws-kms://<key ARN or alias ARN> or local://<path> (a new local key file is created)')
    .addOption(
      new Option('--batch-size <n>', 'rows per committed batch').argParser(intOption('--batch-size', 1, 10_000)).default(DEFAULT_BATCH_SIZE),
    )
    .addOption(
      new Option('--concurrency <n>', 'KEK calls in flight at once').argParser(intOption('--concurrency', 1, 1024)).default(DEFAULT_CONCURRENCY),
    )
    .addOption(
      new Option('--max-rate <n>', 'at most this many KMS calls per second, to leave KMS quota to others (0 = no cap)')
        .argParser(intOption('--max-rate', 0, 1_000_000))
        .default(DEFAULT_MAX_RATE),
    )
    .option('--dry-run', 'check both KEKs and count what would be re-wrapped; write nothing')
    .addOption(outputOption(['text', 'json']))
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        const to = o.to as string | undefined;
        if (!to) throw new CvctlError('USAGE', 'kek rotate needs --to URI: the new KEK, aws-kms://<key ARN or alias ARN> or local://<path>');
        const dryRun = Boolean(o.dryRun);
        parseKekUri(to); // a bad --to is a usage error before anything is opened
        const opened: Kek[] = [];
        try {
          const source = await openKekFor(ctx, false).catch((e: unknown) => {
            throw prefixed(e, `cannot open the source KEK (--kms ${kmsUri(ctx)})`);
          });
          opened.push(source);
          const target = await openTarget(ctx, to, dryRun).catch((e: unknown) => {
            throw prefixed(e, `preflight check of the target KEK (--to ${to}) failed (nothing was written)`);
          });
          opened.push(target);
          const endpoint = kmsEndpoint(ctx);
          const db = await openDb(ctx, { purpose: 'kek rotate' });
          const bar = ctx.io.stdoutIsTTY && !ctx.opts.quiet ? new ProgressBar(ctx.io.stderr) : null;
          try {
            ctx.info(`Rotating the key-encryption key ${source.id} -> ${target.id}${dryRun ? ' (dry run)' : ''}`);
            const summary = await rotateKek(db, {
              source,
              target,
              openKekById: async (id) => {
                const k = await openAwsKmsKek({ keyId: id, endpoint });
                opened.push(k);
                return k;
              },
              batchSize: o.batchSize as number,
              concurrency: o.concurrency as number,
              maxRatePerSecond: o.maxRate as number,
              dryRun,
              onProgress: bar ? (p) => bar.update(p) : undefined,
            }).finally(() => bar?.end());
            ctx.io.stdout(renderRotateSummary(summary, o.output as 'text' | 'json'));
            if (!summary.dryRun && summary.rows.remaining > 0) {
              ctx.io.stderr(
                `cvctl: error: ${summary.rows.remaining} row(s) are still not on the target KEK: they changed concurrently ` +
                  `in each of ${summary.passes.length} passes (is an apply running in a loop?). Run the same command again\n`,
              );
              return { kind: 'failed' };
            }
            return { kind: 'ok' };
          } finally {
            await db.close();
          }
        } finally {
          for (const k of opened) if (k instanceof AwsKmsKek) k.destroy();
        }
      }),
    );
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

function kmsEndpoint(ctx: Context): string | undefined {
  return ctx.env.AWS_ENDPOINT_URL_KMS || ctx.env.AWS_ENDPOINT_URL || undefined;
}

function intOption(flag: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new CvctlError('USAGE', `${flag} must be an integer between ${min} and ${max}, got '${v}'`);
    }
    return n;
  };
}
