// `cvctl db migrate`: create or upgrade the schema.
import type { Context } from './context';
import { migrate } from '../state/migrations';
import { openDb } from './resources';

export async function migrateDatabase(ctx: Context): ReturnType<typeof migrate> {
  const db = await openDb(ctx, { purpose: 'db migrate', skipMigrationCheck: true });
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}
