import type { Command } from 'commander';
import type { Runner } from '../main';
import { outputOption, pathsOrDefault } from '../options';
import { validateFiles } from '../../app/validate';
import { renderValidateJson, renderValidateText } from '../../render/validate';
import { hasErrors } from '../../config/diagnostics';

export function registerValidate(program: Command, run: Runner): void {
  program
    .command('validate')
    .description('parse and check the files: YAML, schema, cross-file rules; no database')
    .argument('[paths...]', 'files or folders to read (default: .)')
    .addOption(outputOption(['text', 'json']))
    .action(
      run(async (ctx, cmd) => {
        const result = await validateFiles(ctx, pathsOrDefault(cmd.args));
        const output = cmd.opts().output as 'text' | 'json';
        ctx.io.stdout(
          output === 'json'
            ? renderValidateJson(result)
            : renderValidateText(result, { color: ctx.opts.color, quiet: ctx.opts.quiet, verbose: ctx.opts.verbose }),
        );
        return hasErrors(result.diagnostics) ? { kind: 'failed' } : { kind: 'ok' };
      }),
    );
}
