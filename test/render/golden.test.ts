// Golden files for every renderer. UPDATE_GOLDEN=1 npx jest test/render rewrites them;
// review the diff of test/render/golden/ like any other change to user-facing output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderPlan, renderPlanMarkdown, renderPlanText } from '../../src/render/render';
import type { Plan } from '../../src/plan/types';
import { computePlan } from '../../src/plan/compute';
import { deletesPlan, hostilePlan, largePlan, mixedPlan, noChangesPlan, renamesPlan } from './fixtures';
import { current, fp, input, provider, providerRow } from '../plan/builders';

const DIR = path.join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(file: string, actual: string): void {
  const p = path.join(DIR, file);
  if (UPDATE) {
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(p, actual);
    return;
  }
  if (!fs.existsSync(p)) throw new Error(`missing golden ${file}; run UPDATE_GOLDEN=1 npx jest test/render`);
  expect(actual).toBe(fs.readFileSync(p, 'utf8'));
}

const fixtures: [string, () => Plan][] = [
  ['mixed', mixedPlan],
  ['no-changes', noChangesPlan],
  ['deletes', deletesPlan],
  ['hostile-unresolved', hostilePlan],
  ['renames', renamesPlan],
];

describe.each(fixtures)('golden: %s', (name, make) => {
  const plan = make();
  it('text', () => golden(`${name}.txt`, renderPlan(plan, 'text', { color: false })));
  it('text with colour', () => golden(`${name}.color.txt`, renderPlan(plan, 'text', { color: true })));
  it('json', () => golden(`${name}.json`, renderPlan(plan, 'json')));
  it('markdown', () => golden(`${name}.md`, renderPlan(plan, 'markdown')));
  it('text --compact', () => golden(`${name}.compact.txt`, renderPlan(plan, 'text', { color: false, compact: true })));
});

/** One key rotated across n providers (issue 12 item 5): the old and the new prefix are known. */
function rotationPlan(n: number): Plan {
  const names = Array.from({ length: n }, (_, i) => `tenant-${String(i + 1).padStart(4, '0')}`);
  const desired = names.map((name) => provider(name));
  const cur = current({ providers: names.map((name) => providerRow(name, { credentialPrefix: 'sk-proj-YYYY' })) });
  const creds = Object.fromEntries(names.map((name) => [name, { apiKey: { fingerprint: fp(name, 'apiKey', 2), prefix: 'sk-proj-ZZZZ' } }]));
  return computePlan(input(desired, cur, { credentials: creds })).plan;
}

describe('plans at scale: one key rotated across 3,000 providers', () => {
  const plan = rotationPlan(3000);
  const lines = (s: string): number => s.split('\n').length - 1;
  const rotated = 'credentials.apiKey: (sensitive, changed, prefix "sk-proj-YYYY" → "sk-proj-ZZZZ")';

  it('the full text shows every provider with the old and the new prefix', () => {
    const text = renderPlanText(plan, { color: false });
    expect(text.split(rotated)).toHaveLength(3001);
    expect(lines(text)).toBe(9005);
  });

  it('--compact shows the shape in a few lines: one group, one folded provider line', () => {
    const text = renderPlanText(plan, { color: false, compact: true });
    expect(text).toContain(`  3,000 providers  ~ update  ${rotated}  (tenant-0001, tenant-0002, tenant-0003, … 2,997 more)`);
    expect(text).toContain('  ~ 3,000 providers (tenant-0001, tenant-0002, tenant-0003, … 2,997 more)  credentials.apiKey');
    expect(lines(text)).toBeLessThan(15);
  });

  it('--compact lists providers one per line when their changes differ', () => {
    const text = renderPlanText(rotationPlan(4), { color: false, compact: true });
    for (const n of ['0001', '0002', '0003', '0004']) expect(text).toContain(`  ~ tenant-${n}  credentials.apiKey\n`);
  });

  it('the markdown comment starts with the grouped shape and stays under the cap', () => {
    const md = renderPlanMarkdown(plan);
    expect(md.length).toBeLessThan(65000);
    const shape = md.indexOf('**Changes by kind**');
    expect(shape).toBeGreaterThan(0);
    expect(shape).toBeLessThan(md.indexOf('<details>'));
    expect(md).toContain(`- **3,000 providers** ~ update \`${rotated}\` (tenant-0001, tenant-0002, tenant-0003, … 2,997 more)`);
    expect(md).toContain('more providers (');
  });

  it('shows a single prefix when it did not change, and none of an unknown one', () => {
    const same = computePlan(input([provider('a')], current({ providers: [providerRow('a', { credentialPrefix: 'sk-proj-ZZZZ' })] }), {
      credentials: { a: { apiKey: { fingerprint: fp('a', 'apiKey', 2), prefix: 'sk-proj-ZZZZ' } } },
    })).plan;
    expect(renderPlanText(same, { color: false })).toContain('credentials.apiKey: (sensitive, changed, prefix "sk-proj-ZZZZ")\n');
    const unknownBefore = computePlan(input([provider('a')], current({ providers: [providerRow('a', { credentialPrefix: null })] }), {
      credentials: { a: { apiKey: { fingerprint: fp('a', 'apiKey', 2), prefix: 'sk-proj-ZZZZ' } } },
    })).plan;
    expect(renderPlanText(unknownBefore, { color: false })).toContain('credentials.apiKey: (sensitive, changed, prefix "sk-proj-ZZZZ")\n');
  });
});

