import { inspect } from 'node:util';
import { CvctlError } from '../../src/errors';
import { createResolver } from '../../src/secrets/resolve';
import { SecretValue } from '../../src/secrets/resolver';
import { sealCredentials } from '../../src/crypto/envelope';
import { LocalKek } from '../../src/crypto/local-kek';
import { randomBytes } from 'node:crypto';

const CANARY = 'sk-proj-CANARY-ab12cd34ef56';

describe('SecretValue never leaks', () => {
  const v = new SecretValue(CANARY);
  const holder = { provider: 'openai-prod', credentials: { apiKey: v }, list: [v], map: new Map([['k', v]]) };

  it('through JSON.stringify', () => {
    expect(JSON.stringify(v)).toBe('"[secret]"');
    expect(JSON.stringify(holder)).not.toContain('CANARY');
  });
  it('through template strings and concatenation', () => {
    expect(`${v}`).toBe('[secret]');
    expect('key=' + v).toBe('key=[secret]');
    expect(String(v)).toBe('[secret]');
  });
  it('through util.inspect and console formatting', () => {
    expect(inspect(v)).toBe('[secret]');
    expect(inspect(holder, { depth: 10, showHidden: true })).not.toContain('CANARY');
    expect(require('node:util').format('%o %O %s %j', v, holder, v, holder)).not.toContain('CANARY');
  });
  it('through enumeration', () => {
    expect(Object.keys(v)).toEqual([]);
    expect(Object.values(v)).toEqual([]);
    expect({ ...v }).toEqual({});
  });
  it('through error messages', () => {
    const e = new CvctlError('SECRET_UNRESOLVED', `bad value ${v}`);
    expect(e.message).not.toContain('CANARY');
    expect(inspect(e)).not.toContain('CANARY');
    expect(jestLike(() => expect(v).toBe('x'))).not.toContain('CANARY');
  });
  it('only reveal() gives the value', () => {
    expect(v.reveal()).toBe(CANARY);
  });

  it('end to end: no resolver error contains a resolved value', async () => {
    const r = createResolver({ env: { GOOD: CANARY } });
    let err: unknown;
    try {
      await r.resolveAll([
        { ref: { from: 'env', name: 'GOOD' }, pos: { file: 'a.yaml', line: 1, column: 1 }, baseDir: '.' },
        { ref: { from: 'env', name: 'MISSING' }, pos: { file: 'a.yaml', line: 2, column: 1 }, baseDir: '.' },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CvctlError);
    expect(inspect(err, { depth: 10 })).not.toContain('CANARY');
    expect(JSON.stringify(err)).not.toContain('CANARY');
  });

  it('end to end: a sealed record has no plaintext in it', async () => {
    const sealed = await sealCredentials(LocalKek.fromKey(randomBytes(32)), 'row-1', { apiKey: v });
    expect(JSON.stringify(sealed)).not.toContain('CANARY');
    expect(inspect(sealed)).not.toContain('CANARY');
  });
});

function jestLike(f: () => void): string {
  try {
    f();
  } catch (e) {
    return String((e as Error).message);
  }
  return '';
}
