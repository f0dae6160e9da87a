// Field declarations shared by resource modules: most fields are stored in a column of their own
// name (snake_case), compared as one value, not sensitive, and labelled by their name. The
// fields several resource types have (kind, status, labels, protected, onRemove) are declared
// here once, so a provider and a model cannot drift apart in how they store them.
import type { FieldSpec, SqlType } from './types';

/** A plain (non-sensitive) field; `column` defaults to the name, `label` to the name. */
export function field(name: string, sqlType: SqlType, opts: { column?: string; flatten?: FieldSpec['flatten']; label?: string } = {}): FieldSpec {
  return {
    name,
    column: opts.column ?? name,
    sqlType,
    flatten: opts.flatten ?? 'leaf',
    sensitive: false,
    label: opts.label ?? name,
  };
}

/** A jsonb field compared leaf by leaf (`labels.team`, `config.organization`). */
export function children(name: string): FieldSpec {
  return field(name, 'jsonb', { flatten: 'children' });
}

export const KIND = field('kind', 'text');
export const STATUS = field('status', 'text');
export const LABELS = children('labels');
export const PROTECTED = field('protected', 'boolean');
export const ON_REMOVE = field('onRemove', 'text', { column: 'on_remove' });
