// Flags shared by several commands, defined once.
import { Option } from 'commander';
import { CvctlError } from '../errors';

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
