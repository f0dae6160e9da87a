// Issue 11, item 1: a canary through EVERY kind × credential field × secret source. One work
// directory declares one provider per (credential set of a kind, source), every field of it
// read from that source: 13 credential sets (azure twice: API key, Entra app; bedrock with a
// session token) × 7 sources = 91 providers and 119 credential values, all canaries. The values
// are realistic keys AND the attack values of the issue: a DATABASE_URL and the content of
// /proc/self/environ in `accessKeyId`, in `apiKey`, in `clientSecret`, and a service-account
// JSON whose client_email is a DATABASE_URL.
//
// Every command runs (validate, plan in three formats, plan --out, show in three formats,
// apply --plan, a rotation of every value, plan/drift in three formats, apply, export,
// history, error paths), then stdout, stderr, every file written and every table are searched
// for each canary's secret part; and every prefix (plan JSON before/after, drift JSON,
// providers.credential_prefix) is checked against the bound: at most a quarter of its value,
// at most 12 characters, a prefix of the value (of the client_email for a service account),
// and null for a value that is not shaped like its field.
//
// The full cross-product runs (no sampling): one run of each command covers all 91 providers.
// The first database target runs every command above; the other (the embedded database, where
// each command opens the database for seconds) runs those whose output or storage depends on
// the database (plan --out, both applies, drift JSON, export, history): the others render the
// same plan the saved file holds, which is checked on both. The files also hold a policy (that
// holds) and the first provider one priced model with usage, so every plan after the first
// apply carries a cost estimate and a policy result, searched like everything else.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { targets } from '../support/db';
import type { CliResult } from '../support/cli';
import { allRows, expectExit, saidAndWritten, workspace, type Workspace } from './support';
import { installAzureTls, makeValues, startEmulators, type Emulators } from './emulators';

const SOURCES = ['env', 'file', 'aws-secrets-manager', 'aws-ssm', 'vault', 'gcp-secret-manager', 'azure-key-vault'] as const;
type Source = (typeof SOURCES)[number];

/** A kind's credential set, with the config it needs. */
interface CredentialSet {
  id: string;
  kind: string;
  config: string;
  fields: string[];
}

const SETS: CredentialSet[] = [
  { id: 'openai', kind: 'openai', config: '', fields: ['apiKey'] },
  { id: 'anthropic', kind: 'anthropic', config: '', fields: ['apiKey'] },
  { id: 'azure', kind: 'azure', config: '{endpoint: "https://acme.openai.azure.com", apiVersion: "2024-10-21"}', fields: ['apiKey'] },
  {
    id: 'azure-ad',
    kind: 'azure',
    config: '{endpoint: "https://acme.openai.azure.com", apiVersion: "2024-10-21"}',
    fields: ['tenantId', 'clientId', 'clientSecret'],
  },
  { id: 'bedrock', kind: 'bedrock', config: '{region: us-east-1}', fields: ['accessKeyId', 'secretAccessKey', 'sessionToken'] },
  { id: 'google', kind: 'google', config: '', fields: ['apiKey'] },
  { id: 'vertex', kind: 'vertex', config: '{project: proj-one, location: us-central1}', fields: ['serviceAccountJson'] },
  { id: 'vertex-anthropic', kind: 'vertex-anthropic', config: '{project: proj-one, location: us-east5}', fields: ['serviceAccountJson'] },
  { id: 'groq', kind: 'groq', config: '', fields: ['apiKey'] },
  { id: 'cohere', kind: 'cohere', config: '', fields: ['apiKey'] },
  { id: 'deepseek', kind: 'deepseek', config: '', fields: ['apiKey'] },
  { id: 'moonshot', kind: 'moonshot', config: '', fields: ['apiKey'] },
  { id: 'compat', kind: 'openai-compatible', config: '{baseUrl: "https://llm.internal.example/v1"}', fields: ['apiKey'] },
];

const PRIMARY: Record<string, string> = { bedrock: 'accessKeyId', vertex: 'serviceAccountJson', 'vertex-anthropic': 'serviceAccountJson' };
const primaryField = (kind: string): string => PRIMARY[kind] ?? 'apiKey';

