// The one escape rule (src/escape.ts) and every output path that carries a user's text: a
// right-to-left override in a label must never reach a terminal, a CI log or a PR comment raw
// (issue 11, item 5). The CLI-level check of the same paths is test/security/hostile-text.test.ts.
import { parse } from 'yaml';
import { escapeControl, escapeOutput, escapeYamlQuoted, hasInvisible } from '../../src/escape';
import { quoteValue } from '../../src/config/text';
import { renderPlan } from '../../src/render/render';
import { renderDrift } from '../../src/render/drift';
import { computeDrift } from '../../src/plan/drift/compute';
import { renderHistory } from '../../src/render/history';
import type { RunRecord } from '../../src/state/runs';
import { providersDocument } from '../../src/export/emit';
import { formatError } from '../../src/render/error';
import { CvctlError } from '../../src/errors';
import { parsePlan } from '../../src/plan/serialize';
import { hostilePlan } from './fixtures';
import { credsFor, current, NOW, provider, providerRow } from '../plan/builders';

/** Every character class the rule covers, one example each, and how it reads escaped. */
const ESCAPED: Array<[string, string, string]> = [
  ['NUL', '\u0000', '\\u0000'],
  ['ESC (starts terminal sequences)', '\u001b', '\\u001b'],
  ['DEL', '\u007f', '\\u007f'],
  ['C1 CSI', '\u009b', '\\u009b'],
  ['soft hyphen', '\u00ad', '\\u00ad'],
  ['Arabic letter mark', '\u061c', '\\u061c'],
  ['Mongolian vowel separator', '\u180e', '\\u180e'],
  ['zero-width space', '\u200b', '\\u200b'],
  ['zero-width non-joiner', '\u200c', '\\u200c'],
  ['zero-width joiner', '\u200d', '\\u200d'],
  ['left-to-right mark', '\u200e', '\\u200e'],
  ['right-to-left mark', '\u200f', '\\u200f'],
  ['line separator', '\u2028', '\\u2028'],
  ['paragraph separator', '\u2029', '\\u2029'],
  ['left-to-right embedding', '\u202a', '\\u202a'],
  ['right-to-left embedding', '\u202b', '\\u202b'],
  ['pop directional formatting', '\u202c', '\\u202c'],
  ['left-to-right override', '\u202d', '\\u202d'],
  ['right-to-left override', '\u202e', '\\u202e'],
  ['word joiner', '\u2060', '\\u2060'],
  ['left-to-right isolate', '\u2066', '\\u2066'],
  ['right-to-left isolate', '\u2067', '\\u2067'],
  ['first strong isolate', '\u2068', '\\u2068'],
  ['pop directional isolate', '\u2069', '\\u2069'],
  ['byte order mark', '\ufeff', '\\ufeff'],
  ['interlinear annotation anchor', '\ufff9', '\\ufff9'],
  ['tag LATIN CAPITAL A (U+E0041)', '\u{e0041}', '\\udb40\\udc41'],
  ['unpaired high surrogate', '\ud800', '\\ud800'],
  ['unpaired low surrogate', '\udc00', '\\udc00'],
];

/** Text that must pass unchanged: it is visible and means what it shows. */
const KEPT = ['plain ascii', 'café ñ ü', '日本語', 'emoji 🤖', 'arrows → ⊘ ↑ ·', 'back\\slash \\u202e as text', 'עברית', 'العربية'];

describe('the escape rule', () => {
  it.each(ESCAPED)('escapes %s', (_name, c, spelt) => {
    expect(escapeControl(`a${c}b`)).toBe(`a${spelt}b`);
    expect(escapeOutput(`a${c}b`)).toBe(`a${spelt}b`);
    expect(hasInvisible(`a${c}b`)).toBe(true);
  });

  it.each(KEPT)('keeps %j as it is', (s) => {
    expect(escapeControl(s)).toBe(s);
    expect(escapeOutput(s)).toBe(s);
    expect(hasInvisible(s)).toBe(false);
  });

  it('escapes an output character by character as escapeControl does, line feeds aside (seeded random texts)', () => {
    // Pool: printable ASCII, line breaks, every escaped character above, kept non-ASCII text.
    const pool = ['a', 'Z', ' ', '~', '\n', '\n', '\t', '\r', ...ESCAPED.map(([, c]) => c), ...KEPT.map((k) => k.slice(-2))];
    let seed = 42;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: 1 + rnd(40) }, () => pool[rnd(pool.length)]).join('');
      // (No backslash in the pool: escapeControl's short \t and \r are unambiguous to respell.)
      const reference = text.split('\n').map((l) => escapeControl(l).replace(/\\t/g, '\\u0009').replace(/\\r/g, '\\u000d')).join('\n');
      expect(escapeOutput(text)).toBe(reference);
    }
    // Plain ASCII: returned as it is.
    const ascii = 'provider openai-prod  $2.50\n'.repeat(1000);
    expect(escapeOutput(ascii)).toBe(ascii);
  });

  it('spells line breaks short in a message, and keeps them between the lines of an output', () => {
    expect(escapeControl('a\nb\tc\rd')).toBe('a\\nb\\tc\\rd');
    expect(escapeOutput('line 1\nline 2\tx\r')).toBe('line 1\nline 2\\u0009x\\u000d');
  });

  it("keeps the painter's colour sequences only when colour is on, and no other escape sequence", () => {
    const painted = '\x1b[32m+ provider\x1b[0m';
    expect(escapeOutput(painted, { ansi: true })).toBe(painted);
    expect(escapeOutput(painted)).toBe('\\u001b[32m+ provider\\u001b[0m');
    // a cursor move or a title change is not a colour: escaped even with colour on
    expect(escapeOutput('\x1b[2J\x1b]0;pwned\x07', { ansi: true })).toBe('\\u001b[2J\\u001b]0;pwned\\u0007');
  });

  it('keeps JSON valid and its values the same', () => {
    const value = { label: 'plat\u202eform', id: 'a\u200bb', tag: 'x\u{e0041}', nl: 'a\nb' };
    const text = escapeOutput(JSON.stringify(value, null, 2));
    expect(hasInvisible(text.replace(/\n/g, ''))).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('spells YAML escapes as code points and leaves C0 to the YAML writer', () => {
    expect(escapeYamlQuoted('"a\u202eb\u{e0041}"\n')).toBe('"a\\u202eb\\U000e0041"\n');
    expect(parse(escapeYamlQuoted('"a\u202eb\u{e0041}"'))).toBe('a\u202eb\u{e0041}');
  });

  it('applies to validate messages (quoteValue)', () => {
    expect(quoteValue('te\u202eam\u200b')).toBe("'te\\u202eam\\u200b'");
  });
});

