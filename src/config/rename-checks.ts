// Cross-file checks of `renamedFrom` (earlier provider names). A rename must say unambiguously
// which row becomes which provider, so an earlier name may not also be declared as a provider,
// be claimed by two providers, or be the provider's own name. Each problem is reported at the
// renamedFrom entry that breaks the rule (and, for a name claimed twice, at every claim).
import type { ProviderSpec, SourcePos } from '../domain/types';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes';
import type { Diagnostic } from './diagnostics';
import { quoteValue } from './text';

const at = (p: SourcePos): string => `${p.file}:${p.line}:${p.column}`;

function diagnostic(code: DiagnosticCode, message: string, pos: SourcePos): Diagnostic {
  return { severity: DIAGNOSTIC_CODES[code].severity, code, message, file: pos.file, line: pos.line, column: pos.column };
}

/**
 * `specs`: the loadable providers (one per name); `declared`: every provider name written in the
 * files, loadable or not, with its position.
 */
export function renameDiagnostics(specs: ProviderSpec[], declared: Array<{ name: string; pos: SourcePos }>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const declaredAt = new Map<string, SourcePos>();
  for (const d of declared) if (!declaredAt.has(d.name)) declaredAt.set(d.name, d.pos);
  const claims = new Map<string, Array<{ by: string; pos: SourcePos }>>();

  for (const spec of specs) {
    for (const old of spec.renamedFrom ?? []) {
      if (old.name === spec.name) {
        out.push(diagnostic('renamed-from-self', `provider ${quoteValue(spec.name)} lists its own name in renamedFrom`, old.pos));
        continue;
      }
      const other = declaredAt.get(old.name);
      if (other !== undefined) {
        out.push(
          diagnostic(
            'renamed-from-declared',
            `renamedFrom ${quoteValue(old.name)} names a provider that is also declared in the files (at ${at(other)}); a provider cannot be renamed and kept`,
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
          `${quoteValue(old)} is in the renamedFrom of more than one provider (also ${others.join(', ')}); one row can become only one provider`,
          c.pos,
        ),
      );
    }
  }
  return out;
}