const VENDOR: Record<string, string> = {
  openai: 'sk-proj-',
  anthropic: 'sk-ant-api03-',
  google: 'AIza',
  groq: 'gsk_',
  deepseek: 'sk-',
  moonshot: 'sk-',
  compat: 'xai-',
};

/** One canary value: `needle` is its secret part (never in the first 12 characters). */
interface Canary {
  value: string;
  needle: string;
  /** The value is not shaped like its field: no prefix may show. */
  attack: boolean;
}

const hex = (n: number): string => randomBytes(n).toString('hex');

/** The attack shapes of the issue, carrying the needle where a password or a secret sits. */
function databaseUrl(needle: string): string {
  return `postgres://codevector:${needle}@db.internal.example:5432/codevector?sslmode=require`;
}
function environ(needle: string, sep: string): string {
  return ['PATH=/usr/local/bin:/usr/bin', 'HOSTNAME=ci-runner-7', `DATABASE_URL=postgres://app:${needle}@db/prod`, 'HOME=/root'].join(sep) + sep;
}

/**
 * The value of (set, field, source i). Attack values rotate over the sources, so each attack
 * shape goes through several backends and every source carries at least one of them.
 */
function canaryFor(set: CredentialSet, field: string, i: number, source: Source): Canary {
  const needle = `CNRY${hex(8).toUpperCase()}`; // 20 characters, unique per value and per run
  const sep = source === 'env' ? '\n' : '\0'; // an environment variable cannot hold NUL
  const attack = (n: number): number => (i + set.fields.indexOf(field)) % n;
  switch (field) {
    case 'accessKeyId': {
      const shape = attack(3);
      if (shape === 1) return { value: databaseUrl(needle), needle, attack: true };
      if (shape === 2) return { value: environ(needle, sep), needle, attack: true };
      // A real-shaped id: AKIA + 16 of [A-Z0-9]; the rule shows 5 characters, the needle starts at 8.
      const id = `${i % 2 === 0 ? 'AKIA' : 'ASIA'}KEY${needle.slice(4, 17)}`;
      return { value: id, needle: id.slice(7), attack: false };
    }
    case 'secretAccessKey':
      return { value: `wJalrXUtnFEMI/K7MDENG/${needle}`, needle, attack: false };
    case 'sessionToken':
      return { value: `IQoJb3JpZ2luX2VjEJr//////////${needle}${'Q'.repeat(200)}`, needle, attack: false };
    case 'tenantId':
    case 'clientId': {
      const g = hex(16);
      const guid = `${g.slice(0, 8)}-${g.slice(8, 12)}-4${g.slice(13, 16)}-8${g.slice(17, 20)}-${g.slice(20, 32)}`;
      return { value: guid, needle: guid.slice(9), attack: false };
    }
    case 'clientSecret':
      return attack(2) === 1 ? { value: databaseUrl(needle), needle, attack: true } : { value: `Qx~8Q~abcd${needle}.~x`, needle, attack: false };
    case 'serviceAccountJson': {
      const pem = `-----BEGIN PRIVATE KEY-----\nMIIEv${needle}QIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n`;
      const email = attack(2) === 1 ? databaseUrl(needle) : `svc-${i}-abcdefgh@proj-one.iam.gserviceaccount.com`;
      return {
        value: JSON.stringify({ type: 'service_account', project_id: 'proj-one', private_key_id: hex(8), private_key: pem, client_email: email }),
        needle,
        attack: attack(2) === 1,
      };
    }
    default: {
      // apiKey: a realistic key of the kind, a DATABASE_URL or /proc/self/environ.
      const shape = attack(3);
      if (shape === 1) return { value: databaseUrl(needle), needle, attack: true };
      if (shape === 2) return { value: environ(needle, sep), needle, attack: true };
      return { value: `${VENDOR[set.id] ?? ''}abcd${needle}${hex(12)}`, needle, attack: false };
    }
  }
}

interface Slot {
  provider: string;
  set: CredentialSet;
  field: string;
  source: Source;
  n: number;
}

