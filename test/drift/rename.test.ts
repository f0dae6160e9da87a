import { identityOf } from '../../src/resources/registry';
// Drift and `renamedFrom`: a rename in the files that is not applied yet is pending (the row is
// found under its earlier name, and not also reported as removed or unmanaged); once applied,
// nothing is reported.
import { computeDrift } from '../../src/plan/drift/compute';
import { renderDrift } from '../../src/render/drift';
import { lastAppliedOfModel, lastAppliedOfProvider } from '../../src/plan/compute';
import type { DesiredProvider } from '../../src/domain/types';
import type { ProviderModelRow, ProviderRow } from '../../src/domain/rows';
import type { DriftChange } from '../../src/plan/drift/types';
import { current, fp, model, modelRow, NOW, provider, providerRow } from '../plan/builders';

const pos = { file: 'providers/main.yaml', line: 4, column: 18 };
const renamed = provider('vllm-prod', { renamedFrom: [{ name: 'vllm-internal', pos }] }, [model('llama')]);

/** The row under `name` as an apply of `d` leaves it; `recordName`: the name its last-applied record holds. */
function appliedRow(d: DesiredProvider, name: string, recordName: string | undefined, o: Partial<ProviderRow> = {}): ProviderRow {
  const fps = { apiKey: fp('vllm') };
  return providerRow(name, { id: 'pv-vllm', credentialFingerprints: fps, lastApplied: lastAppliedOfProvider(d.spec, fps, recordName), ...o });
}

function models(providerId: string, extra: ProviderModelRow[] = [], o: Partial<ProviderModelRow> = {}): ProviderModelRow[] {
  return [modelRow('x', 'llama', { providerId, lastApplied: lastAppliedOfModel(model('llama')), ...o }), ...extra];
}

function drift(rows: ProviderRow[], pms: ProviderModelRow[]) {
  return computeDrift({
    desired: { providers: [renamed] },
    current: current({ providers: rows, providerModels: pms }),
    scope: 'default',
    credentials: { 'vllm-prod': { apiKey: { fingerprint: fp('vllm'), prefix: 'sk-' } } },
    secretsResolved: true,
    lastAppliedAt: { 'pv-vllm': '2026-01-01T00:00:00.000Z' },
    now: NOW,
    cvctlVersion: '0.1.0',
    catalogVersion: '2026.04.15',
  });
}

function brief(c: DriftChange): string {
  const r = identityOf(c.resource).join('/');
  const fields = (c.fields ?? []).filter((f) => f.drift !== undefined).map((f) => `${f.path}:${f.drift}`);
  return `${c.action} ${r} [${c.drift}]${fields.length ? ` ${fields.join(',')}` : ''}`;
}

describe('drift with renamedFrom', () => {
  test.each([
    ['recorded', 'vllm-internal'],
    ['not recorded (an apply before names were recorded)', undefined],
  ])('a rename not applied yet is pending, the name in the last-applied record %s', (_n, recordName) => {
    const r = drift([appliedRow(renamed, 'vllm-internal', recordName)], models('pv-vllm'));
    expect(r.changes.map(brief)).toEqual(['update vllm-prod [pending] name:pending']);
    expect(r.changes[0].fields?.[0]).toMatchObject({ path: 'name', before: 'vllm-internal', after: 'vllm-prod', lastApplied: 'vllm-internal' });
    expect(r.changes[0].renamedFrom).toBe('vllm-internal');
    expect(renderDrift(r, 'json')).toContain('"renamedFrom": "vllm-internal"');
    expect(renderDrift(r, 'text')).toContain('name: "vllm-internal" → "vllm-prod"');
  });

  test('after the rename is applied, nothing is reported', () => {
    const r = drift([appliedRow(renamed, 'vllm-prod', 'vllm-prod')], models('pv-vllm'));
    expect(r.changes).toEqual([]);
  });

  test('a renamed console row is unmanaged once, under its new name; a console model on a renamed row is listed under the new name', () => {
    const consoleRow = appliedRow(renamed, 'vllm-internal', undefined, { managedBy: null, lastApplied: null });
    expect(drift([consoleRow], models('pv-vllm', [], { managedBy: null, lastApplied: null })).changes.map(brief)).toEqual(['update vllm-prod [unmanaged]', 'update vllm-prod/llama [unmanaged]']);
    const extra = modelRow('x', 'console-only', { providerId: 'pv-vllm', managedBy: null });
    expect(drift([appliedRow(renamed, 'vllm-internal', 'vllm-internal')], models('pv-vllm', [extra])).changes.map(brief)).toEqual([
      'update vllm-prod [pending] name:pending',
      'none vllm-prod/console-only [unmanaged]',
    ]);
  });
});
