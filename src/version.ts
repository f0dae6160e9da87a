import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** The package version, read from package.json next to dist/ or src/. */
export function cvctlVersion(): string {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8'));
    cached = String(pkg.version);
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
