// The invariants every fuzz case must keep, as functions that return the list of what went
// wrong (empty: the case passed). They look only at what a user sees: exit codes, stdout,
// stderr; and at the file bytes, to check that every reported position is inside the file.
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../../../src/config/codes';
import type { CommandResult } from './fuzz-worker';

/** What must never reach a user: stack frames and the usual names of JS runtime errors. */
export const STACK_TRACE_PATTERNS: readonly RegExp[] = [
  /^ {4}at /m,
  /\n\s+at \S+ \(\S+:\d+:\d+\)/,
  /\bTypeError\b/,
  /\bRangeError\b/,
  /\bReferenceError\b/,
  /Maximum call stack/,
  /Cannot read propert/,
  /is not a function/,
  /is not iterable/,
  /cvctl: internal error/,
];

/** Problems with the whole file (or a path) have no position by design: null line and column in JSON (docs/diagnostics.md). */
export const WHOLE_FILE_CODES = new Set(['path-not-found', 'no-files', 'unreadable-file', 'file-too-large']);

/** C0 controls (but \n), DEL, C1 controls and the Unicode line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** Longest diagnostic message accepted: values are quoted truncated, never whole. */
export const MAX_MESSAGE_CHARS = 1000;

export interface JsonDiagnostic {
  severity: string;
  code: string;
  message: string;
  file: string;
  /** null: a diagnostic about a whole file or path (no position). */
  line: number | null;
  column: number | null;
}

export function stackTraceIn(s: string): string | undefined {
  for (const re of STACK_TRACE_PATTERNS) {
    const m = re.exec(s);
    if (m) {
      const at = m.index;
      return `${re} at ${JSON.stringify(s.slice(Math.max(0, at - 80), at + 160))}`;
    }
  }
  return undefined;
}

function checkStreams(r: CommandResult, label: string, out: string[]): void {
  if (r.threw) out.push(`${label}: main() threw instead of returning an exit code: ${r.threw.split('\n').slice(0, 3).join(' | ')}`);
  for (const [name, s] of [
    ['stderr', r.stderr],
    ['stdout', r.stdout],
  ] as const) {
    const t = stackTraceIn(s);
    if (t) out.push(`${label}: ${name} has a stack trace or runtime error: ${t}`);
  }
}

/** Lines of the file as the loader counts them (UTF-8 BOM dropped; invalid bytes decoded lossily, as bytePosition does). */
export function fileLines(bytes: Buffer): string[] {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split('\n');
}

function checkDiagnostic(d: JsonDiagnostic, rel: string | undefined, lines: string[] | undefined, label: string, out: string[]): void {
  const where = `${label}: diagnostic ${JSON.stringify(d).slice(0, 300)}`;
  if (!['error', 'warning', 'info'].includes(d.severity)) out.push(`${where}: unknown severity`);
  if (typeof d.code !== 'string' || !Object.prototype.hasOwnProperty.call(DIAGNOSTIC_CODES, d.code)) out.push(`${where}: code is not one of src/config/codes.ts`);
  else if (DIAGNOSTIC_CODES[d.code as DiagnosticCode].severity !== d.severity) out.push(`${where}: severity is not the code's`);
  if (d.code === 'internal-error') out.push(`${where}: internal-error (cvctl failed on this input)`);
  if (typeof d.file !== 'string' || d.file === '') out.push(`${where}: no file`);
  else if (rel !== undefined && d.file !== rel) out.push(`${where}: file is not ${rel}`);
  if (d.line === null && d.column === null) {
    if (!WHOLE_FILE_CODES.has(d.code)) out.push(`${where}: no position`);
  } else if (!Number.isInteger(d.line) || !Number.isInteger(d.column) || d.line! < 1 || d.column! < 1) {
    out.push(`${where}: line/column are neither both null nor positive integers`);
    return;
  }
  if (lines && d.line !== null && d.column !== null && d.line >= 1) {
    if (d.line > lines.length) out.push(`${where}: line ${d.line} is past the end of the file (${lines.length} lines)`);
    else if (d.column > lines[d.line - 1]!.length + 1) out.push(`${where}: column ${d.column} is past the end of line ${d.line} (${lines[d.line - 1]!.length} chars)`);
  }
  if (typeof d.message !== 'string' || d.message === '') out.push(`${where}: empty message`);
  else {
    if (d.message.length > MAX_MESSAGE_CHARS) out.push(`${label}: a ${d.message.length}-char message (over ${MAX_MESSAGE_CHARS}): ${d.message.slice(0, 120)}…`);
    if (RAW_CONTROL.test(d.message)) out.push(`${where}: raw control character in the message`);
  }
}

export function formatDiagnosticLine(d: JsonDiagnostic): string {
  const where = d.line === null ? d.file : `${d.file}:${d.line}:${d.column}`;
  return `${where} ${d.severity} ${d.code} ${d.message}`;
}

export interface ValidateSummary {
  code: number;
  diagnostics: JsonDiagnostic[];
}

