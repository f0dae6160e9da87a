// The schema compiles the way src/config compiles it, agrees with src/domain/kinds.ts, documents
// every property, and accepts every example document (which in turn exercise every kind and
// every secret source).
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, parse } from 'yaml';
import {
  PROVIDER_KINDS,
  PROVIDER_STATUSES,
  MODEL_KINDS,
  ON_REMOVE,
  SECRET_SOURCES,
  CATALOG_VERSION,
} from '../../src/domain/kinds';
import {
  DEFAULT_PRIORITY,
  DEFAULT_ROUTING,
  DEFAULT_WEIGHT,
  FAILOVER_TRIGGERS,
  GRANT_SUBJECT_TYPES,
  ROUTING_STRATEGIES,
} from '../../src/domain/routing';
import { ROOT, SCHEMA_PATH, Json, loadSchema, compileSchema, errorsOf, describeErrors } from './compile';

const schema = loadSchema();
const validate = compileSchema(schema);
const EXAMPLES = path.join(ROOT, 'examples');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (ent.name.startsWith('.') || ent.name === 'node_modules') continue;
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(ent.name)) out.push(p);
  }
  return out.sort();
}

interface ExampleDoc {
  file: string;
  index: number;
  data: Json;
}

function exampleDocs(): ExampleDoc[] {
  const docs: ExampleDoc[] = [];
  for (const file of yamlFiles(EXAMPLES)) {
    parseAllDocuments(fs.readFileSync(file, 'utf8')).forEach((d, index) => {
      if ('errors' in d && d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
      docs.push({ file: path.relative(ROOT, file), index, data: d.toJS() });
    });
  }
  return docs;
}

describe('providers.schema.json: compiles', () => {
  test('compiles with Ajv2020 {allErrors, verbose, strict: false, discriminator: true} + ajv-formats', () => {
    expect(typeof validate).toBe('function');
  });

  test('is draft 2020-12 with the pinned $id', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('https://codevector.dev/schemas/cvctl/providers.schema.json');
  });

  test('has no unknown keywords or formats (strictSchema: a misspelt keyword would be silently ignored)', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Ajv2020 = require('ajv/dist/2020').default;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addFormats = require('ajv-formats').default;
    const ajv = new Ajv2020({ allErrors: true, strictSchema: true, strictNumbers: true, strictTuples: true, strictTypes: false, strictRequired: false });
    addFormats(ajv);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  test('accepts a document with no providers', () => {
    expect(errorsOf(validate, { version: 1, providers: [] })).toEqual([]);
  });

  test('accepts models or grants beside or instead of providers', () => {
    const models = [{ name: 'chat', backends: [{ providerModel: 'openai-prod/gpt-4o' }] }];
    const accessGrants = [{ model: 'chat', subject: { user: 'ana@example.com' }, expiresAt: '2027-06-30T18:00:00+02:00' }];
    expect(errorsOf(validate, { version: 1, models })).toEqual([]);
    expect(errorsOf(validate, { version: 1, accessGrants })).toEqual([]);
    expect(errorsOf(validate, { version: 1, providers: [], models, accessGrants })).toEqual([]);
  });
});

describe('providers.schema.json: the policy section (CONTRACT.md section 7)', () => {
  // The contract's example, rule for rule.
  const contract = {
    maxPricePerMTok: { input: 20, output: 80 },
    allowedProviderKinds: ['openai', 'anthropic', 'azure', 'bedrock'],
    allowedRegions: { bedrock: ['eu-central-1', 'eu-west-1'], vertex: ['europe-west4'] },
    requireFallback: true,
    requireGrantLimits: true,
    maxMonthlyCostIncrease: 500,
  };

  test('a document may hold version + policy only; every rule is optional', () => {
    expect(errorsOf(validate, { version: 1, policy: contract })).toEqual([]);
    expect(errorsOf(validate, { version: 1, policy: {} })).toEqual([]);
    for (const [rule, value] of Object.entries(contract)) expect([rule, errorsOf(validate, { version: 1, policy: { [rule]: value } })]).toEqual([rule, []]);
    expect(errorsOf(validate, { version: 1, providers: [], policy: { maxPricePerMTok: { output: 80 } } })).toEqual([]);
  });

  test.each([
    ['an unknown rule', { requireFallbacks: true }, '/policy', 'additionalProperties'],
    ['a price cap with neither input nor output', { maxPricePerMTok: {} }, '/policy/maxPricePerMTok', 'minProperties'],
    ['a negative price cap', { maxPricePerMTok: { input: -1 } }, '/policy/maxPricePerMTok/input', 'minimum'],
    ['an unknown provider kind', { allowedProviderKinds: ['openai', 'gpt'] }, '/policy/allowedProviderKinds/1', 'enum'],
    ['a kind twice', { allowedProviderKinds: ['openai', 'openai'] }, '/policy/allowedProviderKinds', 'uniqueItems'],
    ['regions for a kind without a region setting', { allowedRegions: { openai: ['us'] } }, '/policy/allowedRegions', 'additionalProperties'],
    ['a region that is not one', { allowedRegions: { bedrock: ['EU Central'] } }, '/policy/allowedRegions/bedrock/0', 'pattern'],
    ['requireFallback as a string', { requireFallback: 'yes' }, '/policy/requireFallback', 'type'],
    ['a negative cost increase', { maxMonthlyCostIncrease: -5 }, '/policy/maxMonthlyCostIncrease', 'minimum'],
  ])('rejects %s', (_name, policy, instancePath, keyword) => {
    const errors = errorsOf(validate, { version: 1, policy });
    expect(errors.map((e) => [e.instancePath, e.keyword])).toContainEqual([instancePath, keyword]);
  });

  test('allowedProviderKinds lists PROVIDER_KINDS; allowedRegions the kinds that have config.region or config.location', () => {
    const policy = schema.$defs.policy;
    expect(policy.properties.allowedProviderKinds.items.enum).toEqual([...PROVIDER_KINDS]);
    const withRegion = PROVIDER_KINDS.filter((k) => {
      const props = Object.keys(schema.$defs[`config.${k}`].properties ?? {});
      return props.includes('region') || props.includes('location');
    });
    expect(Object.keys(schema.$defs.policyRegions.properties)).toEqual(withRegion);
  });
});

describe('providers.schema.json: agrees with src/domain/kinds.ts', () => {
  const provider = schema.$defs.provider;

  test('kind enum is PROVIDER_KINDS', () => {
    expect(provider.properties.kind.enum).toEqual([...PROVIDER_KINDS]);
  });

  test('status, onRemove, model kind and model status enums', () => {
    expect(provider.properties.status.enum).toEqual([...PROVIDER_STATUSES]);
    expect(provider.properties.onRemove.enum).toEqual([...ON_REMOVE]);
    expect(schema.$defs.customModel.properties.kind.enum).toEqual([...MODEL_KINDS]);
    expect(schema.$defs.customModel.properties.status.enum).toEqual([...PROVIDER_STATUSES]);
  });

  const NAME_RULE = '^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$';
  test('provider name pattern is the contract\'s name rule (CONTRACT.md section 1), and so are model names', () => {
    expect(schema.$defs.providerName.pattern).toBe(NAME_RULE);
    expect(schema.$defs.modelName.pattern).toBe(NAME_RULE);
    expect(schema.$defs.model.properties.renamedFrom.pattern).toBe(NAME_RULE);
  });

  test('models and grants agree with src/domain/routing.ts', () => {
    const { routing, backend, model } = schema.$defs;
    expect(routing.properties.strategy.enum).toEqual([...ROUTING_STRATEGIES]);
    expect(routing.properties.failoverOn.items.enum).toEqual([...FAILOVER_TRIGGERS]);
    expect(Object.keys(schema.$defs.grantSubject.properties)).toEqual([...GRANT_SUBJECT_TYPES]);
    expect(model.properties.kind.enum).toEqual([...MODEL_KINDS]);
    expect(model.properties.status.enum).toEqual([...PROVIDER_STATUSES]);
    expect(model.properties.onRemove.enum).toEqual([...ON_REMOVE]);
    expect(backend.properties.status.enum).toEqual([...PROVIDER_STATUSES]);
    // The defaults editors show are the ones src/config applies.
    expect(routing.properties.strategy.default).toBe(DEFAULT_ROUTING.strategy);
    expect(routing.properties.retries.default).toBe(DEFAULT_ROUTING.retries);
    expect(routing.properties.failoverOn.default).toEqual(DEFAULT_ROUTING.failoverOn);
    expect(backend.properties.priority.default).toBe(DEFAULT_PRIORITY);
    expect(backend.properties.weight.default).toBe(DEFAULT_WEIGHT);
  });

  test('one if/then per kind, pointing at that kind\'s config and credentials', () => {
    const kinds = provider.allOf.map((c: Json) => c.if.properties.kind.const);
    expect(kinds).toEqual([...PROVIDER_KINDS]);
    for (const c of provider.allOf) {
      const k = c.if.properties.kind.const;
      expect(c.if.required).toEqual(['kind']);
      expect(c.then.properties.config.$ref).toBe(`#/$defs/config.${k}`);
      expect(c.then.properties.credentials.$ref).toBe(`#/$defs/credentials.${k}`);
      expect(schema.$defs[`config.${k}`]).toBeDefined();
      expect(schema.$defs[`credentials.${k}`]).toBeDefined();
      expect(schema.$defs[`config.${k}`].properties.baseUrl).toBeDefined();
    }
  });

  test('secret reference: from enum is SECRET_SOURCES, one variant per source', () => {
    const ref = schema.$defs.secretRef;
    expect(ref.properties.from.enum).toEqual([...SECRET_SOURCES]);
    expect(ref.allOf.map((c: Json) => c.if.properties.from.const)).toEqual([...SECRET_SOURCES]);
    for (const s of SECRET_SOURCES) {
      const v = schema.$defs[`secretRef.${s}`];
      expect(v.additionalProperties).toBe(false);
      expect(v.properties.from.const).toBe(s);
    }
  });
});

/** Every schema node below `node`, with its JSON pointer. */
function* walk(node: Json, ptr: string): Generator<[string, Json]> {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* walk(node[i], `${ptr}/${i}`);
    return;
  }
  yield [ptr, node];
  for (const [k, v] of Object.entries(node)) {
    if (['enum', 'const', 'default', 'examples', 'required'].includes(k)) continue;
    if (k === 'properties' || k === '$defs' || k === 'dependentRequired') {
      for (const [name, sub] of Object.entries(v as object)) yield* walk(sub, `${ptr}/${k}/${name}`);
    } else {
      yield* walk(v, `${ptr}/${k}`);
    }
  }
}

