import type { Command } from 'commander';
import type { Runner } from '../main';
import { outputOption, pathsOrDefault, type OutputFormat } from '../options';
import { resolverFor } from '../../app/resources';
import { gatherDrift } from '../../app/drift';
import { renderDrift } from '../../render/drift';

export function registerDrift(program: Command, run: Runner): void {
  program
    .command('drift')
    .description(
      'report out-of-band changes: compare the files, the database and the last apply (read-only; exit 0 none, 2 drift)',
    )
    .argument('[paths...]', 'files or folders to read (default: .)')
    .addOption(outputOption(['text', 'json', 'markdown']))
    .option('--no-resolve-secrets', 'do not read secrets: credentials are not compared')
    .addHelpText(
      'after',
      `
Labels, per resource and per field (values read database → files):
  drift      the database changed since the last apply, the files did not
  pending    the files changed since the last apply (or the row is missing / no longer declared)
  conflict   both changed, or the last apply does not say which
  unmanaged  rows made outside cvctl (managed_by is null)

Silence accepted differences with ignoreDrift on a provider: [{path, reason, until}], e.g.
path: labels.owner, config.organization, credentials.apiKey, models.gpt-4o.pricing, labels.*`,
    )
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        const report = await gatherDrift(ctx, {
          paths: pathsOrDefault(cmd.args),
          resolveSecrets: o.resolveSecrets !== false,
          resolver: resolverFor(ctx),
        });
        ctx.io.stdout(renderDrift(report, o.output as OutputFormat, { color: ctx.opts.color }));
        return report.changes.length > 0 ? { kind: 'changes' } : { kind: 'ok' };
      }),
    );
}
