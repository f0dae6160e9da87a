// Flags shared by several commands, defined once.
import { Option } from 'commander';
import { CvctlError } from '../errors';
import { DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, MIN_WINDOW_DAYS } from '../state/read-usage';

export type OutputFormat = 'text' | 'json' | 'markdown';

export function outputOption(formats: OutputFormat[]): Option {
  return new Option('-o, --output <format>', 'output format').choices(formats).default('text');
}

export function pathsOrDefault(args: string[]): string[] {
  return args.length > 0 ? args : ['.'];
}

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 86400) {
    throw new CvctlError('USAGE', `--lock-timeout must be a number of seconds between 0 and 86400, got '${value}'`);
  }
  return n;
}

/** `--cost-window DAYS`: a whole number of days, 1 to 366 (the window ends today, UTC). */
export function parseCostWindow(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < MIN_WINDOW_DAYS || n > MAX_WINDOW_DAYS) {
    throw new CvctlError('USAGE', `--cost-window must be a whole number of days from ${MIN_WINDOW_DAYS} to ${MAX_WINDOW_DAYS}, got '${value}'`);
  }
  return n;
}

/** `plan` and `apply`: how much usage the cost estimate reads, or none. */
export function costWindowOption(): Option {
  return new Option('--cost-window <days>', `days of usage the cost estimate covers, ending today (UTC): ${MIN_WINDOW_DAYS} to ${MAX_WINDOW_DAYS}`)
    .argParser(parseCostWindow)
    .default(DEFAULT_WINDOW_DAYS);
}

export function noCostOption(): Option {
  return new Option('--no-cost', 'skip the cost estimate: no usage is read, and maxMonthlyCostIncrease has nothing to judge');
}

/** The window the options ask for; null: --no-cost. */
export function costWindowDays(o: Record<string, unknown>): number | null {
  return o.cost === false ? null : (o.costWindow as number);
}
