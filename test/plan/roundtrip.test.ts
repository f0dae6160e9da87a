// A saved plan must read back exactly as written, render identically, and be refused when
// it was edited, made for another scope, or written in another format version.
import { CvctlError } from '../../src/errors';
import { normalizePlan, parsePlan, planDigest, serializePlan } from '../../src/plan/serialize';
import type { Plan } from '../../src/plan/types';
import { renderPlan } from '../../src/render/render';
import { deletesPlan, mixedPlan, noChangesPlan, renamesPlan } from '../render/fixtures';

const fixtures: [string, () => Plan][] = [
  ['mixed', mixedPlan],
  ['deletes', deletesPlan],
  ['no-changes', noChangesPlan],
  ['renames', renamesPlan],
];

function planInvalid(text: string, scope?: string): string {
  try {
    parsePlan(text, { scope });
  } catch (e) {
    expect(e).toBeInstanceOf(CvctlError);
    expect((e as CvctlError).code).toBe('PLAN_INVALID');
    expect((e as CvctlError).message).not.toContain('\n');
    return (e as CvctlError).message;
  }
  throw new Error('expected PLAN_INVALID');
}

/** Edit the JSON of a saved plan, optionally re-signing it (to reach the shape checks). */
function edited(plan: Plan, edit: (raw: Record<string, any>) => void, resign = false): string {
  const raw = JSON.parse(serializePlan(plan));
  edit(raw);
  if (resign) raw.digest = planDigest(raw);
  return JSON.stringify(raw, null, 2);
}

describe.each(fixtures)('round trip: %s', (_name, make) => {
  const plan = make();
  const text = serializePlan(plan);
  const parsed = parsePlan(text, { scope: 'default' });

  it('parse(serialize(plan)) deep-equals the plan', () => {
    expect(parsed).toStrictEqual(normalizePlan(plan));
    expect(parsed).toEqual(plan);
  });

  it('is stable: serializing the parsed plan gives the same bytes', () => {
    expect(serializePlan(parsed)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it.each(['text', 'json', 'markdown'] as const)('renders %s identically from the parsed plan', (format) => {
    expect(renderPlan(parsed, format, { color: true })).toBe(renderPlan(plan, format, { color: true }));
  });
});

describe('parsePlan refuses', () => {
  const plan = mixedPlan();

  it('text that is not JSON', () => {
    expect(planInvalid('{"formatVersion": 1,')).toMatch(/^the plan file is not valid JSON/);
    expect(planInvalid('[1,2]')).toMatch(/expected a JSON object/);
  });

  it('another format version', () => {
    expect(planInvalid(edited(plan, (r) => (r.formatVersion = 2)))).toBe(
      'plan format version 2 is not supported by this cvctl (supports 1)',
    );
  });

  it('a plan edited after it was written', () => {
    expect(planInvalid(edited(plan, (r) => (r.changes[0].fields[0].after = 'hacked')))).toBe(
      'the plan file was modified after it was written',
    );
    expect(planInvalid(edited(plan, (r) => delete r.digest))).toMatch(/has no digest/);
  });

  it('a plan whose digest verifies but whose text is not what cvctl wrote: a key given twice, a reformat', () => {
    const text = serializePlan(plan);
    // JSON.parse keeps the last of two equal keys, so the digest still matches the value.
    const dup = text.replace('"scope": "default",', '"scope": "team-evil",\n  "scope": "default",');
    expect(dup).not.toBe(text);
    expect(planDigest(JSON.parse(dup))).toBe(JSON.parse(text).digest);
    expect(planInvalid(dup)).toMatch(/not the text cvctl plan --out wrote: edited, reformatted, or a key given twice/);
    expect(planInvalid(JSON.stringify(JSON.parse(text)))).toMatch(/not the text cvctl plan --out wrote/);
    expect(planInvalid(text.replace(/\n$/, '\r\n'))).toMatch(/not the text cvctl plan --out wrote/);
  });

  it('a plan made for another scope', () => {
    expect(planInvalid(serializePlan(plan), 'team-b')).toBe("plan was made for scope 'default', not 'team-b'");
    expect(parsePlan(serializePlan(plan), {}).scope).toBe('default');
  });

  it('unknown actions and resource types, even when re-signed', () => {
    expect(planInvalid(edited(plan, (r) => (r.changes[0].action = 'explode'), true))).toBe(
      'invalid plan file: change 1 (anthropic-prod): unknown action "explode"',
    );
    expect(planInvalid(edited(plan, (r) => (r.changes[1].resource.type = 'widget'), true))).toMatch(
      /change 2 .*resource type/,
    );
    // A type this cvctl applies, with another type's members: the resource's shape is refused.
    expect(planInvalid(edited(plan, (r) => (r.changes[1].resource.type = 'model'), true))).toMatch(/change 2 /);
  });

  it('a rename edited after it was written, or a re-signed rename that is not one', () => {
    const renames = renamesPlan();
    expect(renames.changes[0].renamedFrom).toBeDefined();
    expect(planInvalid(edited(renames, (r) => (r.changes[0].renamedFrom = 'someone-else')))).toBe('the plan file was modified after it was written');
    expect(planInvalid(edited(renames, (r) => delete r.changes[0].renamedFrom))).toBe('the plan file was modified after it was written');
    expect(planInvalid(edited(renames, (r) => (r.changes[0].renamedFrom = 'Not A Name'), true))).toMatch(/'renamedFrom' must be a provider name/);
    expect(planInvalid(edited(renames, (r) => (r.changes[0].renamedFrom = 42), true))).toMatch(/'renamedFrom' must be a string/);
    expect(planInvalid(edited(renames, (r) => (r.changes[0].renamedFrom = r.changes[0].resource.name), true))).toMatch(/must differ/);
    expect(planInvalid(edited(renames, (r) => (r.changes[0].expect = { absent: true }), true))).toMatch(/a rename must name the row it renames/);
    expect(planInvalid(edited(renames, (r) => (r.changes[0].target.name = 'someone-else'), true))).toMatch(/target's name is not the resource's name/);
    expect(planInvalid(edited(mixedPlan(), (r) => (r.changes.find((c: { resource: { type: string } }) => c.resource.type === 'providerModel').target.modelId = 'x'), true))).toMatch(
      /target's modelId is not the resource's name/,
    );
    const onCreate = edited(mixedPlan(), (r) => (r.changes.find((c: { action: string }) => c.action === 'create').renamedFrom = 'x'), true);
    expect(planInvalid(onCreate)).toMatch(/'renamedFrom' is only allowed on a provider or model update/);
  });

  it('summaries that do not match the changes, and broken targets', () => {
    expect(planInvalid(edited(plan, (r) => (r.summary.create = 99), true))).toMatch(/summary: says 99 to create/);
    expect(planInvalid(edited(plan, (r) => (r.changes[0].target.kind = 'skynet'), true))).toMatch(
      /unknown provider kind "skynet"/,
    );
    expect(planInvalid(edited(plan, (r) => (r.changes[0].expect = {}), true))).toMatch(/'id' must be a string/);
  });
});
