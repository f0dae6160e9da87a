// `kek rotate` of 1,000 rows local -> AWS against the KMS emulator, CONCURRENCY calls in flight:
// every row re-wrapped, one Encrypt each, in a constant handful of SQL statements per batch (not
// one per row). How fast it goes is a benchmark, not a test: `npm run bench -- --only kms`
// (bench/kms/rotate.js) measures rows/s next to the emulator's ceiling, figures in
// docs/kek-rotation.md.
import { randomBytes } from 'node:crypto';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';
import { AwsKmsKek, openAwsKmsKek } from '../../src/crypto/aws-kms-kek';
import { LocalKek } from '../../src/crypto/local-kek';
import { rotateKek } from '../../src/app/kek-rotate';
import { awsEnv, clearAwsEnv, countOn, seedProviders } from './support';

const ROWS = 1000;
const CONCURRENCY = 16;

let emu: KmsEmulator;
let fresh: FreshDatabase;
const target = targets[0]!;

beforeAll(async () => {
  emu = await startKmsEmulator({ region: 'eu-west-1' });
  awsEnv(emu);
  fresh = await freshDatabase(target);
});

afterAll(async () => {
  clearAwsEnv();
  await fresh?.cleanup();
  await emu?.close();
});

test(`${ROWS} rows local -> AWS at concurrency ${CONCURRENCY}: one Encrypt per row, a few statements per batch (${target})`, async () => {
  const key = emu.createKey();
  const source = LocalKek.fromKey(randomBytes(32));
  await seedProviders(fresh.db, source, ROWS);

  const kek = await openAwsKmsKek({ keyId: key.arn, endpoint: emu.url });
  try {
    emu.resetStats();
    const statements = fresh.db.statementCount();
    const s = await rotateKek(fresh.db, {
      source,
      target: kek,
      batchSize: 500,
      concurrency: CONCURRENCY,
      maxRatePerSecond: 0,
    });
    const used = fresh.db.statementCount() - statements;
    expect(s.rows).toMatchObject({ rewrapped: ROWS, remaining: 0 });
    expect(await countOn(fresh.db, key.arn)).toBe(ROWS);
    // One Encrypt per row, plus the preflight's (Encrypt + Decrypt) and the fingerprint key's.
    expect(emu.stats().calls).toEqual({ Encrypt: ROWS + 2, Decrypt: 1 });
    // Batches of 500: a constant handful of statements per batch, not one per row.
    expect(used).toBeLessThan(20);
  } finally {
    (kek as AwsKmsKek).destroy();
  }
}, 120_000);
