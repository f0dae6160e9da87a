import { candidates, expiryWarnings, ignoreSet, isExpired, matches, pathPrefixes } from '../../src/plan/drift/ignore';

const NOW = new Date('2026-11-24T12:00:00.000Z');

describe('pathPrefixes', () => {
  test.each<[string, string[]]>([
    ['status', ['status']],
    ['labels.team', ['labels', 'labels.team']],
    ['config.deployments["gpt-4.1"]', ['config', 'config.deployments', 'config.deployments["gpt-4.1"]']],
    ['labels["app.kubernetes.io/name"]', ['labels', 'labels["app.kubernetes.io/name"]']],
    ['pricing.inputPerMTok', ['pricing', 'pricing.inputPerMTok']],
  ])('%s', (p, want) => expect(pathPrefixes(p)).toEqual(want));
});

describe('matching', () => {
  const table: Array<[string, string | null, string | null, boolean]> = [
    ['labels.owner', null, 'labels.owner', true],
    ['labels.owner', null, 'labels.team', false],
    ['labels', null, 'labels.team', true], // a parent path covers its children
    ['labels.*', null, 'labels.team', true],
    ['labels.*', null, 'labels["app.kubernetes.io/name"]', true],
    ['labels.*', null, 'labelsx', false],
    ['config.organization', null, 'config.organization', true],
    ['credentials.apiKey', null, 'credentials.apiKey', true],
    ['credentials.*', null, 'credentials.apiKey', true],
    ['models.gpt-4o.pricing.inputPerMTok', 'gpt-4o', 'pricing.inputPerMTok', true],
    ['models.gpt-4o.pricing.inputPerMTok', 'gpt-4o', 'pricing.outputPerMTok', false],
    ['models.gpt-4o.pricing', 'gpt-4o', 'pricing.outputPerMTok', true],
    ['models.gpt-4o', 'gpt-4o', 'contextWindow', true],
    ['models.gpt-4o', 'gpt-4o', null, true], // the whole model (created, removed)
    // Model ids hold dots: `models.gpt-4` is not an ancestor of `models.gpt-4.1.status`.
    ['models.gpt-4', 'gpt-4.1', 'status', false],
    ['models.gpt-4.1.status', 'gpt-4.1', 'status', true],
    ['models.*', 'o3', null, true],
    ['models.ft:*', 'ft:gpt-4o:acme', 'status', true],
    ['models.ft:*', 'gpt-4o', 'status', false],
    ['status', 'gpt-4o', 'status', false], // a provider path never matches a model's field
  ];
  test.each(table)('%s vs model %s path %s → %p', (pattern, model, field, want) => {
    expect(matches(pattern, candidates(model, field))).toBe(want);
  });
});

describe('expiry', () => {
  test.each<[string | undefined, boolean]>([
    [undefined, false],
    ['2026-11-24', false], // the until day itself still counts
    ['2026-11-23', true],
    ['2027-01-01', false],
  ])('until %s → expired %p', (until, want) => {
    expect(isExpired({ path: 'x', reason: 'r', ...(until ? { until } : {}) }, NOW)).toBe(want);
  });

  test('an expired entry silences nothing and is reported by name', () => {
    const entries = [
      { path: 'labels.owner', reason: 'owned by FinOps', until: '2026-01-31' },
      { path: 'labels.team', reason: 'kept', until: '2027-01-31' },
    ];
    const set = ignoreSet(entries, NOW);
    expect(set.silences(null, 'labels.owner')).toBe(false);
    expect(set.silences(null, 'labels.team')).toBe(true);
    expect(expiryWarnings('openai-prod', entries, NOW)).toEqual([
      {
        code: 'ignore-expired',
        message:
          "provider 'openai-prod': ignoreDrift entry 'labels.owner' (owned by FinOps) expired on 2026-01-31; its differences are reported again (remove the entry or extend its until date)",
        resource: { type: 'provider', name: 'openai-prod' },
      },
    ]);
  });
});
