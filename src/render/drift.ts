// One entry point for every drift output format. The JSON has the plan's key order (contract
// fields first, then extensions) so two runs over the same state give the same bytes.
import { assertNever } from '../domain/kinds';
import { escapeOutput } from '../escape';
import { isPlainObject, list, ordered, sortKeysDeep, type Shaper } from '../plan/canonical';
import { ACTIONS } from '../plan/types';
import { renderDriftMarkdown } from './drift-markdown';
import { renderDriftText } from './drift-text';
import { DRIFT_LABELS, type DriftReport } from '../plan/drift/types';

export type DriftFormat = 'text' | 'json' | 'markdown';

const REPORT_KEYS = ['formatVersion', 'scope', 'summary', 'driftSummary', 'changes', 'warnings', 'meta'];
const CHANGE_KEYS = ['action', 'resource', 'drift', 'fields', 'cascade', 'adopt', 'renamedFrom', 'reason'];
const FIELD_KEYS = ['path', 'drift', 'before', 'after', 'lastApplied'];
const RESOURCE_KEYS = ['type', 'provider', 'name'];
const CASCADE_KEYS = ['providerModels', 'modelBackends', 'modelsLeftWithoutBackends'];
const WARNING_KEYS = ['code', 'message', 'resource'];
const META_KEYS = ['createdAt', 'cvctlVersion', 'catalogVersion', 'secretsResolved'];
const SENSITIVE_KEYS = ['sensitive', 'changed', 'prefix', 'unknown'];

const resource: Shaper = (v) => ordered(v, RESOURCE_KEYS);
const value: Shaper = (v) => (isPlainObject(v) && v.sensitive === true ? ordered(v, SENSITIVE_KEYS) : sortKeysDeep(v));

export function renderDriftJson(report: DriftReport): string {
  const shaped = ordered(report, REPORT_KEYS, {
    summary: (s) => ordered(s, [...ACTIONS]),
    driftSummary: (s) => ordered(s, [...DRIFT_LABELS, 'ignored']),
    changes: list((c) =>
      ordered(c, CHANGE_KEYS, {
        resource,
        fields: list((f) => ordered(f, FIELD_KEYS, { before: value, after: value })),
        cascade: (x) => ordered(x, CASCADE_KEYS),
      }),
    ),
    warnings: list((w) => ordered(w, WARNING_KEYS, { resource })),
    meta: (m) => ordered(m, META_KEYS),
  });
  return escapeOutput(`${JSON.stringify(shaped, null, 2)}\n`);
}

export function renderDrift(report: DriftReport, format: DriftFormat, opts: { color?: boolean } = {}): string {
  // Labels, config values and ids may hold bidi or invisible characters: escaped (src/escape.ts).
  switch (format) {
    case 'text':
      return escapeOutput(renderDriftText(report, { color: opts.color ?? false }), { ansi: opts.color ?? false });
    case 'json':
      return renderDriftJson(report);
    case 'markdown':
      return escapeOutput(renderDriftMarkdown(report));
    default:
      return assertNever(format, 'output format');
  }
}
