import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CvctlError } from '../../src/errors';
import { DEFAULT_KEK_URI, openKek, parseKekUri } from '../../src/crypto/kek-uri';
import { LocalKek } from '../../src/crypto/local-kek';

describe('parseKekUri', () => {
  it.each([
    [DEFAULT_KEK_URI, { scheme: 'local', path: '.cvctl/kek' }],
    ['local:///etc/cvctl/kek', { scheme: 'local', path: '/etc/cvctl/kek' }],
    ['local://keys/kek.bin', { scheme: 'local', path: 'keys/kek.bin' }],
    [
      'aws-kms://arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      {
        scheme: 'aws-kms',
        keyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        region: 'eu-west-1',
      },
    ],
    [
      'aws-kms://arn:aws:kms:us-gov-west-1:123456789012:alias/cvctl/prod',
      { scheme: 'aws-kms', keyId: 'arn:aws:kms:us-gov-west-1:123456789012:alias/cvctl/prod', region: 'us-gov-west-1' },
    ],
    [
      'aws-kms://arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      {
        scheme: 'aws-kms',
        keyId: 'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab',
        region: 'us-east-1',
      },
    ],
    ['aws-kms://alias/cvctl', { scheme: 'aws-kms', keyId: 'alias/cvctl', region: null }],
  ])('parses %s', (uri, expected) => {
    expect(parseKekUri(uri)).toEqual(expected);
  });

  it.each([
    ['', 'expected aws-kms://'],
    ['/tmp/kek', 'expected aws-kms://'],
    ['local://', 'needs a key file path'],
    ['file:///tmp/kek', "unsupported KMS URI scheme 'file://'"],
    ['gcp-kms://projects/p/locations/l/keyRings/r/cryptoKeys/k', "unsupported KMS URI scheme 'gcp-kms://'"],
    ['aws-kms://', 'arn:aws:kms:REGION'],
    ['aws-kms://arn:aws:kms:eu-west-1:1234:key/abc', 'arn:aws:kms:REGION'],
    ['aws-kms://arn:aws:s3:::bucket', 'arn:aws:kms:REGION'],
    ['aws-kms://arn:aws:kms:eu-west-1:123456789012:secret/x', 'arn:aws:kms:REGION'],
  ])('rejects %j with a USAGE error', (uri, fragment) => {
    let err: unknown;
    try {
      parseKekUri(uri);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CvctlError);
    expect((err as CvctlError).code).toBe('USAGE');
    expect((err as CvctlError).message).toContain(fragment);
  });
});

describe('openKek', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-kekuri-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens the default local KEK relative to cwd, creating it only when asked', async () => {
    await expect(openKek(DEFAULT_KEK_URI, { create: false, cwd: dir })).rejects.toMatchObject({ code: 'KMS_ERROR' });
    const kek = await openKek(DEFAULT_KEK_URI, { create: true, cwd: dir });
    expect(kek).toBeInstanceOf(LocalKek);
    expect(fs.existsSync(path.join(dir, '.cvctl', 'kek'))).toBe(true);
    expect((await openKek(`local://${path.join(dir, '.cvctl', 'kek')}`, { create: false })).id).toBe(kek.id);
  });

  it('opens aws-kms through the KMS client (an unreachable endpoint fails with KMS_ERROR)', async () => {
    await expect(
      openKek('aws-kms://arn:aws:kms:eu-west-1:123456789012:alias/codevector', { create: false, endpoint: 'http://127.0.0.1:1' }),
    ).rejects.toMatchObject({ code: 'KMS_ERROR' });
  });

  it('fails on a bad URI before touching the filesystem', async () => {
    await expect(openKek('kms://x', { create: true, cwd: dir })).rejects.toMatchObject({ code: 'USAGE' });
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
