// The database URL forms cvctl accepts (src/state/conninfo.ts): URLs as given, libpq
// keyword/value settings as the equivalent URL.
import { normalizeDatabaseUrl } from '../../src/state/conninfo';

test.each([
  ['postgres://u:p@db:5433/app?sslmode=require', 'postgres://u:p@db:5433/app?sslmode=require'],
  ['postgresql://db/app', 'postgresql://db/app'],
  ['host=db port=5433 dbname=app user=cvctl', 'postgres://cvctl@db:5433/app'],
  ["host=db dbname='my app' user=cvctl password='p@ss w\\'d'", "postgres://cvctl:p%40ss%20w'd@db/my%20app"],
  ['host=/var/run/postgresql dbname=app', 'postgres://%2Fvar%2Frun%2Fpostgresql/app'],
  ['host = db  sslmode=verify-full application_name=ci', 'postgres://db/?sslmode=verify-full&application_name=ci'],
  ['dbname=app', 'postgres://localhost/app'],
])('%s → %s', (given, url) => {
  expect(normalizeDatabaseUrl(given)).toBe(url);
});
