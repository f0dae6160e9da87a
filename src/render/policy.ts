// The plan's policy result (CONTRACT.md section 7) as a text block and a markdown section: each
// violation with the file:line:col of what violates, its code and its message. A plan with
// violations is refused by apply, and says so. A plan whose files hold no policy shows nothing.
import type { Plan, PolicyViolation } from '../plan/types';
import { plural } from './common';
import { cappedBullets, mdCode, mdText } from './markdown-common';
import type { Painter } from './text-common';

const where = (v: PolicyViolation): string => `${v.file}:${v.line}:${v.column}`;

function headline(n: number): string {
  return `${plural(n, 'violation')}; cvctl apply refuses this plan`;
}

/** The text block, ending with an empty line; nothing when the files hold no policy. */
export function policyTextLines(policy: Plan['policy'], p: Painter): string[] {
  if (!policy) return [];
  const vs = policy.violations;
  if (vs.length === 0) return [`${p.paint('Policy', 'bold')}: no violations.`, ''];
  return [
    `${p.paint('Policy', 'bold')}: ${p.paint(headline(vs.length), 'red')}:`,
    ...vs.map((v) => `  ${p.paint('✗', 'red')} ${where(v)}: ${v.code}: ${v.message}`),
    '',
  ];
}

/** The markdown section (capped at maxChars like the warnings); nothing without a policy. */
export function policyMarkdownLines(policy: Plan['policy'], maxChars: number): string[] {
  if (!policy) return [];
  const vs = policy.violations;
  if (vs.length === 0) return ['**Policy**: :white_check_mark: no violations.', ''];
  const lines = vs.map((v) => `- :x: ${mdCode(where(v))} ${mdCode(v.code)} ${mdText(v.message)}`);
  return [
    '> [!CAUTION]',
    `> **Policy: ${headline(vs.length)}.**`,
    '',
    ...cappedBullets('**Policy violations**', lines, maxChars, (n) => `- … and ${plural(n, 'more violation')}; run \`cvctl show plan.json\` to see all`),
  ];
}