/** Inside if/then/else/oneOf a subschema only adds constraints to a property documented elsewhere. */
const isConstraintOnly = (ptr: string) => /\/(if|then|else|oneOf|allOf)(\/|$)/.test(ptr);

describe('providers.schema.json: hygiene', () => {
  test('every object with properties forbids additional properties (except the secretRef dispatcher)', () => {
    const open: string[] = [];
    for (const [ptr, node] of walk(schema, '#')) {
      if (isConstraintOnly(ptr) || ptr === '#/$defs/secretRef') continue;
      if (node.properties && node.additionalProperties !== false) open.push(ptr);
    }
    expect(open).toEqual([]);
  });

  test('every declared property has a title and a description', () => {
    const missing: string[] = [];
    for (const [ptr, node] of walk(schema, '#')) {
      if (isConstraintOnly(ptr) || !node.properties) continue;
      for (const [name, sub] of Object.entries(node.properties as Record<string, Json>)) {
        if (!sub.title || !sub.description) missing.push(`${ptr}/properties/${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('every string is bounded (maxLength, enum, const or format date)', () => {
    const unbounded: string[] = [];
    for (const [ptr, node] of walk(schema, '#')) {
      if (isConstraintOnly(ptr)) continue;
      if (node.type === 'string' && node.maxLength === undefined) unbounded.push(ptr);
    }
    expect(unbounded).toEqual([]);
  });

  test('every object map (labels, deployments) bounds its keys and size', () => {
    for (const [ptr, node] of walk(schema, '#')) {
      if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') {
        expect([ptr, node.propertyNames?.maxLength]).toEqual([ptr, expect.any(Number)]);
        expect([ptr, node.maxProperties]).toEqual([ptr, expect.any(Number)]);
      }
    }
  });

  test('every array is bounded', () => {
    for (const [ptr, node] of walk(schema, '#')) {
      if (node.type === 'array') expect([ptr, node.maxItems]).toEqual([ptr, expect.any(Number)]);
    }
  });
});

describe('examples', () => {
  const docs = exampleDocs();
  const files = yamlFiles(EXAMPLES);

  test('there are examples', () => {
    expect(files.map((f) => path.relative(ROOT, f))).toEqual(
      expect.arrayContaining(['examples/basic/providers.yaml', 'examples/platform/providers/openai.yaml']),
    );
    expect(docs.length).toBeGreaterThanOrEqual(6);
  });

  test.each(files.map((f) => [path.relative(ROOT, f), f]))(
    '%s starts with a yaml-language-server $schema comment that resolves to the schema',
    (_rel, file) => {
      const first = fs.readFileSync(file, 'utf8').split('\n')[0];
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(m).not.toBeNull();
      expect(path.resolve(path.dirname(file), m![1])).toBe(SCHEMA_PATH);
    },
  );

  test.each(docs.map((d) => [`${d.file} #${d.index + 1}`, d]))('%s validates', (_name, d) => {
    const errors = errorsOf(validate, d.data);
    if (errors.length) throw new Error(describeErrors(errors));
  });

  const providers = docs.flatMap((d) => ((d.data.providers ?? []) as Json[]).map((p) => ({ ...p, file: d.file })));
  const models = docs.filter((d) => d.file.startsWith('examples/platform/')).flatMap((d) => (d.data.models ?? []) as Json[]);
  const grants = docs.filter((d) => d.file.startsWith('examples/platform/')).flatMap((d) => (d.data.accessGrants ?? []) as Json[]);
  const platform = providers.filter((p) => p.file.startsWith('examples/platform/'));

  test('provider names are unique across all examples (cvctl validate examples passes)', () => {
    const names = providers.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test('the platform example uses all 12 kinds', () => {
    expect(new Set(platform.map((p) => p.kind))).toEqual(new Set(PROVIDER_KINDS));
  });

  test('the platform example uses every secret source, aws-secrets-manager with jsonKey', () => {
    const refs = platform.flatMap((p) => Object.values((p.credentials ?? {}) as Record<string, Json>));
    expect(new Set(refs.map((r) => r.from))).toEqual(new Set(SECRET_SOURCES));
    expect(refs.some((r) => r.from === 'aws-secrets-manager' && r.jsonKey)).toBe(true);
  });

  test('the platform example shows disabled, protected, onRemove: disable, labels, excludes, two documents in a file', () => {
    expect(platform.some((p) => p.status === 'disabled')).toBe(true);
    expect(platform.some((p) => p.protected === true)).toBe(true);
    expect(platform.some((p) => p.onRemove === 'disable')).toBe(true);
    expect(platform.every((p) => p.labels?.team && p.labels?.['cost-center'] && p.labels?.env)).toBe(true);
    expect(platform.some((p) => p.models?.exclude?.length)).toBe(true);
    const perFile = new Map<string, number>();
    for (const d of docs) perFile.set(d.file, (perFile.get(d.file) ?? 0) + 1);
    expect([...perFile.values()].some((n) => n >= 2)).toBe(true);
  });

  test('the platform example shows models with fallback and weighted routing, and grants for groups and users', () => {
    expect(models.some((m) => (m.routing?.strategy ?? 'fallback') === 'fallback' && new Set(m.backends.map((b: Json) => b.priority ?? 1)).size > 1)).toBe(true);
    expect(models.some((m) => m.routing?.strategy === 'weighted' && m.backends.length >= 3)).toBe(true);
    expect(models.some((m) => m.kind === 'embedding')).toBe(true);
    expect(grants.some((g) => g.subject.group)).toBe(true);
    expect(grants.some((g) => g.subject.user && g.expiresAt)).toBe(true);
    expect(grants.some((g) => g.limits && Object.keys(g.limits).length === 3)).toBe(true);
  });

  test('every `from: file` reference points at a file that exists', () => {
    const fileRefs = providers.flatMap((p) =>
      Object.values((p.credentials ?? {}) as Record<string, Json>)
        .filter((r) => r.from === 'file')
        .map((r) => path.resolve(ROOT, path.dirname(p.file), r.path)),
    );
    expect(fileRefs.length).toBeGreaterThan(0);
    for (const f of fileRefs) expect(fs.existsSync(f)).toBe(true);
  });

  test('catalog versions are the bundled one, and excluded ids exist in the bundled catalog', () => {
    for (const p of providers) {
      if (!p.models?.catalog) continue;
      expect([p.name, p.models.catalog]).toEqual([p.name, CATALOG_VERSION]);
      const catalogFile = path.join(ROOT, 'catalog', `${p.kind}.yaml`);
      if (!fs.existsSync(catalogFile)) continue; // catalog not written yet
      const ids = new Set(((parse(fs.readFileSync(catalogFile, 'utf8'))?.models ?? []) as Json[]).map((m) => m.id));
      for (const id of p.models.exclude ?? []) expect([p.name, id, ids.has(id)]).toEqual([p.name, id, true]);
      // custom entries without a kind are overrides, so they must be catalog ids
      for (const c of p.models.custom ?? []) {
        if (c.kind === undefined) expect([p.name, c.id, ids.has(c.id)]).toEqual([p.name, c.id, true]);
      }
    }
  });
});
