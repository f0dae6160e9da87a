// `cvctl validate`: the files read and checked (YAML, schema, cross-file rules, the policy rules
// that need no database), no database.
import type { Context } from './context';
import { lazyBundledCatalog } from '../catalog/catalog';
import { loadConfig, type LoadResult } from '../config/load';

export async function validateFiles(ctx: Context, paths: string[]): Promise<LoadResult> {
  return loadConfig(paths, { catalog: lazyBundledCatalog(), cwd: ctx.cwd, checkPolicy: true });
}
