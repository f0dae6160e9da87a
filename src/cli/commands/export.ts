import * as path from 'node:path';
import type { Command } from 'commander';
import type { Runner } from '../main';
import { openDb } from '../../app/resources';
import { bundledCatalog } from '../../catalog/catalog';
import { readState } from '../../state/read-state';
import type * as ExportModule from '../../export/export';
import type * as EmitModule from '../../export/emit';

// Loaded when export runs: its YAML writer costs ~60 ms of every other command's start-up.
const exporter = (): typeof ExportModule => require('../../export/export') as typeof ExportModule;
const emitter = (): typeof EmitModule => require('../../export/emit') as typeof EmitModule;

export function registerExport(program: Command, run: Runner): void {
  program
    .command('export')
    .description("write the database's providers and their models as files of this format (read-only)")
    .option('--out <dir>', 'write one <provider-name>.yaml per provider into this folder (default: all documents to stdout)')
    .option('--include-unmanaged', 'also export providers and models made outside cvctl (then `plan --adopt` takes them over)')
    .option('--force', 'overwrite existing files in --out')
    .addHelpText(
      'after',
      `
Exports the providers managed by --scope (default "default"). Catalog models are folded back
into models.catalog + exclude + custom overrides where that is exact. Credentials become
\`from: env\` references with generated names (e.g. OPENAI_PROD_API_KEY), listed on stderr:
secret values are never exported.`,
    )
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        const db = await openDb(ctx, { purpose: 'export' });
        let current;
        try {
          current = await readState(db);
        } finally {
          await db.close();
        }
        const outDir = o.out ? path.resolve(ctx.cwd, o.out as string) : ctx.cwd;
        const { exportDocuments, joinDocuments, selectRows, variablesMessage, writeDocuments } = exporter();
        const { schemaRefFor } = emitter();
        const selected = selectRows(current, ctx.opts.scope, Boolean(o.includeUnmanaged));
        const result = exportDocuments(selected, bundledCatalog(), schemaRefFor(outDir, ctx.cwd));
        if (result.documents.length === 0) {
          ctx.info(
            `cvctl: no providers managed by scope '${ctx.opts.scope}'${o.includeUnmanaged ? ' or made outside cvctl' : ''}; nothing was exported`,
          );
          return { kind: 'ok' };
        }
        if (o.out) {
          const files = writeDocuments(outDir, result.documents, Boolean(o.force), (p) => ctx.rel(p));
          ctx.info(`Wrote ${files.length} file${files.length === 1 ? '' : 's'} to ${ctx.rel(outDir)}/`);
        } else {
          ctx.io.stdout(joinDocuments(result.documents));
        }
        for (const n of result.notes) ctx.io.stderr(`warning: ${n}\n`);
        // Not behind --quiet: without these variables the exported files cannot be planned.
        const vars = variablesMessage(result.variables);
        if (vars !== '') ctx.io.stderr(vars);
        return { kind: 'ok' };
      }),
    );
}
