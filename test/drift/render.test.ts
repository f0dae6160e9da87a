// Goldens for the drift renderers (UPDATE_GOLDEN=1 rewrites them; review the diff like any
// other change to user-facing output), plus the markdown size limit and secret hygiene.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeDrift } from '../../src/plan/drift/compute';
import { renderDrift } from '../../src/render/drift';
import type { DesiredProvider } from '../../src/domain/types';
import type { ProviderModelRow, ProviderRow } from '../../src/domain/rows';
import type { DriftReport } from '../../src/plan/drift/types';
import { appliedState, credsFor, current, fp, model, modelRow, NOW, provider, providerRow } from '../plan/builders';

const DIR = path.join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(file: string, actual: string): void {
  const p = path.join(DIR, file);
  if (UPDATE || !fs.existsSync(p)) {
    if (!UPDATE && process.env.CI) throw new Error(`missing golden ${file}`);
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(p, actual);
    return;
  }
  expect(actual).toBe(fs.readFileSync(p, 'utf8'));
}

/** A row exactly as the real apply converter writes `d` (test/plan/builders.ts appliedState), then `o`. */
function applied(d: DesiredProvider, o: Partial<ProviderRow> = {}): ProviderRow {
  return { ...appliedState([d]).providers[0], ...o };
}

function appliedModels(d: DesiredProvider): ProviderModelRow[] {
  return appliedState([d]).providerModels;
}

function report(desired: DesiredProvider[], providers: ProviderRow[], models: ProviderModelRow[]): DriftReport {
  return computeDrift({
    desired: { providers: desired },
    current: current({ providers, providerModels: models }),
    scope: 'default',
    credentials: credsFor(desired),
    secretsResolved: true,
    lastAppliedAt: {},
    now: NOW,
    cvctlVersion: '0.1.0',
    catalogVersion: '2026.04.15',
  });
}

function mixedReport(): DriftReport {
  const prod = provider(
    'openai-prod',
    {
      labels: { team: 'platform', 'app.kubernetes.io/name': 'gw' },
      config: { organization: 'org-new' },
      ignoreDrift: [
        { path: 'labels.owner', reason: 'FinOps tags accounts in the console' },
        { path: 'config.project', reason: 'billing moves', until: '2026-01-31' },
      ],
    },
    [model('gpt-4o'), model('gpt-5')],
  );
  const prodApplied = provider('openai-prod', { ...prod.spec, config: { organization: 'org-old' } }, [model('gpt-4o'), model('o3')]);
  const prodRow = applied(prodApplied, {
    labels: { team: 'someone', owner: 'bob', 'app.kubernetes.io/name': 'gw' },
    config: { organization: 'org-console', project: 'proj-x' },
    credentialFingerprints: { apiKey: fp('openai-prod', 'apiKey', 2) },
  });
  const prodModels = appliedModels(prodApplied);
  prodModels[0] = { ...prodModels[0], status: 'disabled' };
  const anthropic = provider('anthropic-main', { kind: 'anthropic' });
  const consoleRow = providerRow('made-in-console', { managedBy: null, kind: 'groq', credentialFingerprints: {} });
  const consoleModel = modelRow('openai-prod', 'console-model', { managedBy: null, source: 'custom' });
  return report([prod, anthropic], [prodRow, consoleRow], [...prodModels, consoleModel]);
}

describe('drift renderers', () => {
  const r = mixedReport();
  test('text', () => golden('mixed.txt', renderDrift(r, 'text')));
  test('text with colour', () => golden('mixed.color.txt', renderDrift(r, 'text', { color: true })));
  test('json', () => golden('mixed.json', renderDrift(r, 'json')));
  test('markdown', () => golden('mixed.md', renderDrift(r, 'markdown')));

  test('no drift', () => {
    const d = provider('p');
    const none = report([d], [applied(d)], []);
    expect(renderDrift(none, 'text')).toBe('No drift: the database matches the files and the last apply.\n');
    expect(renderDrift(none, 'markdown')).toContain('**No drift.**');
    expect(JSON.parse(renderDrift(none, 'json')).driftSummary).toEqual({ drift: 0, pending: 0, conflict: 0, unmanaged: 0, ignored: 0 });
  });

  test('the JSON is the plan shape plus labels, never a saved plan', () => {
    const json = JSON.parse(renderDrift(r, 'json'));
    expect(Object.keys(json)).toEqual(['formatVersion', 'scope', 'summary', 'driftSummary', 'changes', 'warnings', 'meta']);
    for (const c of json.changes) {
      expect(['drift', 'pending', 'conflict', 'unmanaged']).toContain(c.drift);
      expect(c.expect).toBeUndefined();
      expect(c.target).toBeUndefined();
    }
    expect(json.digest).toBeUndefined();
  });

  test('markdown stays under the limit and says what it left out', () => {
    const desired: DesiredProvider[] = [];
    const rows: ProviderRow[] = [];
    for (let i = 0; i < 400; i++) {
      const d = provider(`p-${String(i).padStart(3, '0')}`, { labels: { team: 'a'.repeat(60) } });
      desired.push(d);
      rows.push(applied(d, { labels: { team: 'b'.repeat(60), extra: 'c'.repeat(60) } }));
    }
    const big = report(desired, rows, []);
    const md = renderDrift(big, 'markdown');
    expect(md.length).toBeLessThan(65000);
    expect(md).toMatch(/more providers \(\d+ differences\) not shown/);
  });
});
