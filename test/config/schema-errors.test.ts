// ajv error folding on small synthetic schemas, for the rule families the bundled schema
// does not use (yet): not, oneOf of shapes, discriminator.
import { compileSchema, validateDocument } from '../../src/config/schema-validator';
import { schemaProblems } from '../../src/config/schema-errors';

function problems(schema: object, data: unknown): string[] {
  const v = compileSchema(schema);
  return schemaProblems(validateDocument(data, v), data).map((p) => `${p.code} /${p.path.join('/')}${p.at === 'key' ? ' (key)' : ''}: ${p.message}`);
}

describe('schemaProblems', () => {
  it('reports keywords it has no wording for as schema-violation', () => {
    expect(problems({ type: 'object', properties: { a: { not: { const: 'x' } } } }, { a: 'x' })).toEqual([
      "schema-violation /a: 'a' must NOT be valid",
    ]);
  });

  it('keeps only the errors of the closest oneOf branch', () => {
    const schema = {
      type: 'object',
      properties: {
        v: {
          oneOf: [
            { type: 'object', required: ['a', 'b', 'c'], properties: { a: { type: 'string' } } },
            { type: 'object', required: ['x'], properties: { x: { type: 'integer' } } },
          ],
        },
      },
    };
    expect(problems(schema, { v: { x: 'nope' } })).toEqual(["invalid-type /v/x: 'x' must be an integer, not a string"]);
  });

  it('lets errors from $ref branches explain a oneOf, merging type alternatives', () => {
    const schema = { $defs: { s: { type: 'string' }, n: { type: 'number' } }, oneOf: [{ $ref: '#/$defs/s' }, { $ref: '#/$defs/n' }] };
    expect(problems(schema, true)).toEqual(['invalid-type /: the document must be a string or a number, not true/false']);
  });

  it('reports a false schema once, and a oneOf that nothing else explains', () => {
    const schema = { oneOf: [{ $ref: '#/$defs/f' }, { $ref: '#/$defs/f' }], $defs: { f: false } };
    expect(problems(schema, 1)).toEqual(['schema-violation /: the document is not allowed here']);
    const lone = { keyword: 'oneOf', instancePath: '/x', schemaPath: '#/oneOf', params: { passingSchemas: null }, schema: [{}, {}] };
    expect(schemaProblems([lone]).map((p) => p.message)).toEqual(["'x' does not match any of the allowed forms"]);
  });

  it('understands the discriminator keyword', () => {
    const schema = {
      type: 'object',
      discriminator: { propertyName: 'from' },
      required: ['from'],
      oneOf: [
        { properties: { from: { const: 'env' }, name: { type: 'string' } } },
        { properties: { from: { const: 'file' }, path: { type: 'string' } } },
      ],
    };
    expect(problems(schema, { from: 'vault' })).toEqual(["invalid-value /from: 'from' is not one of the allowed values"]);
    expect(problems(schema, {})).toEqual(["missing-property /: missing required key 'from'"]);
  });

  it('merges several value rules broken at one place into one problem', () => {
    const schema = { type: 'object', properties: { n: { type: 'string', maxLength: 3, pattern: '^[a-z]+$' } } };
    expect(problems(schema, { n: 'ABCDE' })).toEqual([
      "invalid-value /n: 'n' must NOT have more than 3 characters, and must match ^[a-z]+$; got 'ABCDE'",
    ]);
  });

  it('offers the allowed keys when no suggestion is close, and no values under credentials', () => {
    const schema = { type: 'object', additionalProperties: false, properties: { alpha: {}, beta: {} } };
    expect(problems(schema, { zzz: 1 })).toEqual(["unknown-key /zzz (key): unknown key 'zzz' (allowed: alpha, beta)"]);
    const creds = {
      type: 'object',
      properties: { providers: { type: 'array', items: { type: 'object', properties: { credentials: { type: 'object', properties: { k: { enum: ['env'] } } } } } } },
    };
    expect(problems(creds, { providers: [{ credentials: { k: 'sk-secret' } }] })).toEqual(["invalid-value /providers/0/credentials/k: 'k' must be one of env"]);
  });
});
