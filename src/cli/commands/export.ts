import type { Command } from 'commander';
import type { Runner } from '../main';
import { exportRows } from '../../app/export';

export function registerExport(program: Command, run: Runner): void {
  program
    .command('export')
    .description("write the database's providers, their models, and the models and access grants clients call as files of this format (read-only)")
    .option('--out <dir>', 'write one <provider-name>.yaml per provider and one models/<model-name>.yaml per model (with its grants) into this folder (default: all documents to stdout)')
    .option('--include-unmanaged', 'also export providers, models and grants made outside cvctl (then `plan --adopt` takes them over)')
    .option('--force', 'overwrite existing files in --out')
    .addHelpText(
      'after',
      `
Exports the providers, models and access grants managed by --scope (default "default"); a
model's file holds its routing, its backends and the grants that name it. Catalog models are folded back
into models.catalog + exclude + custom overrides where that is exact. Credentials become
\`from: env\` references with generated names (e.g. OPENAI_PROD_API_KEY), listed on stderr:
secret values are never exported.`,
    )
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        const out = await exportRows(ctx, {
          outDir: o.out ? (o.out as string) : null,
          includeUnmanaged: Boolean(o.includeUnmanaged),
          force: Boolean(o.force),
        });
        if (out.documents === 0) {
          ctx.info(
            `cvctl: no providers, models or access grants managed by scope '${ctx.opts.scope}'${o.includeUnmanaged ? ' or made outside cvctl' : ''}; nothing was exported`,
          );
          return { kind: 'ok' };
        }
        if (out.written !== null) ctx.info(`Wrote ${out.written.length} file${out.written.length === 1 ? '' : 's'} to ${ctx.rel(o.out as string)}/`);
        if (out.text !== null) ctx.io.stdout(out.text);
        for (const n of out.notes) ctx.io.stderr(`warning: ${n}\n`);
        // Not behind --quiet: without these variables the exported files cannot be planned.
        if (out.variablesMessage !== '') ctx.io.stderr(out.variablesMessage);
        return { kind: 'ok' };
      }),
    );
}