/** No raw character of the rule anywhere in an output (line breaks between lines aside). */
function expectNoInvisible(text: string): void {
  expect(hasInvisible(text.replace(/\n/g, ''))).toBe(false);
}

describe('every plan output escapes a right-to-left override in a label', () => {
  const plan = hostilePlan();

  it.each(['text', 'markdown', 'json'] as const)('%s', (format) => {
    const out = renderPlan(plan, format, { color: false });
    expectNoInvisible(out);
    expect(out).toContain('plat\\u202eform');
    expect(out).toContain('gpt-4o\\u200b');
  });

  it('text with colour', () => {
    const out = renderPlan(plan, 'text', { color: true });
    expect(out).toContain('\x1b['); // the colours are still there
    expectNoInvisible(out.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(out).toContain('plat\\u202eform');
  });

  it('the saved plan reads back to the same values (the escape is JSON)', () => {
    const back = parsePlan(renderPlan(plan, 'json'), {});
    const team = back.changes.flatMap((c) => c.fields ?? []).find((f) => f.path === 'labels.team');
    expect(team?.after).toBe('plat\u202eform');
    // and `show` renders what `plan` rendered
    expect(renderPlan(back, 'text')).toBe(renderPlan(plan, 'text'));
  });
});

describe('drift outputs escape it too', () => {
  const desired = [provider('openai-prod', { labels: { team: 'plat\u202eform' } })];
  const report = computeDrift({
    desired: { providers: desired },
    current: current({ providers: [providerRow('openai-prod', { labels: { team: 'ops\u2067x' } })] }),
    scope: 'default',
    credentials: credsFor(desired),
    secretsResolved: true,
    lastAppliedAt: {},
    now: NOW,
    cvctlVersion: '0.1.0',
    catalogVersion: '2026.04.15',
  });

  it.each(['text', 'markdown', 'json'] as const)('%s', (format) => {
    const out = renderDrift(report, format, { color: false });
    expectNoInvisible(out);
    expect(out).toContain('\\u202e');
  });
});

describe('history, errors and export', () => {
  const run: RunRecord = {
    id: 1,
    scope: 'default',
    command: 'apply',
    startedAt: '2026-04-20T12:00:00.000Z',
    finishedAt: '2026-04-20T12:00:01.000Z',
    actor: 'mallory\u202egnp.exe',
    gitCommit: null,
    dirty: null,
    planDigest: null,
    summary: { create: 1 },
    result: 'failed',
    errorCode: 'APPLY_FAILED',
    error: 'provider \u2066x\u2069 failed',
  };

  it.each(['text', 'json'] as const)('history %s', (output) => {
    const out = renderHistory([run], { output });
    expectNoInvisible(out);
    expect(out).toContain('mallory\\u202egnp.exe');
  });

  it('an error message', () => {
    const out = formatError(new CvctlError('PLAN_INVALID', "label 'plat\u202eform' is wrong"), true);
    expectNoInvisible(out);
    expect(out).toContain('plat\\u202eform');
  });

  it('an exported file: escaped in double quotes, read back as the same value', () => {
    const labels = { team: 'plat\u202eform', zw: 'a\u200bb', bom: '\ufeffx', tag: 't\u{e0041}' };
    const text = providersDocument([{ name: 'openai-prod', kind: 'openai', labels }], '../schema.json');
    expectNoInvisible(text);
    expect(text).toContain('team: "plat\\u202eform"');
    const back = parse(text) as { providers: Array<{ labels: Record<string, string> }> };
    expect(back.providers[0]!.labels).toEqual(labels);
  });
});
