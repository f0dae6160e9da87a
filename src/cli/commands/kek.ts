// `cvctl kek rotate --to URI`: the CLI side of src/app/rotate.ts (flags, progress and summary output).
import { Option, type Command } from 'commander';
import type { Runner } from '../main';
import { outputOption } from '../options';
import { rotate } from '../../app/rotate';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_RATE,
  ProgressBar,
  renderRotateSummary,
} from '../../app/kek-rotate';
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
        const bar = ctx.io.stdoutIsTTY && !ctx.opts.quiet ? new ProgressBar(ctx.io.stderr) : null;
        const summary = await rotate(ctx, {
          to,
          batchSize: o.batchSize as number,
          concurrency: o.concurrency as number,
          maxRatePerSecond: o.maxRate as number,
          dryRun,
          onProgress: bar ? (p) => bar.update(p) : undefined,
          onEnd: () => bar?.end(),
        });
        ctx.io.stdout(renderRotateSummary(summary, o.output as 'text' | 'json'));
        if (!summary.dryRun && summary.rows.remaining > 0) {
          ctx.io.stderr(
            `cvctl: error: ${summary.rows.remaining} row(s) are still not on the target KEK: they changed concurrently ` +
              `in each of ${summary.passes.length} passes (is an apply running in a loop?). Run the same command again\n`,
          );
          return { kind: 'failed' };
        }
        return { kind: 'ok' };
      }),
    );
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
