// Envelope encryption of a provider row's credentials: one fresh DEK per seal, wrapped by
// the KEK under an encryption context naming the row; the credentials themselves are
// AES-256-GCM under the DEK with AAD naming the row and field. Either binding alone stops
// a ciphertext (or IV, or wrapped DEK) copied from another row from decrypting; both
// together mean a KEK-level and a DEK-level check must each be defeated.
//
// Columns: credential_ciphertext = ct || tag(16), credential_iv = iv(12),
// credential_wrapped_dek = WrappedKey.wrapped, credential_kek_id = WrappedKey.kekId.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CvctlError } from '../errors';
import { SecretValue } from '../secrets/resolver';
import type { EncryptionContext, Kek } from './kek';

export interface SealedCredentials {
  /** AES-256-GCM ciphertext followed by the 16-byte tag. */
  ciphertext: Buffer;
  /** 12-byte GCM IV. */
  iv: Buffer;
  wrappedDek: Buffer;
  kekId: string;
}

const TABLE = 'providers';
const FIELD = 'credentials';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The context the row's DEK is wrapped under (also what `kek rotate` must pass to rewrap). */
export function credentialsContext(rowId: string): EncryptionContext {
  checkRowId(rowId);
  return { table: TABLE, id: rowId, field: FIELD };
}

/** AAD of the credentials ciphertext: versioned, and bound to the table, row and field. */
export function credentialsAad(rowId: string): Buffer {
  checkRowId(rowId);
  return Buffer.from(`cvctl/v1|${TABLE}|${rowId}|${FIELD}`, 'utf8');
}

export async function sealCredentials(
  kek: Kek,
  rowId: string,
  fields: Record<string, SecretValue>,
): Promise<SealedCredentials> {
  const plaintext = canonicalFieldsJson(fields);
  const aad = credentialsAad(rowId);
  const { plaintext: dek, wrapped } = await kek.generateDataKey(credentialsContext(rowId));
  try {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', dek, iv, { authTagLength: TAG_BYTES });
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    return { ciphertext: ct, iv, wrappedDek: wrapped.wrapped, kekId: wrapped.kekId };
  } finally {
    dek.fill(0);
    plaintext.fill(0);
  }
}

export async function openCredentials(
  kek: Kek,
  rowId: string,
  sealed: SealedCredentials,
): Promise<Record<string, SecretValue>> {
  const where = `${TABLE}/${rowId}`;
  const iv = toBuffer(sealed.iv);
  const ciphertext = toBuffer(sealed.ciphertext);
  // Checked before GCM sees them: Node would accept a short tag set by hand, and a
  // truncated tag must never be what decides authenticity.
  if (iv.length !== IV_BYTES) {
    throw new CvctlError(
      'CRYPTO_INTEGRITY',
      `cannot decrypt the credentials of ${where}: the IV is ${iv.length} bytes, expected ${IV_BYTES}`,
    );
  }
  if (ciphertext.length < TAG_BYTES) {
    throw new CvctlError(
      'CRYPTO_INTEGRITY',
      `cannot decrypt the credentials of ${where}: the ciphertext is shorter than its ${TAG_BYTES}-byte authentication tag`,
    );
  }
  const aad = credentialsAad(rowId);
  const dek = await kek.unwrap({ wrapped: toBuffer(sealed.wrappedDek), kekId: sealed.kekId }, credentialsContext(rowId));
  let plaintext: Buffer;
  try {
    const body = ciphertext.subarray(0, ciphertext.length - TAG_BYTES);
    const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
    const d = createDecipheriv('aes-256-gcm', dek, iv, { authTagLength: TAG_BYTES });
    d.setAAD(aad);
    d.setAuthTag(tag);
    plaintext = Buffer.concat([d.update(body), d.final()]);
  } catch (e) {
    throw new CvctlError(
      'CRYPTO_INTEGRITY',
      `cannot decrypt the credentials of ${where}: integrity check failed (the ciphertext or IV was changed, or moved from another row)`,
      { cause: e },
    );
  } finally {
    dek.fill(0);
  }
  try {
    return parseFields(plaintext, where);
  } finally {
    plaintext.fill(0);
  }
}

/** {field: value} as JSON with sorted keys, so equal credentials give equal plaintexts. */
function canonicalFieldsJson(fields: Record<string, SecretValue>): Buffer {
  const keys = Object.keys(fields).sort();
  const parts = keys.map((k) => {
    const v = fields[k];
    if (!(v instanceof SecretValue)) throw new TypeError(`credential field '${k}' is not a SecretValue`);
    return `${JSON.stringify(k)}:${JSON.stringify(v.reveal())}`;
  });
  return Buffer.from(`{${parts.join(',')}}`, 'utf8');
}

function parseFields(plaintext: Buffer, where: string): Record<string, SecretValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext.toString('utf8'));
  } catch {
    // The parser's message would quote the plaintext: never pass it on.
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CvctlError('CRYPTO_INTEGRITY', `the decrypted credentials of ${where} are not a JSON object`);
  }
  const out: Record<string, SecretValue> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      throw new CvctlError('CRYPTO_INTEGRITY', `the decrypted credential field '${k}' of ${where} is not a string`);
    }
    out[k] = new SecretValue(v);
  }
  return out;
}

function checkRowId(rowId: string): void {
  // '|' separates AAD parts; forbidding it keeps the encoding unambiguous.
  if (typeof rowId !== 'string' || rowId === '' || rowId.includes('|')) {
    throw new TypeError(`invalid row id for credential encryption: ${JSON.stringify(rowId)}`);
  }
}

/** PGlite returns bytea as Uint8Array, pg as Buffer; accept both without copying. */
export function toBuffer(b: Buffer | Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
