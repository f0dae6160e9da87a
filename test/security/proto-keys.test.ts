// A map key named `__proto__` (allowed where the schema takes free keys, such as an Azure
// `deployments` map) is a key like any other: the plan shows it, and `apply` (planned in the
// same run or from a saved plan) writes exactly that. Plain assignment in a copy would set the
// copy's prototype instead: the key was shown but not written (apply), or the saved plan was
// refused as inconsistent (apply --plan), and every later plan showed it again.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { sortKeysDeep } from '../../src/plan/canonical';

const YAML = `version: 1
providers:
  - name: az
    kind: azure
    config:
      endpoint: https://x.openai.azure.com
      apiVersion: "2024-10-21"
      deployments: {"__proto__": proto-dep, constructor: ctor-dep, gpt-4o: g}
    credentials:
      apiKey: {from: env, name: AZKEY}
`;

test('sortKeysDeep keeps a __proto__ key as an own member', () => {
  const copy = sortKeysDeep(JSON.parse('{"b": 1, "__proto__": {"x": 2}}') as Record<string, unknown>);
  expect(Object.keys(copy)).toEqual(['__proto__', 'b']);
  expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  expect(JSON.stringify(copy)).toBe('{"__proto__":{"x":2},"b":1}');
});

describe.each(targets)('a __proto__ map key on %s', (target) => {
  let fresh: FreshDatabase;
  let dir: string;
  const cli = (args: string[]) =>
    runCli([...(fresh.url ? ['--database-url', fresh.url] : []), ...args], {
      cwd: dir,
      env: { AZKEY: 'abcdefghijklmnopqrstuvwxyz012345' },
      database: fresh.db,
    });
  const deployments = async (): Promise<string> =>
    (await fresh.db.query<{ d: string }>(`select config->'deployments' as d from providers where name = 'az'`)).rows[0]?.d ?? '';

  beforeEach(async () => {
    fresh = await freshDatabase(target);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-proto-'));
    fs.mkdirSync(path.join(dir, 'cfg'));
    fs.writeFileSync(path.join(dir, 'cfg', 'providers.yaml'), YAML);
  });
  afterEach(async () => {
    await fresh.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each([['apply'], ['apply --plan']])('%s writes the key the plan shows', async (how) => {
    const planned = await cli(['plan', 'cfg', '--out', 'p.json']);
    expect(planned.stdout).toContain('config.deployments.__proto__:');
    const r = how === 'apply' ? await cli(['-q', 'apply', 'cfg', '--auto-approve']) : await cli(['-q', 'apply', '--plan', 'p.json', '--auto-approve']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(JSON.stringify(await deployments()))).toEqual(JSON.parse('{"__proto__": "proto-dep", "constructor": "ctor-dep", "gpt-4o": "g"}'));
    // Nothing left to do, and nothing drifted.
    expect((await cli(['plan', 'cfg', '--detailed-exitcode'])).code).toBe(0);
    expect((await cli(['drift', 'cfg'])).code).toBe(0);
  });
});
