// Seeds of the fuzzer: every examples/**/*.yaml as it is (for validate), and the same files with
// every credential read from an environment variable or a file (for plan: the applied state is
// built from these, and planning them must not reach a cloud secret store). Comments, flow
// style and document boundaries of the examples are kept (yaml's Document API edits in place).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, parseAllDocuments } from 'yaml';
import { envVarName } from '../../../src/export/document';
import { secretFor } from '../../support/fake-secrets';

export const REPO = path.resolve(__dirname, '../../..');

export interface Seed {
  /** Path relative to the repository (and to the fuzz workspace), e.g. examples/basic/providers.yaml. */
  rel: string;
  bytes: Buffer;
}

function walk(dir: string, out: string[]): void {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, ent.name);
    // As cvctl reads a folder: dot-folders (examples/github/.github holds workflow files) are skipped.
    if (ent.name.startsWith('.')) continue;
    if (ent.isDirectory()) walk(p, out);
    else if (/\.yaml$/i.test(ent.name)) out.push(p);
  }
}

/** examples/**\/*.yaml, sorted (the case → seed mapping must not depend on readdir order). */
export function exampleSeeds(): Seed[] {
  const files: string[] = [];
  walk(path.join(REPO, 'examples'), files);
  return files.map((f) => ({ rel: path.relative(REPO, f).split(path.sep).join('/'), bytes: fs.readFileSync(f) }));
}

/** Non-YAML files the examples refer to (`from: file`), copied next to them in every workspace. */
export function exampleSupportFiles(): Seed[] {
  const dir = path.join(REPO, 'examples/platform/secrets');
  return fs.readdirSync(dir).map((f) => ({ rel: `examples/platform/secrets/${f}`, bytes: fs.readFileSync(path.join(dir, f)) }));
}

export { secretFor };

export interface EnvifiedSeeds {
  seeds: Seed[];
  /** Every variable the envified files read, with a value. */
  env: Record<string, string>;
}

/** The examples with every credential that is not `from: env` or `from: file` turned into `from: env`. */
export function envifiedSeeds(seeds: Seed[]): EnvifiedSeeds {
  const env: Record<string, string> = {};
  const out = seeds.map((s) => {
    const docs = parseAllDocuments(s.bytes.toString('utf8'));
    const texts = docs.map((doc) => {
      if ((doc.errors ?? []).length > 0) throw new Error(`${s.rel}: ${doc.errors[0]!.message}`);
      const providers = doc.get('providers');
      if (!providers || !('items' in (providers as object))) return doc.toString();
      const items = (providers as { items: unknown[] }).items;
      items.forEach((item, i) => {
        if (!isMap(item)) return;
        const name = String(item.get('name'));
        const creds = item.get('credentials');
        if (!isMap(creds)) return;
        for (const pair of creds.items) {
          const field = String((pair.key as { value?: unknown }).value ?? pair.key);
          const ref = pair.value;
          const from = isMap(ref) ? String(ref.get('from')) : '';
          if (from === 'file') continue;
          if (from === 'env' && isMap(ref)) {
            env[String(ref.get('name'))] = secretFor(name, field);
            continue;
          }
          const variable = `FUZZ_${envVarName(name, field)}`;
          env[variable] = secretFor(name, field);
          doc.setIn(['providers', i, 'credentials', field], doc.createNode({ from: 'env', name: variable }));
        }
      });
      return doc.toString({ lineWidth: 0 });
    });
    const text = texts.map((t, k) => (k > 0 && !t.startsWith('---') ? `---\n${t}` : t)).join('');
    return { rel: s.rel, bytes: Buffer.from(text, 'utf8') };
  });
  return { seeds: out, env };
}
