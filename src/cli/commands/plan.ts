import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { Runner } from '../main';
import { outputOption, pathsOrDefault, type OutputFormat } from '../options';
import { openDb, openKekFor, resolverFor } from '../../app/resources';
import { makePlan } from '../../app/make-plan';
import { renderPlan } from '../../render/render';
import { serializePlan } from '../../plan/serialize';
import { CvctlError } from '../../errors';
import { signPlan } from '../../plan/auth';
import { planSigningKey } from '../../apply/plan-key';
import { databaseIdentity } from '../../state/keys';

export function registerPlan(program: Command, run: Runner): void {
  program
    .command('plan')
    .description('diff the files against the database and show what apply would change')
    .argument('[paths...]', 'files or folders to read (default: .)')
    .option('--out <file>', 'save the plan (with the version of every row it touches) for `cvctl apply --plan`')
    .addOption(outputOption(['text', 'json', 'markdown']))
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are')
    .option('--compact', 'text output: identical changes grouped with counts, then one line per provider')
    .option('--adopt', 'take over rows of the same name made outside cvctl (in the console)')
    .option('--no-resolve-secrets', 'do not read secrets (untrusted pull requests): credentials show as unknown')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        const db = await openDb(ctx, { purpose: 'plan' });
        try {
          const resolveSecrets = o.resolveSecrets !== false;
          let plan = await makePlan(ctx, db, {
            paths: pathsOrDefault(cmd.args),
            adopt: Boolean(o.adopt),
            resolveSecrets,
            resolver: resolverFor(ctx),
          });
          // A saved plan made with the KEK is authenticated (src/plan/auth.ts); one made without
          // it (--no-resolve-secrets: untrusted pull requests) is not, and apply refuses it.
          // Signing reads only: plan writes nothing to the database.
          if (o.out && resolveSecrets) {
            const key = await planSigningKey(db, (wrap) => openKekFor(ctx, wrap, { unwrapOnly: !wrap }));
            try {
              plan = signPlan(plan, key, await databaseIdentity(db));
            } finally {
              key.key.fill(0);
            }
          }
          ctx.io.stdout(renderPlan(plan, o.output as OutputFormat, { color: ctx.opts.color, compact: Boolean(o.compact) }));
          if (o.out) {
            const file = path.resolve(ctx.cwd, o.out as string);
            try {
              fs.writeFileSync(file, serializePlan(plan), { mode: 0o644 });
            } catch (e) {
              throw new CvctlError('IO_ERROR', `cannot write the plan to ${ctx.rel(file)}: ${(e as Error).message}`);
            }
            ctx.info(
              plan.auth
                ? `Saved the plan to ${ctx.rel(file)}. To apply exactly this plan: cvctl apply --plan ${ctx.rel(file)}`
                : `Saved the plan to ${ctx.rel(file)}, NOT authenticated (made without the KEK: --no-resolve-secrets): \`cvctl show\` renders it, \`cvctl apply --plan\` refuses it`,
            );
          }
          return o.detailedExitcode && plan.changes.length > 0 ? { kind: 'changes' } : { kind: 'ok' };
        } finally {
          await db.close();
        }
      }),
    );
}
