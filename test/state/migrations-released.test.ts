// A released migration is what existing databases ran: its SQL must never change, even when it
// is built by shared code (src/state/deleted-rows.ts builds migration 2's triggers).
// Each released migration's statements are pinned by their SHA-256 here. Pin a migration when
// it is released (migration 4 is not yet); a failure here means released SQL was edited:
// restore it and put the change in a new migration.
import { createHash } from 'node:crypto';
import { MIGRATIONS } from '../../src/state/migrations';

const RELEASED: Record<number, { name: string; sha256: string }> = {
  1: { name: '0001_initial_schema', sha256: 'b4f7eb43e16f4cbee746445e37c21b3d88aac3fc16ab6a82bd6c8679afa19d35' },
  2: { name: '0002_audit_log_and_deleted_rows', sha256: '4bb56e0f2c171180a08696130fb85df30c1a49917743847c3843f56972227263' },
  3: { name: '0003_scrub_unbounded_credential_prefixes', sha256: '82fda3cd63ddb681e8429aeef8e6c6c04a34b9c0fef78c760fe1deb0b4faaeb2' },
};

test.each(Object.entries(RELEASED))('released migration %s keeps its SQL byte for byte', (version, pinned) => {
  const m = MIGRATIONS.find((x) => x.version === Number(version));
  expect(m?.name).toBe(pinned.name);
  const digest = createHash('sha256').update(JSON.stringify(m!.statements)).digest('hex');
  expect(digest).toBe(pinned.sha256);
});
