import { randomBytes } from 'node:crypto';
import { CvctlError } from '../../src/errors';
import {
  credentialsAad,
  credentialsContext,
  openCredentials,
  sealCredentials,
  type SealedCredentials,
} from '../../src/crypto/envelope';
import { LocalKek } from '../../src/crypto/local-kek';
import { SecretValue } from '../../src/secrets/resolver';

const ROW_A = '7b0b6a4e-2f55-4b7e-9d3c-0a1b2c3d4e5f';
const ROW_B = '0f1e2d3c-4b5a-4697-8877-665544332211';
const CANARY = 'sk-proj-CANARY-d41d8cd98f00b204e9800998ecf8427e';

const kek = LocalKek.fromKey(randomBytes(32));
const fields = () => ({ apiKey: new SecretValue(CANARY), organization: new SecretValue('org-ünïcode-✓') });

async function integrityError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CvctlError);
    expect((e as CvctlError).code).toBe('CRYPTO_INTEGRITY');
    expect((e as CvctlError).message).not.toContain('CANARY');
    return (e as CvctlError).message;
  }
  throw new Error('expected CRYPTO_INTEGRITY');
}

function reveal(r: Record<string, SecretValue>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.reveal()]));
}

describe('sealCredentials / openCredentials', () => {
  it('round-trips, with one KEK call each way', async () => {
    const k = LocalKek.fromKey(randomBytes(32));
    const sealed = await sealCredentials(k, ROW_A, fields());
    expect(k.callCount()).toBe(1);
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.kekId).toBe(k.id);
    expect(sealed.ciphertext.includes(Buffer.from('CANARY'))).toBe(false);
    expect(sealed.wrappedDek.includes(Buffer.from('CANARY'))).toBe(false);
    const opened = await openCredentials(k, ROW_A, sealed);
    expect(k.callCount()).toBe(2);
    expect(reveal(opened)).toEqual({ apiKey: CANARY, organization: 'org-ünïcode-✓' });
    expect(opened.apiKey).toBeInstanceOf(SecretValue);
  });

  it('round-trips empty credentials and bytea read back as Uint8Array (PGlite)', async () => {
    const sealed = await sealCredentials(kek, ROW_A, {});
    expect(await openCredentials(kek, ROW_A, sealed)).toEqual({});
    const s2 = await sealCredentials(kek, ROW_A, fields());
    const asU8 = (b: Buffer) => new Uint8Array(b) as unknown as Buffer;
    const opened = await openCredentials(kek, ROW_A, {
      ciphertext: asU8(s2.ciphertext),
      iv: asU8(s2.iv),
      wrappedDek: asU8(s2.wrappedDek),
      kekId: s2.kekId,
    });
    expect(opened.apiKey!.reveal()).toBe(CANARY);
  });

  it('uses a fresh DEK and IV for every seal', async () => {
    const a = await sealCredentials(kek, ROW_A, fields());
    const b = await sealCredentials(kek, ROW_A, fields());
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.wrappedDek.equals(b.wrappedDek)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  describe('rejects anything moved between rows', () => {
    let a: SealedCredentials;
    let b: SealedCredentials;
    beforeAll(async () => {
      a = await sealCredentials(kek, ROW_A, fields());
      b = await sealCredentials(kek, ROW_B, { apiKey: new SecretValue('sk-other-row-value-xxxxxxxx') });
    });

    it('the whole sealed record opened as another row', async () => {
      const m = await integrityError(openCredentials(kek, ROW_B, a));
      expect(m).toContain(`providers/${ROW_B}`);
    });
    it('swapped ciphertexts', async () => {
      await integrityError(openCredentials(kek, ROW_A, { ...a, ciphertext: b.ciphertext }));
      await integrityError(openCredentials(kek, ROW_B, { ...b, ciphertext: a.ciphertext }));
    });
    it('swapped IVs', async () => {
      await integrityError(openCredentials(kek, ROW_A, { ...a, iv: b.iv }));
    });
    it('swapped wrapped DEKs', async () => {
      const m = await integrityError(openCredentials(kek, ROW_A, { ...a, wrappedDek: b.wrappedDek }));
      expect(m).toBe(
        `cannot unwrap the data key for providers/${ROW_A}: integrity check failed (wrong key, or the wrapped key was moved from another row)`,
      );
    });
    it('ciphertext, IV and wrapped DEK all moved together', async () => {
      await integrityError(openCredentials(kek, ROW_A, b));
    });
  });

  it('rejects truncated tags, short or long IVs, and flipped bits', async () => {
    const s = await sealCredentials(kek, ROW_A, fields());
    await integrityError(openCredentials(kek, ROW_A, { ...s, ciphertext: s.ciphertext.subarray(0, s.ciphertext.length - 1) }));
    await integrityError(openCredentials(kek, ROW_A, { ...s, ciphertext: s.ciphertext.subarray(0, s.ciphertext.length - 4) }));
    expect(await integrityError(openCredentials(kek, ROW_A, { ...s, ciphertext: s.ciphertext.subarray(0, 15) }))).toContain(
      'shorter than its 16-byte authentication tag',
    );
    expect(await integrityError(openCredentials(kek, ROW_A, { ...s, iv: s.iv.subarray(0, 8) }))).toContain(
      'the IV is 8 bytes, expected 12',
    );
    await integrityError(openCredentials(kek, ROW_A, { ...s, iv: Buffer.concat([s.iv, Buffer.alloc(4)]) }));
    for (const i of [0, 5, s.ciphertext.length - 1]) {
      const ct = Buffer.from(s.ciphertext);
      ct[i]! ^= 0x80;
      await integrityError(openCredentials(kek, ROW_A, { ...s, ciphertext: ct }));
    }
  });

  it('rejects a KEK other than the one that wrapped the DEK, saying so', async () => {
    const s = await sealCredentials(kek, ROW_A, fields());
    const other = LocalKek.fromKey(randomBytes(32));
    const m = await integrityError(openCredentials(other, ROW_A, s));
    expect(m).toContain(`wrapped by KEK ${kek.id}, but the configured KEK is ${other.id}`);
  });

  it('binds the DEK and the ciphertext to the row and field', () => {
    expect(credentialsContext(ROW_A)).toEqual({ table: 'providers', id: ROW_A, field: 'credentials' });
    expect(credentialsAad(ROW_A).toString()).toBe(`cvctl/v1|providers|${ROW_A}|credentials`);
    expect(() => credentialsAad('a|b')).toThrow(TypeError);
    expect(() => credentialsAad('')).toThrow(TypeError);
  });
});
