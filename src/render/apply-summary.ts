// The last line of `cvctl apply`: what was written, or that there was nothing to do.
import type { Summary } from '../plan/types';

export function renderApplySummary(result: { changed: boolean; summary: Summary }): string {
  const s = result.summary;
  return result.changed
    ? `Apply complete: ${s.create} created, ${s.update} updated, ${s.disable} disabled, ${s.enable} enabled, ${s.delete} deleted.\n`
    : 'Nothing to do: the database already matches the files.\n';
}