/**
 * `validate --output json FILE` and `validate FILE` on one case: exit 0 or 1 (CONTRACT section 3),
 * the same for both; JSON of the contract's shape; every error positioned inside the file; the
 * text output exactly the JSON's diagnostics, one `file:line:col severity code message` line each.
 */
export function checkValidate(json: CommandResult, text: CommandResult, rel: string, bytes: Buffer, out: string[]): ValidateSummary {
  checkStreams(json, 'validate --output json', out);
  checkStreams(text, 'validate', out);
  for (const r of [json, text]) {
    if (r.code !== 0 && r.code !== 1) out.push(`${r.args.join(' ')}: exit ${r.code}, not 0 or 1`);
    if (r.stderr !== '') out.push(`${r.args.join(' ')}: unexpected stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
  }
  if (json.code !== text.code) out.push(`exit ${json.code} with --output json but ${text.code} with text`);
  let parsed: { valid?: unknown; diagnostics?: unknown };
  try {
    parsed = JSON.parse(json.stdout) as typeof parsed;
  } catch (e) {
    out.push(`validate --output json: stdout is not JSON (${(e as Error).message}): ${JSON.stringify(json.stdout.slice(0, 200))}`);
    return { code: json.code, diagnostics: [] };
  }
  if (typeof parsed.valid !== 'boolean' || !Array.isArray(parsed.diagnostics)) {
    out.push(`validate --output json: not {valid, diagnostics}: ${json.stdout.slice(0, 200)}`);
    return { code: json.code, diagnostics: [] };
  }
  const diags = parsed.diagnostics as JsonDiagnostic[];
  const errors = diags.filter((d) => d.severity === 'error');
  if (parsed.valid !== (json.code === 0)) out.push(`validate --output json: valid=${parsed.valid} with exit ${json.code}`);
  if (json.code === 1 && errors.length === 0) out.push('validate: exit 1 without an error diagnostic');
  if (json.code === 0 && errors.length > 0) out.push(`validate: exit 0 with ${errors.length} error diagnostics`);
  const lines = fileLines(bytes);
  for (const d of diags) checkDiagnostic(d, rel, lines, 'validate --output json', out);

  // Text: the same diagnostics, one line each, then one summary line.
  const textLines = text.stdout.replace(/\n$/, '').split('\n');
  const summary = textLines.pop() ?? '';
  const expected = diags.map(formatDiagnosticLine);
  if (textLines.length !== expected.length) {
    out.push(`validate (text): ${textLines.length} diagnostic lines, but ${expected.length} diagnostics in JSON (a message with a line break?)`);
  } else {
    textLines.forEach((l, k) => {
      if (l !== expected[k]) out.push(`validate (text): line ${k + 1} is ${JSON.stringify(l.slice(0, 200))}, JSON says ${JSON.stringify(expected[k]!.slice(0, 200))}`);
    });
  }
  for (const l of textLines) {
    // A whole-file problem has no position: `FILE error CODE message` (checked against JSON above).
    const m = /^[^\s]+? (error|warning|info) ([a-z0-9-]+) /.exec(l);
    const unpositionedOk = m !== null && !/:\d+:\d+$/.test(l.split(' ')[0]!) && WHOLE_FILE_CODES.has(m[2]!);
    if (!unpositionedOk && !/^[^\s:]+:\d+:\d+ (error|warning|info) [a-z0-9-]+ /.test(l)) out.push(`validate (text): line without file:line:col: ${JSON.stringify(l.slice(0, 200))}`);
  }
  const summaryRe = text.code === 1 ? /^[\d,]+ errors?(, [\d,]+ warnings?)? in 1 file$/ : /^1 file valid: [\d,]+ providers?, [\d,]+ models?( \([\d,]+ warnings?\))?$/;
  if (!summaryRe.test(summary)) out.push(`validate (text): summary line ${JSON.stringify(summary.slice(0, 200))}`);
  return { code: json.code, diagnostics: diags };
}

const DIAG_LINE = /^(\S+?)(?::(\d+):(\d+))? (error|warning|info) ([a-z0-9-]+) (.*)$/;

/**
 * `plan --detailed-exitcode DIR` where one file of DIR is the case: exit 0, 1 or 2; stderr holds
 * only diagnostics (`file:line:col severity code message`, positioned inside the file) and, on
 * exit 1, one `cvctl: error:` message after them. That error is INVALID_CONFIG after at least one
 * error diagnostic, or, for valid files, an error that names the file:line:col of what failed
 * (a secret reference that cannot be read). Exit 0/2: a plan on stdout (with --output json: the
 * contract's shape, exit 2 exactly when it has changes, a summary that counts them).
 */
export function checkPlan(plan: CommandResult, opts: { json: boolean; rel: string; bytes: Buffer }, out: string[]): void {
  checkStreams(plan, 'plan', out);
  if (![0, 1, 2].includes(plan.code)) out.push(`plan: exit ${plan.code}, not 0, 1 or 2`);
  const stderrLines = plan.stderr.replace(/\n$/, '').split('\n');
  const errorAt = stderrLines.findIndex((l) => l.startsWith('cvctl: '));
  const diagnosticLines = errorAt === -1 ? stderrLines.filter((l) => l !== '') : stderrLines.slice(0, errorAt);
  const errorBlock = errorAt === -1 ? '' : stderrLines.slice(errorAt).join('\n');
  const lines = fileLines(opts.bytes);
  const diags: JsonDiagnostic[] = [];
  for (const l of diagnosticLines) {
    const m = DIAG_LINE.exec(l);
    if (!m) {
      out.push(`plan: a stderr line that is neither a diagnostic nor the error: ${JSON.stringify(l.slice(0, 200))}`);
      continue;
    }
    const pos = m[2] === undefined ? null : { line: Number(m[2]), column: Number(m[3]) };
    const d: JsonDiagnostic = { file: m[1]!, line: pos?.line ?? null, column: pos?.column ?? null, severity: m[4]!, code: m[5]!, message: m[6]! };
    diags.push(d);
    checkDiagnostic(d, undefined, d.file === opts.rel ? lines : undefined, 'plan (stderr)', out);
  }
  const errors = diags.filter((d) => d.severity === 'error');
  if (plan.code === 1) {
    if (errorAt === -1 || !stderrLines[errorAt]!.startsWith('cvctl: error:')) {
      out.push(`plan: exit 1 without a 'cvctl: error:' message: ${JSON.stringify(plan.stderr.slice(0, 300))}`);
    } else if (/errors? in the files( against the database)? \(see above\); nothing was planned$/.test(stderrLines[errorAt]!)) {
      // Also the checks that need the database (a backend's provider model, a grant's model):
      // positioned diagnostics like the files' own, found at plan time.
      if (errors.length === 0) out.push('plan: "errors in the files" without an error diagnostic');
      const n = Number(/(\d+) errors? in the files/.exec(stderrLines[errorAt]!)?.[1]);
      if (n !== errors.length) out.push(`plan: says ${n} errors, lists ${errors.length}`);
    } else if (/^cvctl: error: the plan violates the policy \([\d,]+ violations?\); apply refuses it$/.test(stderrLines[errorAt]!)) {
      // A policy violation (CONTRACT.md section 7): the plan is still printed, each violation is a
      // positioned policy-* diagnostic, and their number is the one the error gives.
      const n = Number(/\(([\d,]+) violations?\)/.exec(stderrLines[errorAt]!)![1]!.replace(/,/g, ''));
      if (errors.length !== n) out.push(`plan: says ${n} policy violations, lists ${errors.length}`);
      for (const d of errors) if (!d.code.startsWith('policy-')) out.push(`plan: a policy refusal with a non-policy error: ${d.code}`);
      if (plan.stdout.trim() === '') out.push('plan: a policy refusal without the plan on stdout');
    } else {
      if (errors.length > 0) out.push(`plan: error diagnostics, but the error is not about them: ${errorBlock.slice(0, 300)}`);
      // Valid files, and still exit 1: only an error about a place in the files is expected here
      // (the message may go on over several lines, one per reference that failed).
      if (!/\S+\.ya?ml:\d+:\d+/.test(errorBlock)) out.push(`plan: valid files, exit 1, and the error names no file:line:col: ${JSON.stringify(errorBlock.slice(0, 300))}`);
    }
  } else if (plan.code === 0 || plan.code === 2) {
    if (errors.length > 0) out.push(`plan: exit ${plan.code} with ${errors.length} error diagnostics`);
    if (errorAt !== -1) out.push(`plan: exit ${plan.code} with a message on stderr: ${errorBlock.slice(0, 300)}`);
    if (opts.json) {
      try {
        const p = JSON.parse(plan.stdout) as { formatVersion?: unknown; summary?: Record<string, number>; changes?: Array<{ action: string }> };
        if (p.formatVersion !== 1 || !Array.isArray(p.changes) || typeof p.summary !== 'object') out.push(`plan --output json: not a plan: ${plan.stdout.slice(0, 200)}`);
        else {
          if ((p.changes.length > 0) !== (plan.code === 2)) out.push(`plan --detailed-exitcode: exit ${plan.code} with ${p.changes.length} changes`);
          for (const action of ['create', 'update', 'disable', 'enable', 'delete']) {
            const n = p.changes.filter((c) => c.action === action).length;
            if ((p.summary[action] ?? 0) !== n) out.push(`plan --output json: summary.${action}=${p.summary[action]} but ${n} such changes`);
          }
        }
      } catch (e) {
        out.push(`plan --output json: stdout is not JSON (${(e as Error).message})`);
      }
    } else if (plan.stdout.trim() === '') {
      out.push(`plan: exit ${plan.code} with nothing on stdout`);
    }
  }
}
