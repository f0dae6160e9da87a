// docs/file-format.md is generated from schemas/providers.schema.json (docs/gen/file-format.js)
// between its markers. This test regenerates it in memory and fails when the committed doc
// and the schema disagree: change the schema, then run `node docs/gen/file-format.js`.
import * as fs from 'node:fs';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const gen = require('../../docs/gen/file-format.js');

const committed = (): string => fs.readFileSync(gen.DOC_PATH, 'utf8');
const generatedPart = (doc: string): string => doc.slice(doc.indexOf('<!-- generated:start -->'), doc.indexOf('<!-- generated:end -->'));

describe('docs/file-format.md', () => {
  it('is what docs/gen/file-format.js generates from the schema (run `node docs/gen/file-format.js`)', () => {
    const doc = committed();
    expect(doc).toBe(gen.expectedDoc(doc));
  });

  it('documents every property of every definition, per kind and per secret source', () => {
    const schema = gen.loadSchema();
    const part = generatedPart(committed());
    for (const key of Object.keys(schema.properties)) expect(part).toContain(`| \`${key}\` |`);
    for (const [name, d] of Object.entries<Record<string, unknown>>(schema.$defs)) {
      const props = (d.properties ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(props)) {
        if (name.startsWith('config.')) expect(part).toContain(`| \`config.${key}\` |`);
        else if (name.startsWith('credentials.')) expect(part).toContain(`| \`credentials.${key}\` |`);
        else if (name.startsWith('secretRef.')) expect(part).toContain(`| \`${key}\` |`);
        else if (name !== 'secretRef') expect(part).toMatch(new RegExp(`\\| \`[^\`]*\\b${key}\` \\|`));
      }
    }
    const kinds: string[] = schema.$defs.provider.properties.kind.enum;
    for (const k of kinds) expect(part).toContain(`### Kind \`${k}\``);
    const sources: string[] = schema.$defs.secretRef.properties.from.enum;
    for (const s of sources) expect(part).toContain(`### from: \`${s}\``);
    expect(kinds).toHaveLength(12);
    expect(sources).toHaveLength(7);
  });

  it('shows types, required marks, defaults, enums and patterns', () => {
    const part = generatedPart(committed());
    expect(part).toContain("| `providers[].onRemove` | enum |  | `\"delete\"` |");
    expect(part).toContain('one of `delete`, `disable`');
    expect(part).toContain('| `providers[].name` | string | yes |');
    expect(part).toContain('pattern `^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$`');
    expect(part).toContain("| `mount` | string |  | `\"secret\"` |");
    expect(part).toContain('| `credentials.apiKey` | [secret reference](#secret-references) | yes |');
    expect(part).toContain('Exactly one of: API key: `apiKey`; or Service principal: `tenantId` + `clientId` + `clientSecret`.');
  });

  it('fails when the schema changes and the doc does not (the check is real)', () => {
    const schema = gen.loadSchema();
    schema.$defs['config.openai'].properties.organization.description = 'Changed in the schema only.';
    const doc = committed();
    expect(gen.expectedDoc(doc, schema)).not.toBe(doc);
    const added = gen.loadSchema();
    added.$defs['secretRef.vault'].properties.namespace = { type: 'string', description: 'new' };
    expect(gen.render(added)).toContain('| `namespace` | string |');
  });

  it('keeps the hand-written parts outside the markers', () => {
    const doc = committed();
    const before = doc.slice(0, doc.indexOf('<!-- generated:start -->'));
    expect(before).toContain('# File format');
    expect(gen.expectedDoc(doc.replace('# File format', '# File format (edited by hand)'))).toContain('# File format (edited by hand)');
  });

  it('the generator runs as a plain Node script with --check', () => {
    const { spawnSync } = require('node:child_process');
    const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'docs', 'gen', 'file-format.js'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
