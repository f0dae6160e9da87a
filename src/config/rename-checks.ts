// Cross-file checks of `renamedFrom` (earlier names of providers, and of models). A rename must
// say unambiguously which row becomes which, so an earlier name may not also be declared (as a
// provider for a provider, as a model for a model), be claimed twice, or be the own name. Each problem is reported at the
// renamedFrom entry that breaks the rule (and, for a name claimed twice, at every claim).
import type { RenamedFrom, SourcePos } from '../domain/types';
import { at, diagnosticAt as diagnostic, type Diagnostic } from './diagnostics';
import { quoteValue } from './text';

/**
 * `specs`: the loadable providers (or models), one per name; `declared`: every name of that kind
 * written in the files, loadable or not, with its position.
 */
export function renameDiagnostics(
  specs: Array<{ name: string; renamedFrom?: RenamedFrom[] }>,
  declared: Array<{ name: string; pos: SourcePos }>,
  what: 'provider' | 'model' = 'provider',
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const declaredAt = new Map<string, SourcePos>();
  for (const d of declared) if (!declaredAt.has(d.name)) declaredAt.set(d.name, d.pos);
  const claims = new Map<string, Array<{ by: string; pos: SourcePos }>>();

  for (const spec of specs) {
    for (const old of spec.renamedFrom ?? []) {
      if (old.name === spec.name) {
        out.push(diagnostic('renamed-from-self', `${what} ${quoteValue(spec.name)} lists its own name in renamedFrom`, old.pos));
        continue;
      }
      const other = declaredAt.get(old.name);
      if (other !== undefined) {
        out.push(
          diagnostic(
            'renamed-from-declared',
            `renamedFrom ${quoteValue(old.name)} names a ${what} that is also declared in the files (at ${at(other)}); a ${what} cannot be renamed and kept`,
            old.pos,
          ),
        );
        continue;
      }
      claims.set(old.name, [...(claims.get(old.name) ?? []), { by: spec.name, pos: old.pos }]);
    }
  }

  for (const [old, group] of claims) {
    if (group.length === 1) continue;
    for (const c of group) {
      const others = group.filter((o) => o !== c).map((o) => `${quoteValue(o.by)} at ${at(o.pos)}`);
      out.push(
        diagnostic(
          'duplicate-renamed-from',
          `${quoteValue(old)} is in the renamedFrom of more than one ${what} (also ${others.join(', ')}); one row can become only one ${what}`,
          c.pos,
        ),
      );
    }
  }
  return out;
}
