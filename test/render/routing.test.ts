// Goldens for a model's routing rows (text and markdown diff lines), grants, and the Mermaid
// diagram. UPDATE_GOLDEN=1 npx jest test/render rewrites them; review the diff like any change
// to user-facing output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { routingMermaid, mermaidText } from '../../src/render/mermaid';
import { DIFF_MARKS, grantText, routingLines, TEXT_MARKS } from '../../src/render/routing';
import { percent, routingChanged, routingRows, type ModelRouting } from '../../src/render/routing-view';
import { b, created, deleted, failover, grants, hostile, sideOf, splitLevel, toWeighted, unchanged } from './routing-fixtures';

const DIR = path.join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(file: string, actual: string): void {
  const p = path.join(DIR, file);
  if (UPDATE) {
    fs.writeFileSync(p, actual);
    return;
  }
  if (!fs.existsSync(p)) throw new Error(`missing golden ${file}; run UPDATE_GOLDEN=1 npx jest test/render`);
  expect(actual).toBe(fs.readFileSync(p, 'utf8'));
}

const ALL: ModelRouting[] = [splitLevel, toWeighted, failover, created, deleted, unchanged, hostile];

describe('traffic shares', () => {
  const share = (m: ModelRouting, name: string): [number, number] => {
    const r = routingRows(m).find((x) => x.name === name);
    if (r === undefined) throw new Error(name);
    return [r.shareBefore, r.shareAfter];
  };

  it('fallback: the lowest priority level with an active backend takes all, split by weight', () => {
    expect(share(splitLevel, 'openai-prod/gpt-4o')).toEqual([1, 0.5]);
    expect(share(splitLevel, 'anthropic-main/claude-sonnet-4-6')).toEqual([0, 0.5]);
    expect(share(splitLevel, 'azure-eu/gpt-4o')).toEqual([0, 0]);
  });

  it('weighted: by weight across every active backend', () => {
    expect(share(toWeighted, 'groq/llama-3.3-70b')).toEqual([1, 0.75]);
    expect(share(toWeighted, 'openai-prod/gpt-4o-mini')).toEqual([0, 0.25]);
  });

  it('a disabled backend or a provider model that cannot serve gets nothing', () => {
    expect(share(failover, 'openai-prod/text-embedding-3-small')).toEqual([1, 0]);
    expect(share(failover, 'cohere/embed-v4')).toEqual([0, 1]);
    expect(share(failover, 'google/gemini-embedding')).toEqual([0, 0]);
  });

  it('a disabled model serves nothing', () => {
    const off: ModelRouting = { model: 'x', before: sideOf([b('a/b')]), after: sideOf([b('a/b')], { status: 'disabled' }) };
    expect(routingRows(off)[0]).toMatchObject({ shareBefore: 1, shareAfter: 0 });
    expect(routingChanged(off)).toBe(true);
  });

  it('rows are in the order traffic tries them, and an unchanged model is not a routing change', () => {
    expect(routingRows(splitLevel).map((r) => [r.name, r.mark])).toEqual([
      ['anthropic-main/claude-sonnet-4-6', 'added'],
      ['openai-prod/gpt-4o', 'same'],
      ['azure-eu/gpt-4o', 'removed'],
    ]);
    expect(routingChanged(unchanged)).toBe(false);
  });

  it('percentages: whole where exact, one decimal otherwise, never 0% or 100% for a share that is not', () => {
    expect([0, 1, 0.5, 1 / 3, 0.0004, 0.9996, 0.125].map(percent)).toEqual(['0%', '100%', '50%', '33.3%', '<0.1%', '>99.9%', '12.5%']);
  });
});

describe('golden: routing rows and grants', () => {
  it('text', () => {
    const out = ALL.flatMap((m) => [`model ${m.model}`, ...routingLines(m, '    ', TEXT_MARKS), '']);
    out.push('grants', ...grants.map(([action, before, after]) => `  ${action.padEnd(6)} ${grantText(before, after)}`));
    golden('routing.txt', `${out.join('\n')}\n`);
  });

  it('markdown diff lines', () => {
    golden('routing.diff.txt', `${ALL.flatMap((m) => [...routingLines(m, '', DIFF_MARKS), '']).join('\n')}\n`);
  });

  it('the example of the issue reads as written', () => {
    const lines = routingLines(splitLevel, '', TEXT_MARKS).join('\n');
    expect(lines).toMatch(/openai-prod\/gpt-4o\s+p1\s+w100\s+100% → 50%/);
    expect(grantText(null, grants[0][2])).toBe(
      'group:engineering → chat-default  600 req/min, 5,000,000 tokens/day, $2,000/month, expires 2027-06-30',
    );
  });

  it('a line break in a name cannot start a line of its own', () => {
    for (const l of routingLines(hostile, '', TEXT_MARKS)) expect(l).not.toContain('\n');
    expect(routingLines(hostile, '', TEXT_MARKS).join('\n')).toContain('```\\n%%');
  });
});