describe('markdown size limit', () => {
  const plan = largePlan();
  const md = renderPlanMarkdown(plan);

  it('matches its golden', () => golden('large.md', md));

  it('stays under 65,000 characters and says what it left out', () => {
    expect(md.length).toBeLessThan(65000);
    const m = /… (\d+) more providers \((\d+) changes\) not shown\*\*; run `cvctl show plan.json` for the full plan/.exec(md);
    expect(m).not.toBeNull();
    const shown = (md.match(/<details>/g) ?? []).length;
    expect(shown + Number(m![1])).toBe(60);
    expect(Number(m![2])).toBe(Number(m![1]) * 41);
  });

  it('respects a smaller maxChars', () => {
    const small = renderPlanMarkdown(plan, { maxChars: 5000 });
    expect(small.length).toBeLessThanOrEqual(5000);
    expect(small).toContain('not shown');
  });

  it('the full text rendering lists every model compactly', () => {
    const text = renderPlanText(largePlan(2, 100), { color: false });
    expect(text.split('\n').filter((l) => /^ {6}\+ catalog-model-\d{3} {2}chat {2}context 128,000 {2}input \$2\.50 {2}output \$10\.00$/.test(l))).toHaveLength(200);
  });
});

describe('provider model rows (context window and prices)', () => {
  const rowsOf = (text: string): string[] => text.split('\n').filter((l) => l.includes(' context '));

  it('keep their columns aligned when one model id is very long', () => {
    for (const text of [renderPlanText(mixedPlan(), { color: false }), renderPlanMarkdown(mixedPlan())]) {
      const block = text.slice(text.indexOf('provider models: 5 to create'));
      const rows = rowsOf(block);
      expect(rows).toHaveLength(5);
      // The long id has a line of its own; every row's columns start at the same place.
      expect(block).toMatch(/\+ ft:gpt-4o-mini-2024-07-18:acme:support:abc123\n/);
      expect(new Set(rows.map((l) => l.indexOf(' context ')))).toHaveProperty('size', 1);
      expect(new Set(rows.map((l) => l.indexOf(' input ')))).toHaveProperty('size', 1);
    }
  });

  it('show before → after for each changed value of an update', () => {
    const text = renderPlanText(mixedPlan(), { color: false });
    expect(text).toContain('~ claude-opus-4    chat  context 128,000 → 200,000  input $15.00 → $12.00  output $75.00 → $60.00');
    expect(text).not.toContain('pricing.inputPerMTok');
    expect(renderPlanMarkdown(mixedPlan())).toContain('! ~ claude-opus-4    chat  context 128,000 → 200,000  input $15.00 → $12.00');
  });
});

describe('rendering details', () => {
  it('colour codes appear only with color: true', () => {
    const plan = mixedPlan();
    expect(renderPlanText(plan, { color: false })).not.toContain('\x1b[');
    expect(renderPlanText(plan, { color: true })).toContain('\x1b[32m+ provider "openai-prod"\x1b[0m');
  });

  it('unresolved secrets show as unknown, never as a value', () => {
    const d = [provider('openai-prod', { labels: { a: 'b' } })];
    const creds = { 'openai-prod': { apiKey: { fingerprint: null, prefix: null, unknown: true } } };
    const { plan } = computePlan(input(d, current({ providers: [providerRow('openai-prod')] }), { credentials: creds, secretsResolved: false }));
    const text = renderPlanText(plan, { color: false });
    expect(text).toContain('credentials.apiKey: (sensitive, unknown: secrets not resolved)');
    expect(text).toContain('Note: secrets were not resolved');
    expect(renderPlanMarkdown(plan)).toContain('  credentials.apiKey: (sensitive, unknown: secrets not resolved)');
  });

  it('escapes user values in markdown text', () => {
    const md = renderPlanMarkdown(deletesPlan());
    expect(md).toContain("model 'fast\\`chat&lt;x&gt;'");
    // Raw user text may appear only inside fenced code blocks, where markdown is inert.
    const outsideFences = md.replace(/^```[\s\S]*?^```$/gm, '');
    expect(outsideFences).not.toContain('<x>');
    expect(outsideFences).not.toContain('fast`chat');
  });
});
