import { Option, type Command } from 'commander';
import type { Runner } from '../main';
import { outputOption } from '../options';
import { bundledCatalog } from '../../catalog/catalog';
import { renderCatalogList } from '../../render/catalog-list';
import { PROVIDER_KINDS, type ProviderKind } from '../../domain/kinds';

export function registerCatalog(program: Command, run: Runner): void {
  const catalog = program.command('catalog').description('the bundled model catalog');
  catalog
    .command('list')
    .description('list the bundled catalog (models, kinds, context windows, prices)')
    .addOption(new Option('--kind <kind>', 'only this provider kind').choices([...PROVIDER_KINDS]))
    .addOption(outputOption(['text', 'json']))
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        ctx.io.stdout(renderCatalogList(bundledCatalog(), { kind: o.kind as ProviderKind | undefined, output: o.output }));
        return { kind: 'ok' };
      }),
    );
}