describe('golden: mermaid', () => {
  it('the changed models, each an edge per backend', () => {
    golden('routing.mermaid.md', `${routingMermaid(ALL).join('\n')}\n`);
  });

  it('no routing change: no diagram', () => {
    expect(routingMermaid([unchanged])).toEqual([]);
  });

  it('removed backends hang on dashed edges, added ones on thick edges', () => {
    const text = routingMermaid([splitLevel]).join('\n');
    expect(text).toMatch(/m0 -\.->\|"removed · p2 · 0%"\| m0b2\["azure-eu\/gpt-4o"\]/);
    expect(text).toMatch(/m0 ==>\|"added · p1 · 0% → 50%"\| m0b0\["anthropic-main\/claude-sonnet-4-6"\]/);
    expect(text).toMatch(/m0 -->\|"p1 · 100% → 50%"\| m0b1\["openai-prod\/gpt-4o"\]/);
  });

  it('hostile names stay inside their quoted labels and inside the code block', () => {
    const lines = routingMermaid([hostile]);
    const body = lines.slice(1, lines.indexOf('```', 1));
    expect(lines[0]).toBe('```mermaid');
    // Nothing but the closing fence has a backtick; every statement starts with a generated id.
    for (const l of body) {
      expect(l).not.toContain('`');
      expect(l).toMatch(/^ {2}(flowchart|m\d|class |classDef )|^flowchart LR$/);
      // A quote appears only as label delimiters: each label opens and closes on the line.
      expect((l.match(/"/g) ?? []).length % 2).toBe(0);
    }
    const all = lines.join('\n');
    // `click m0 call alert()` is in the text, but only inside a quoted label (no line starts with it).
    for (const bad of ['<img', '\u202e', '%%{', 'evil"', '\n  click']) expect(all).not.toContain(bad);
    expect(mermaidText('a"b<c>|d`e#f')).toBe('a#34;b#60;c#62;#124;d#96;e#35;f');
    expect(mermaidText('x\u202ey')).toBe('x#92;u202ey');
  });

  it('long names are cut in the node (the details show them whole)', () => {
    const long: ModelRouting = { model: 'm', before: null, after: sideOf([b(`p/${'x'.repeat(200)}`)]) };
    const text = routingMermaid([long]).join('\n');
    expect(text).toContain(`["p/${'x'.repeat(57)}…"]`);
  });

  it('many backends: the first ones drawn, the rest one node', () => {
    const many: ModelRouting = { model: 'wide', before: null, after: sideOf(Array.from({ length: 30 }, (_, i) => b(`p/m${String(i).padStart(2, '0')}`, 1, i + 1)), { strategy: 'weighted' }) };
    const text = routingMermaid([many]).join('\n');
    expect(text.match(/m0 ==>/g)).toHaveLength(12);
    expect(text).toContain('m0 -.- m0more["… 18 more backends"]');
  });

  it('10,000 changed models: within the budget, the rest counted', () => {
    const models: ModelRouting[] = Array.from({ length: 10_000 }, (_, i) => ({
      model: `model-${String(i).padStart(5, '0')}-${'n'.repeat(40)}`,
      before: sideOf([b('openai-prod/gpt-4o'), b('anthropic-main/claude-sonnet-4-6', 2)]),
      after: sideOf([b('openai-prod/gpt-4o', 2), b('anthropic-main/claude-sonnet-4-6', 1), b('azure-eu/gpt-4o', 3)]),
    }));
    const lines = routingMermaid(models);
    const text = lines.join('\n');
    expect(text.length).toBeLessThanOrEqual(12_000);
    expect(text.match(/\(\["model-/g)).toHaveLength(20);
    expect(lines[lines.length - 1]).toBe('<sub>… and 9,980 more models with routing changes, not drawn; the details list every backend.</sub>');
    const small = routingMermaid(models, { maxChars: 3000 }).join('\n');
    expect(small.length).toBeLessThanOrEqual(3000);
  });
});
