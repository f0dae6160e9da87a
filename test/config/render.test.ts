// Golden files for `cvctl validate` output on test/fixtures/golden. Regenerate with
// UPDATE_GOLDEN=1 npx jest test/config/render, then review the diff.
import * as fs from 'fs';
import * as path from 'path';
import { renderValidateJson, renderValidateText } from '../../src/render/validate';
import type { LoadResult } from '../../src/config/load';
import { REPO_ROOT, load } from './helpers';

const GOLDEN = path.join(__dirname, 'golden');

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

describe('validate output', () => {
  it('valid set: text', async () => {
    const r = await load(['test/fixtures/golden/valid'], REPO_ROOT);
    golden('valid.txt', renderValidateText(r, { color: false }));
    expect(renderValidateText(r, { color: false, quiet: true })).toBe('');
  });

  it('invalid set: text, quiet text, JSON', async () => {
    const r = await load(['test/fixtures/golden/invalid'], REPO_ROOT);
    golden('invalid.txt', renderValidateText(r, { color: false }));
    golden('invalid-quiet.txt', renderValidateText(r, { color: false, quiet: true }));
    golden('invalid.json', renderValidateJson(r));
    expect(renderValidateText(r, { color: false })).not.toContain('DO-NOT-LEAK');
  });

  it('colours only the severity word', () => {
    const r: LoadResult = {
      desired: { providers: [] },
      files: ['a.yaml'],
      diagnostics: [
        { severity: 'error', code: 'unknown-key', message: 'm', file: 'a.yaml', line: 1, column: 2 },
        { severity: 'warning', code: 'exclude-not-in-catalog', message: 'w', file: 'a.yaml', line: 3, column: 4 },
      ],
    };
    expect(renderValidateText(r, { color: true })).toBe(
      'a.yaml:1:2 \u001b[31merror\u001b[0m unknown-key m\n' +
        'a.yaml:3:4 \u001b[33mwarning\u001b[0m exclude-not-in-catalog w\n' +
        '1 error, 1 warning in 1 file\n',
    );
  });

  it('summarises a valid result with warnings, and JSON says valid', () => {
    const r: LoadResult = {
      desired: { providers: [] },
      files: ['a.yaml', 'b.yaml'],
      diagnostics: [{ severity: 'warning', code: 'exclude-without-catalog', message: 'w', file: 'a.yaml', line: 3, column: 4 }],
    };
    expect(renderValidateText(r, { color: false })).toBe(
      'a.yaml:3:4 warning exclude-without-catalog w\n2 files valid: 0 providers, 0 models (1 warning)\n',
    );
    expect(JSON.parse(renderValidateJson(r))).toEqual({
      valid: true,
      diagnostics: [{ severity: 'warning', code: 'exclude-without-catalog', message: 'w', file: 'a.yaml', line: 3, column: 4 }],
    });
  });
});
