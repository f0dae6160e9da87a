// Which YAML documents are cvctl's. With the default path `.`, a repository's other YAML
// (mkdocs.yml, Helm values, docker-compose files with `version: "3.8"`) is walked too; those
// documents are skipped (listed with -v), not reported as invalid. A document is cvctl's when
// it says so in a way no other tool's file does by accident:
//   - `version: 1` (the number; docker-compose's `version` is a string such as "3.8"),
//   - or a top-level key of this format (`providers`, `models`, `accessGrants`, `policy`),
//   - or its file carries the editor schema comment for providers.schema.json,
//   - or its file was named on the command line (the user said it is a cvctl file).
// Recognised documents are then checked in full, so `version: 1` with a misspelt `provider:`
// is still an error with its position and a did-you-mean.

/** Top-level keys that only a cvctl document has. */
export const CVCTL_TOP_LEVEL_KEYS = ['providers', 'models', 'accessGrants', 'policy'] as const;

/** `# yaml-language-server: $schema=…/providers.schema.json` on a line of its own. */
const SCHEMA_COMMENT = /^[ \t]*#[ \t]*yaml-language-server:[ \t]*\$schema=\S*providers\.schema\.json[ \t]*$/m;

export function hasSchemaComment(text: string): boolean {
  return SCHEMA_COMMENT.test(text);
}

export function looksLikeCvctlDocument(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const doc = value as Record<string, unknown>;
  return doc.version === 1 || CVCTL_TOP_LEVEL_KEYS.some((k) => Object.prototype.hasOwnProperty.call(doc, k));
}

export const NOT_CVCTL_MESSAGE = `skipped: not a cvctl document (no 'version: 1' and no top-level ${CVCTL_TOP_LEVEL_KEYS.map((k) => `'${k}'`).join(', ')})`;
