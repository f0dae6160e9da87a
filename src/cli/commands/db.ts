import type { Command } from 'commander';
import type { Runner } from '../main';
import { migrateDatabase } from '../../app/migrate';

export function registerDb(program: Command, run: Runner): void {
  const db = program.command('db').description('database schema');
  db.command('migrate')
    .description('create or upgrade the schema (idempotent, versioned)')
    .action(
      run(async (ctx) => {
        const r = await migrateDatabase(ctx);
        // -q: the success line is not printed (errors still are).
        if (!ctx.opts.quiet) ctx.io.stdout(
          r.applied.length > 0
            ? `Applied ${r.applied.length} migration(s): ${r.applied.join(', ')}. Schema version ${r.version}.\n`
            : `The schema is up to date (version ${r.version}).\n`,
        );
        return { kind: 'ok' };
      }),
    );
}
