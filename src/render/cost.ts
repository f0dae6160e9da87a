// The plan's cost estimate (CONTRACT.md section 6; method in docs/cost-and-policy.md) as a short
// text block and as the markdown comment's "Cost impact" table: the total first, then the items
// that explain it, largest first, capped (the JSON has them all). Amounts are USD with cents.
import type { CostItem, CostResource, PlanCost } from '../plan/cost-types';
import { thousands } from '../config/text';
import { plural } from './common';
import { mdCode, mdText } from './markdown-common';
import type { Painter } from './text-common';

/** Items shown in the text block; the rest are counted. */
export const TEXT_ITEMS = 5;
/** Item rows in the markdown table; the rest are counted in one last row. */
export const MARKDOWN_ITEMS = 10;

/** 1520.4 -> "$1,520.40"; -31.95 -> "-$31.95". */
export function usd(n: number): string {
  const [whole, cents] = Math.abs(n).toFixed(2).split('.');
  return `${n < 0 ? '-' : ''}$${thousands(Number(whole))}.${cents}`;
}

/** A delta with its sign: "+$269.70", "-$31.95", "$0.00". */
export function signedUsd(n: number): string {
  return n > 0 ? `+${usd(n)}` : usd(n);
}

function resourceName(r: CostResource): string {
  return r.type === 'model' ? r.name : `${r.provider}/${r.name}`;
}

function resourceKind(r: CostResource): string {
  return r.type === 'model' ? 'model' : 'provider model';
}

const REASON_TEXT: Record<CostItem['reason'], string> = { price: 'price', routing: 'routing', removed: 'removed' };

function windowText(c: PlanCost): string {
  return `over ${plural(c.windowDays, 'day')} of usage, ${c.from} to ${c.to}`;
}

/** The extensions (unattributed, lost, excluded) as short sentences, shared by both formats. */
function notes(c: PlanCost): string[] {
  const out: string[] = [];
  if (c.unattributed) {
    const u = c.unattributed;
    out.push(`unattributed: ${thousands(u.requests)} requests through model facades that no longer exist, ${usd(u.before)} before, ${usd(u.after)} after`);
  }
  if (c.lost) out.push(`lost: ${thousands(c.lost.requests)} requests (${usd(c.lost.before)} before) that nothing serves after the plan`);
  if (c.excluded) out.push(`left out: ${plural(c.excluded.rows, 'usage row')} that could not be priced (see the warnings)`);
  return out;
}

function deltaStyle(n: number): 'red' | 'green' | 'dim' {
  return n > 0 ? 'red' : n < 0 ? 'green' : 'dim';
}

/** The text block, ending with an empty line; nothing without an estimate. */
export function costTextLines(cost: PlanCost | undefined, p: Painter): string[] {
  if (!cost) return [];
  const out = [
    p.paint('Cost impact', 'bold') + ` (USD, ${windowText(cost)}):`,
    `  before ${usd(cost.before)}, after ${usd(cost.after)}: ${p.paint(signedUsd(cost.delta), deltaStyle(cost.delta))}`,
  ];
  const shown = cost.items.slice(0, TEXT_ITEMS);
  const amounts = shown.map((i) => signedUsd(i.delta));
  const width = Math.max(0, ...amounts.map((a) => a.length));
  shown.forEach((item, i) => {
    const amount = p.paint(amounts[i].padStart(width), deltaStyle(item.delta));
    out.push(`    ${amount}  ${REASON_TEXT[item.reason].padEnd(7)}  ${resourceKind(item.resource)} ${resourceName(item.resource)}`);
  });
  if (cost.items.length > shown.length) out.push(`    … ${plural(cost.items.length - shown.length, 'more item')} (--output json lists all)`);
  for (const n of notes(cost)) out.push(`  ${n}`);
  out.push('');
  return out;
}

/**
 * The markdown section: a heading line, then one table whose first row is the total and whose
 * next rows are the top items (MARKDOWN_ITEMS at most, then a row counting the others), then
 * the notes. Nothing without an estimate.
 */
export function costMarkdownLines(cost: PlanCost | undefined): string[] {
  if (!cost) return [];
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const out = [
    `**Cost impact** (USD, ${mdText(windowText(cost))})`,
    '',
    row(['', 'Reason', 'Before', 'After', 'Delta']),
    row([':--', ':--', '--:', '--:', '--:']),
    row(['**Total**', '', usd(cost.before), usd(cost.after), `**${signedUsd(cost.delta)}**`]),
  ];
  const shown = cost.items.slice(0, MARKDOWN_ITEMS);
  for (const i of shown) out.push(row([`${resourceKind(i.resource)} ${mdCode(resourceName(i.resource))}`, REASON_TEXT[i.reason], '', '', signedUsd(i.delta)]));
  if (cost.items.length > shown.length) {
    out.push(row([`… ${plural(cost.items.length - shown.length, 'more item')} (\`cvctl show --output json plan.json\`)`, '', '', '', '']));
  }
  out.push('');
  const extra = notes(cost);
  if (extra.length > 0) out.push(...extra.map((n) => `- ${mdText(n)}`), '');
  return out;
}