const slots: Slot[] = SETS.flatMap((set) =>
  SOURCES.flatMap((source) => set.fields.map((field) => ({ provider: `${set.id}-${source}`, set, field, source, n: 0 }))),
).map((s, n) => ({ ...s, n }));

function referenceOf(s: Slot, azureVaultUrl: string): string {
  switch (s.source) {
    case 'env':
      return `{from: env, name: M_${s.n}}`;
    case 'file':
      return `{from: file, path: secrets/m${s.n}.txt}`;
    case 'aws-secrets-manager':
      return `{from: aws-secrets-manager, secretId: matrix/m${s.n}}`;
    case 'aws-ssm':
      return `{from: aws-ssm, name: /matrix/m${s.n}}`;
    case 'vault':
      return `{from: vault, path: matrix/${s.provider}, field: ${s.field}}`;
    case 'gcp-secret-manager':
      return `{from: gcp-secret-manager, name: projects/proj-1/secrets/m${s.n}}`;
    case 'azure-key-vault':
      return `{from: azure-key-vault, vaultUrl: "${azureVaultUrl}", name: m${s.n}}`;
  }
}

function filesYaml(azureVaultUrl: string): string {
  const providers = new Map<string, Slot[]>();
  for (const s of slots) providers.set(s.provider, [...(providers.get(s.provider) ?? []), s]);
  const blocks = [...providers.values()].map((fields) => {
    const { provider, set } = fields[0]!;
    const creds = fields.map((s) => `      ${s.field}: ${referenceOf(s, azureVaultUrl)}\n`).join('');
    return `  - name: ${provider}\n    kind: ${set.kind}\n${set.config ? `    config: ${set.config}\n` : ''}    credentials:\n${creds}`;
  });
  // One priced model on the first provider: usage on it gives every later plan a cost block.
  blocks[0] += '    models:\n      custom:\n        - {id: canary-chat, kind: chat, pricing: {inputPerMTok: 1, outputPerMTok: 2}}\n';
  return `version: 1\nproviders:\n${blocks.join('')}`;
}

/** A policy every provider passes: the plans show a Policy block with no violations. */
const POLICY_YAML = `version: 1
policy:
  allowedProviderKinds: [${[...new Set(SETS.map((s) => s.kind))].join(', ')}]
  maxMonthlyCostIncrease: 1000000
`;

/** What a shown or stored prefix of `value` may be (field-aware): the bound of issue 11. */
function boundProblem(where: string, field: string, c: Canary, prefix: unknown): string | null {
  if (prefix === null || prefix === undefined) return null;
  if (typeof prefix !== 'string') return `${where}: prefix is not a string`;
  if (c.attack) return `${where}: a value not shaped like ${field} shows a prefix (${prefix.length} chars)`;
  if (prefix.length > 12) return `${where}: prefix of ${prefix.length} characters`;
  if (prefix.length > Math.floor(c.value.length / 4)) return `${where}: prefix longer than a quarter of the value`;
  const of = field === 'serviceAccountJson' ? (JSON.parse(c.value) as { client_email: string }).client_email : c.value;
  if (!of.startsWith(prefix)) return `${where}: the prefix is not the start of the ${field === 'serviceAccountJson' ? 'client_email' : 'value'}`;
  return null;
}

