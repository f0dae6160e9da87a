// Output of `cvctl validate`: text for people (one line per diagnostic, then a summary)
// and JSON for machines (CONTRACT.md section 4, `validate --output json`). Both end with
// a newline so they can be written to stdout as they are.
import { diagnosticWhere, formatDiagnostic, hasErrors, hasPosition, type Diagnostic, type Severity } from '../config/diagnostics';
import type { LoadResult } from '../config/load';
import { plural, thousands } from '../config/text';
import { escapeOutput } from '../escape';

const COLORS: Record<Severity, string> = { error: '\u001b[31m', warning: '\u001b[33m', info: '\u001b[36m' };
const RESET = '\u001b[0m';

function line(d: Diagnostic, color: boolean): string {
  const plain = formatDiagnostic(d);
  if (!color) return plain;
  // formatDiagnostic is `file:line:col severity code message`: paint the severity word.
  const prefix = diagnosticWhere(d);
  if (!plain.startsWith(prefix + d.severity)) return plain;
  return prefix + COLORS[d.severity] + d.severity + RESET + plain.slice(prefix.length + d.severity.length);
}

function summary(r: LoadResult): string {
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning').length;
  if (errors > 0) {
    const files = new Set(r.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.file)).size;
    const parts = [plural(errors, 'error')];
    if (warnings > 0) parts.push(plural(warnings, 'warning'));
    return `${parts.join(', ')} in ${plural(files, 'file')}`;
  }
  const models = r.desired.providers.reduce((n, p) => n + p.models.length, 0);
  const skipped = r.skipped !== undefined && r.skipped.length > 0 ? `; ${plural(r.skipped.length, 'other YAML file')} skipped` : '';
  const valid = `${plural(r.files.length, 'file')} valid: ${plural(r.desired.providers.length, 'provider')}, ${thousands(models)} model${models === 1 ? '' : 's'}${skipped}`;
  return warnings > 0 ? `${valid} (${plural(warnings, 'warning')})` : valid;
}

/**
 * Diagnostics, sorted, one per line, then a summary line such as
 * "12 files valid: 31 providers, 1,204 models" or "2 errors, 1 warning in 3 files".
 * quiet: errors only, and nothing at all when valid. verbose: also the info lines.
 */
export function renderValidateText(r: LoadResult, opts: { color: boolean; quiet?: boolean; verbose?: boolean }): string {
  // info (a skipped document of another tool) only with -v; quiet: errors only.
  const shown = r.diagnostics.filter((d) => (opts.quiet ? d.severity === 'error' : d.severity !== 'info' || opts.verbose === true));
  const out = shown.map((d) => line(d, opts.color));
  if (!opts.quiet || hasErrors(r.diagnostics)) out.push(summary(r));
  // Messages quote values escaped already; a file name may hold anything too.
  return out.length === 0 ? '' : escapeOutput(out.join('\n') + '\n', { ansi: opts.color });
}

/**
 * `{"valid": bool, "diagnostics": [{severity, code, message, file, line, column}]}`; line and
 * column are null for a diagnostic about a whole path (see hasPosition).
 */
export function renderValidateJson(r: LoadResult): string {
  const diagnostics = r.diagnostics.map((d) => ({
    severity: d.severity,
    code: d.code,
    message: d.message,
    file: d.file,
    line: hasPosition(d) ? d.line : null,
    column: hasPosition(d) ? d.column : null,
  }));
  return escapeOutput(JSON.stringify({ valid: !hasErrors(r.diagnostics), diagnostics }, null, 2) + '\n');
}
