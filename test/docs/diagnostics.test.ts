// docs/diagnostics.md: the code table is generated from src/config/codes.ts
// (docs/gen/diagnostics.js). Fails when a code is added, removed or reworded without
// regenerating the doc (`node docs/gen/diagnostics.js`), and checks that the generator's
// reading of codes.ts equals the module's runtime value.
import * as fs from 'node:fs';
import { DIAGNOSTIC_CODES } from '../../src/config/codes';
import { ERROR_CODES } from '../../src/errors';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const gen = require('../../docs/gen/diagnostics.js');

describe('docs/diagnostics.md', () => {
  const doc = fs.readFileSync(gen.DOC_PATH, 'utf8');

  it('is what docs/gen/diagnostics.js generates from src/config/codes.ts', () => {
    expect(doc).toBe(gen.expectedDoc(doc));
  });

  it("the generator reads codes.ts exactly as the module defines it", () => {
    const read: Array<{ code: string; severity: string; meaning: string; section: string }> = gen.readCodes();
    expect(Object.fromEntries(read.map((c) => [c.code, { severity: c.severity, meaning: c.meaning }]))).toEqual(DIAGNOSTIC_CODES);
    expect(read.map((c) => c.code)).toEqual(Object.keys(DIAGNOSTIC_CODES));
    expect(new Set(read.map((c) => c.section))).toEqual(new Set(['Files and discovery', 'YAML', 'Schema (schemas/providers.schema.json)', 'Cross-checks', 'Policy']));
  });

  it('lists every code with its severity', () => {
    for (const [code, info] of Object.entries(DIAGNOSTIC_CODES)) {
      expect(doc).toContain(`| <a id="${code}"></a>\`${code}\` | ${info.severity} |`);
    }
  });

  it('fails when a code is added to codes.ts and not to the doc', () => {
    const src = fs.readFileSync(gen.CODES_PATH, 'utf8').replace(
      "  'internal-error':",
      "  'brand-new-code': { severity: 'warning', meaning: 'New.' },\n  'internal-error':",
    );
    expect(gen.expectedDoc(doc, gen.readCodes(src))).not.toBe(doc);
  });

  it('explains every operational error code of src/errors.ts', () => {
    for (const code of ERROR_CODES) expect(doc).toContain(`| \`${code}\` |`);
  });
});
