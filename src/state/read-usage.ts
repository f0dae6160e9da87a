// Reads the gateway's usage for the cost estimate (CONTRACT.md section 6, issue 16 part 1):
// one aggregate query per plan, grouped by (model, provider model) over a window of days, never
// a query per row or per model. Before it, one catalog query checks that `usage_daily` has the
// columns the aggregate needs: a gateway that made its own table (migration 4 only creates it
// when missing), a column of another type, or a table cvctl may not read gives a warning and no
// totals, never a failed plan or a wrong total. Two statements, whatever the number of rows.
import { CvctlError } from '../errors';
import type { UsageReport, UsageTotal, UsageWindow } from '../domain/routing-rows';
import type { Queryable } from './database';

export const MIN_WINDOW_DAYS = 1;
export const MAX_WINDOW_DAYS = 366;
export const DEFAULT_WINDOW_DAYS = 30;

const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The window of `days` days ending on `today`'s UTC date, both ends inclusive (30 days ending
 * 2026-12-05 start on 2026-11-06). A USAGE error for anything but a whole number in 1..366.
 */
export function usageWindow(days: number, today: Date): UsageWindow {
  if (!Number.isInteger(days) || days < MIN_WINDOW_DAYS || days > MAX_WINDOW_DAYS) {
    throw new CvctlError(
      'USAGE',
      `--cost-window must be a whole number of days from ${MIN_WINDOW_DAYS} to ${MAX_WINDOW_DAYS}, got ${String(days)}`,
    );
  }
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return { from: isoDay(end - (days - 1) * DAY_MS), to: isoDay(end), days };
}

/** The columns the aggregate reads, and the types (format_type) each may have. */
const EXPECTED_COLUMNS: ReadonlyArray<[name: string, accepts: (type: string) => boolean, wanted: string]> = [
  ['day', (t) => t === 'date', 'date'],
  ['model_id', (t) => t === 'uuid', 'uuid'],
  ['provider_model_id', (t) => t === 'uuid', 'uuid'],
  ...(['requests', 'input_tokens', 'output_tokens'] as const).map(
    (c): [string, (t: string) => boolean, string] => [c, isCount, 'bigint'],
  ),
];

// Any integer type sums exactly; so does numeric (a gateway may use it for large counters).
function isCount(type: string): boolean {
  return type === 'bigint' || type === 'integer' || type === 'smallint' || /^numeric(\(\d+,0\))?$/.test(type);
}

export interface UsageColumn {
  name: string;
  type: string;
  readable: boolean;
}

// Zero rows: no such table (or view). to_regclass follows search_path, as the aggregate does.
export const USAGE_COLUMNS_SQL = `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
  has_table_privilege(a.attrelid, 'select') as readable
from pg_attribute a
where a.attrelid = to_regclass('usage_daily') and a.attnum > 0 and not a.attisdropped
order by a.attnum`;

/**
 * Why usage_daily cannot be read, as a sentence, or null when it can. Extra columns are fine:
 * the aggregate sums over them, so a finer grain (per user, per key) gives the same totals.
 */
export function usageTableProblem(columns: readonly UsageColumn[]): string | null {
  const skip = 'the cost estimate is skipped';
  if (columns.length === 0) return `the database has no usage_daily table (run \`cvctl db migrate\`): ${skip}`;
  if (!columns[0].readable) return `cvctl's database role may not read usage_daily (grant it SELECT): ${skip}`;
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const missing = EXPECTED_COLUMNS.filter(([name]) => !types.has(name)).map(([name]) => name);
  if (missing.length > 0) {
    return `usage_daily has no column ${missing.join(', ')} (section 6 of the contract lists the columns cvctl reads): ${skip}`;
  }
  const wrong = EXPECTED_COLUMNS.filter(([name, accepts]) => !accepts(types.get(name)!)).map(
    ([name, , wanted]) => `${name} is ${types.get(name)!}, not ${wanted}`,
  );
  if (wrong.length > 0) return `usage_daily: ${wrong.join('; ')}: ${skip}`;
  return null;
}

// Rows with a negative count are left out whole (a gateway table without cvctl's checks could
// hold them) and counted, so the caller can say so; NULL counts are 0. Sums go out as float8:
// exact up to 2^53, far beyond any window's tokens, and a plain number on both drivers.
export const USAGE_TOTALS_SQL = `select model_id as "modelId", provider_model_id as "providerModelId",
  coalesce(sum(requests) filter (where ok), 0)::float8 as requests,
  coalesce(sum(input_tokens) filter (where ok), 0)::float8 as "inputTokens",
  coalesce(sum(output_tokens) filter (where ok), 0)::float8 as "outputTokens",
  count(*) filter (where ok)::int as counted,
  count(*) filter (where not ok)::int as skipped
from (select model_id, provider_model_id, requests, input_tokens, output_tokens,
             coalesce(requests, 0) >= 0 and coalesce(input_tokens, 0) >= 0 and coalesce(output_tokens, 0) >= 0 as ok
        from usage_daily where day between $1::date and $2::date) u
group by model_id, provider_model_id
order by model_id nulls first, provider_model_id nulls first`;

/**
 * The window's usage per (model, provider model), rows of deleted models (model_id NULL) as
 * their own "unattributed" totals. No totals (and a warning) when usage_daily cannot be read.
 * An empty list is "no usage in the window".
 */
export async function readUsage(q: Queryable, window: UsageWindow): Promise<UsageReport> {
  const columns = (await q.query<UsageColumn>(USAGE_COLUMNS_SQL)).rows;
  const problem = usageTableProblem(columns);
  if (problem !== null) return { window, warnings: [problem] };
  const r = await q.query<UsageTotal & { counted: number; skipped: number }>(USAGE_TOTALS_SQL, [window.from, window.to]);
  const totals: UsageTotal[] = [];
  let skipped = 0;
  for (const { counted, skipped: s, ...total } of r.rows) {
    skipped += s;
    if (counted > 0) totals.push(total);
  }
  const warnings =
    skipped > 0
      ? [`${skipped} usage_daily row${skipped === 1 ? '' : 's'} from ${window.from} to ${window.to} with a negative count left out of the cost estimate`]
      : [];
  return { window, totals, warnings };
}