describe.each(targets)('a canary through every kind × credential field × secret source, on %s', (target) => {
  let emu: Emulators;
  let ws: Workspace;
  let undoTls: () => void = () => undefined;
  const envVars: Record<string, string> = {};
  /** Every generation of values (the first, then the rotation): what must never show. */
  const generations: Map<number, Canary>[] = [];

  /** New canaries in every slot, written where each source reads them. */
  function seed(): Map<number, Canary> {
    const g = new Map<number, Canary>();
    const vaultData = new Map<string, Record<string, string>>();
    for (const s of slots) {
      const c = canaryFor(s.set, s.field, SOURCES.indexOf(s.source), s.source);
      g.set(s.n, c);
      switch (s.source) {
        case 'env':
          envVars[`M_${s.n}`] = c.value;
          break;
        case 'file':
          ws.write(`repo/secrets/m${s.n}.txt`, `${c.value}\n`);
          break;
        case 'aws-secrets-manager':
          emu.sm.putSecret(`matrix/m${s.n}`, c.value);
          break;
        case 'aws-ssm':
          emu.ssm.putParameter(`/matrix/m${s.n}`, c.value);
          break;
        case 'vault':
          vaultData.set(s.provider, { ...(vaultData.get(s.provider) ?? {}), [s.field]: c.value });
          break;
        case 'gcp-secret-manager':
          emu.gcp.addVersion('proj-1', `m${s.n}`, c.value);
          break;
        case 'azure-key-vault':
          emu.kv.setSecret(`m${s.n}`, c.value);
          break;
      }
    }
    for (const [p, data] of vaultData) emu.vault.put(`matrix/${p}`, data);
    generations.push(g);
    return g;
  }

  beforeAll(async () => {
    emu = await startEmulators(makeValues());
    undoTls = installAzureTls(emu.handles.kv.url);
    ws = await workspace(target, () => ({ ...emu.env, ...envVars }));
    ws.write('repo/providers.yaml', filesYaml(emu.azureVaultUrl));
    ws.write('repo/policy.yaml', POLICY_YAML);
  });

  afterAll(async () => {
    undoTls();
    await ws?.cleanup();
    await emu?.stop();
  });

  test('no output, file or table holds a canary; every prefix is within the bound', async () => {
    expect(slots).toHaveLength(119);
    expect(new Set(slots.map((s) => s.provider)).size).toBe(SETS.length * SOURCES.length);
    const outputs: Array<[string, CliResult]> = [];
    const cli = async (args: string[]): Promise<CliResult> => {
      const r = await ws.cli(args);
      outputs.push([args.join(' '), r]);
      return r;
    };
    /** Prefixes in a plan or drift JSON, checked against the generation(s) they describe. */
    const prefixProblems: string[] = [];
    const checkJsonPrefixes = (label: string, json: string, before: Map<number, Canary> | null, after: Map<number, Canary>): void => {
      const doc = JSON.parse(json) as { changes: Array<{ resource: { type: string; name: string }; fields?: Array<{ path: string; before: unknown; after: unknown }> }> };
      let seen = 0;
      for (const c of doc.changes) {
        if (c.resource.type !== 'provider') continue;
        for (const f of c.fields ?? []) {
          if (!f.path.startsWith('credentials.')) continue;
          const field = f.path.slice('credentials.'.length);
          const slot = slots.find((s) => s.provider === c.resource.name && s.field === field)!;
          for (const [side, gen] of [['after', after], ['before', before]] as const) {
            const v = (side === 'after' ? f.after : f.before) as { sensitive?: boolean; prefix?: unknown } | null;
            if (v === null || gen === null) continue;
            expect(v.sensitive).toBe(true);
            seen++;
            const p = boundProblem(`${label} ${c.resource.name}.${field} ${side}`, field, gen.get(slot.n)!, v.prefix);
            if (p) prefixProblems.push(p);
          }
        }
      }
      expect(seen).toBeGreaterThan(0);
    };
    const checkStoredPrefixes = async (label: string, gen: Map<number, Canary>): Promise<void> => {
      const rows = await ws.withDb((db) => db.query<{ name: string; kind: string; p: string | null }>('select name, kind, credential_prefix as p from providers'));
      expect(rows.rows).toHaveLength(91);
      for (const r of rows.rows) {
        const field = primaryField(r.kind);
        const slot = slots.find((s) => s.provider === r.name && s.field === field);
        // azure-ad providers store no prefix (their primary field, apiKey, is not declared)
        if (slot === undefined) {
          expect(r.p).toBeNull();
          continue;
        }
        const c = gen.get(slot.n)!;
        const p = boundProblem(`${label} providers.credential_prefix of ${r.name}`, field, c, r.p);
        if (p) prefixProblems.push(p);
        if (!c.attack && field === 'accessKeyId') expect(r.p).toBe(c.value.slice(0, 5));
        if (c.attack) expect(r.p).toBeNull();
      }
    };

    const full = target === targets[0];
    const first = seed();
    if (full) {
      expectExit(await cli(['validate', 'repo']), 0);
      for (const output of ['text', 'markdown']) expectExit(await cli(['plan', 'repo', '--output', output, '-v']), 0);
    }
    if (full) {
      const planJson = await cli(['plan', 'repo', '--output', 'json']);
      expectExit(planJson, 0);
      checkJsonPrefixes('plan', planJson.stdout, null, first);
    }
    expectExit(await cli(['plan', 'repo', '--out', 'plan.json']), 0);
    checkJsonPrefixes('saved plan', fs.readFileSync(path.join(ws.cwd, 'plan.json'), 'utf8'), null, first);
    if (full) for (const output of ['text', 'json', 'markdown']) expectExit(await cli(['show', 'plan.json', '--output', output]), 0);
    expectExit(await cli(['apply', '--plan', 'plan.json', '--auto-approve', '-v']), 0);
    await checkStoredPrefixes('first apply', first);
    // The gateway's usage of the priced model, inside the cost window (the CLI's clock: 2026-11-24).
    await ws.withDb((db) =>
      db.query(`insert into usage_daily (day, provider_model_id, requests, input_tokens, output_tokens)
        select '2026-11-20', id, 10, 1000000, 500000 from provider_models where model_id = 'canary-chat'`),
    );

    // Every value rotated: plans and drift show before (stored) and after (new) prefixes.
    const second = seed();
    if (full) {
      for (const output of ['text', 'markdown']) expectExit(await cli(['plan', 'repo', '--output', output]), 0);
      const rotated = await cli(['plan', 'repo', '--output', 'json']);
      expectExit(rotated, 0);
      checkJsonPrefixes('rotation plan', rotated.stdout, first, second);
      expect(JSON.parse(rotated.stdout)).toMatchObject({ cost: { before: 2, after: 2 }, policy: { violations: [] } });
    }
    if (full) for (const output of ['text', 'markdown']) await cli(['drift', 'repo', '--output', output]);
    const drift = await cli(['drift', 'repo', '--output', 'json']);
    checkJsonPrefixes('drift', drift.stdout, first, second);
    if (full) expectExit(await cli(['apply', '--plan', 'plan.json', '--auto-approve', '-v']), 1); // stale: refused
    expectExit(await cli(['apply', 'repo', '--auto-approve', '-v']), 0);
    await checkStoredPrefixes('rotation apply', second);
    expectExit(await cli(['export', '--out', 'exported']), 0);
    await cli(['history']);
    if (full) {
      await cli(['history', '--output', 'json']);
      await cli(['plan', 'repo', '--no-resolve-secrets', '--output', 'json']);
      // Error paths naming references: a variable gone, a source answering 500.
      delete envVars.M_0;
      expectExit(await cli(['plan', 'repo', '-v']), 1);
      envVars.M_0 = second.get(0)!.value;
      emu.vault.injectFaults({ serverErrors: 100 });
      expectExit(await cli(['apply', 'repo', '--auto-approve', '-v']), 1);
      emu.vault.injectFaults({});
    }

    expect(prefixProblems).toEqual([]);

    // Everything cvctl said, wrote and stored.
    const texts = saidAndWritten(outputs, ws.cwd);
    for (const [t, rows] of Object.entries(await ws.withDb((db) => allRows(db)))) texts.push([`table ${t}`, rows]);
    expect(texts.some(([w]) => w === 'plan.json')).toBe(true);
    expect(texts.some(([w]) => w.startsWith('exported'))).toBe(true);

    const needles = generations.flatMap((g) => [...g.values()].map((c) => c.needle));
    expect(new Set(needles).size).toBe(needles.length);
    const leaks = texts.flatMap(([where, text]) => needles.filter((n) => text.includes(n)).map((n) => `${where}: …${n.slice(-6)}`));
    expect(leaks).toEqual([]);
  }, 300_000);
});
