// Every diagnostic code that `cvctl validate` (src/config) can report, with its default
// severity and a one-line meaning (the policy codes too; policy-codes.ts names them). Codes
// are stable: tests, CI scripts and the generated docs rely on them, so add new ones but
// never rename or reuse one.
import type { Severity } from './diagnostics';

export interface DiagnosticCodeInfo {
  severity: Severity;
  meaning: string;
}

export const DIAGNOSTIC_CODES = {
  // Files and discovery
  'path-not-found': { severity: 'error', meaning: 'A path given on the command line does not exist (reported without a position; line and column are null in JSON).' },
  'no-files': { severity: 'error', meaning: 'The paths given contain no *.yaml or *.yml file (an empty desired state would delete everything).' },
  'no-documents': { severity: 'error', meaning: 'The YAML files found hold no cvctl document, only other tools\' YAML (an empty desired state would delete everything).' },
  'not-cvctl-document': { severity: 'info', meaning: 'A document in a file found by walking a folder is not cvctl\'s (no `version: 1` and no top-level `providers`, `models`, `accessGrants` or `policy`); it is skipped (listed with -v).' },
  'unreadable-file': { severity: 'error', meaning: 'A file or directory could not be read (permissions, I/O error).' },
  'file-too-large': { severity: 'error', meaning: 'A file is larger than the per-file cap (16 MiB, env CVCTL_MAX_FILE_BYTES); it is not read.' },
  'binary-file': { severity: 'error', meaning: 'A file contains NUL bytes: it is binary, not YAML.' },
  'invalid-utf8': { severity: 'error', meaning: 'A file is not valid UTF-8 (reported at the first bad byte) or is UTF-16/32 encoded.' },
  // YAML
  'yaml-syntax': { severity: 'error', meaning: 'The file is not well-formed YAML; nothing in it is loaded.' },
  'too-deep': { severity: 'error', meaning: 'Collections are nested deeper than 100 levels.' },
  'alias-limit': { severity: 'error', meaning: 'Aliases expand to more than 100,000 nodes in one document (a "billion laughs" alias bomb).' },
  'recursive-alias': { severity: 'error', meaning: 'An alias refers to a collection that contains it.' },
  'unknown-alias': { severity: 'error', meaning: 'An alias (*name) refers to an anchor (&name) that is not defined before it.' },
  'invalid-merge': { severity: 'error', meaning: 'A merge key (<<) whose value is not a mapping or a list of mappings.' },
  'unsupported-tag': { severity: 'error', meaning: 'A YAML tag (!something) other than the standard !!str, !!int, !!float, !!bool, !!null, !!map, !!seq.' },
  'invalid-tagged-value': { severity: 'error', meaning: 'A value that does not fit its explicit tag, e.g. `!!int abc`.' },
  'complex-key': { severity: 'error', meaning: 'A mapping key that is itself a mapping or a list.' },
  'duplicate-key': { severity: 'error', meaning: 'The same key twice in one mapping (reported at the second one).' },
  'document-not-mapping': { severity: 'error', meaning: 'A YAML document whose top level is not a mapping with `version` and `providers`, `models`, `accessGrants` or `policy`.' },
  // Schema (schemas/providers.schema.json)
  'unknown-key': { severity: 'error', meaning: 'A key the schema does not allow at this place (with a "did you mean" suggestion).' },
  'missing-property': { severity: 'error', meaning: 'A required key is missing (reported at the mapping that lacks it).' },
  'invalid-type': { severity: 'error', meaning: 'A value of the wrong type (e.g. a string where a number belongs).' },
  'invalid-value': { severity: 'error', meaning: 'A value outside the allowed set, range, length, pattern or format.' },
  'invalid-key': { severity: 'error', meaning: 'A key whose name breaks the rules for keys at this place (e.g. label keys).' },
  'duplicate-item': { severity: 'error', meaning: 'The same item twice in a list that must hold unique items (e.g. models.exclude).' },
  'ambiguous-alternative': { severity: 'error', meaning: 'Keys of two mutually exclusive alternatives are set together (e.g. apiKey and tenantId).' },
  'schema-violation': { severity: 'error', meaning: 'Any other schema rule that is not met.' },
  'literal-secret': { severity: 'error', meaning: 'A literal value where a secret reference belongs; use {from: env, name: ...}. The value is never shown.' },
  // Cross-checks
  'duplicate-provider': { severity: 'error', meaning: 'A provider name declared twice (in one or several files); both places are reported.' },
  'duplicate-model': { severity: 'error', meaning: 'A model id twice in one provider\'s models.custom list.' },
  'unknown-catalog-version': { severity: 'error', meaning: 'models.catalog names a catalog version that is not bundled with this cvctl.' },
  'exclude-not-in-catalog': { severity: 'warning', meaning: 'models.exclude names a model that is not in the imported catalog.' },
  'exclude-without-catalog': { severity: 'warning', meaning: 'models.exclude is set but models.catalog is not, so it has no effect.' },
  'excluded-model-redefined': { severity: 'warning', meaning: 'A model is both excluded from the catalog and listed in models.custom; the custom entry is used as a custom model.' },
  'catalog-kind-change': { severity: 'error', meaning: 'A custom entry overriding a catalog model sets a different kind (chat/embedding).' },
  'renamed-from-self': { severity: 'error', meaning: 'A provider or model lists its own name in renamedFrom.' },
  'renamed-from-declared': { severity: 'error', meaning: 'A renamedFrom name is also declared as a provider (for a provider) or a model (for a model) in the files: it cannot be renamed and kept.' },
  'duplicate-renamed-from': { severity: 'error', meaning: 'The same earlier name is in the renamedFrom of two providers, or of two models; every claim is reported.' },
  'custom-model-kind-required': { severity: 'error', meaning: 'A custom model that is not in the imported catalog has no `kind`.' },
  'unknown-deployment-model': { severity: 'error', meaning: 'An Azure `config.deployments` entry names a model the provider does not have (not in its imported catalog minus exclusions, nor in models.custom).' },
  'duplicate-model-name': { severity: 'error', meaning: 'A model (the `models` section) declared twice, in one or several files; every place is reported.' },
  'duplicate-backend': { severity: 'error', meaning: 'The same provider model twice in one model\'s backends (reported at the second, naming the first).' },
  'unknown-provider-model': { severity: 'error', meaning: 'A backend names a provider model that does not exist: its provider is declared in the files without that model (not in its catalog import, excluded, or renamed away); or, checked by plan, neither the files nor the database have it.' },
  'backend-kind-mismatch': { severity: 'error', meaning: 'A backend\'s provider model is of another kind (chat/embedding) than its model.' },
  'backend-provider-model-disabled': { severity: 'error', meaning: 'An active backend routes to a provider model, or a provider, that the files (or, at plan time, the database as the plan leaves it) disable; both places are named.' },
  'backend-provider-model-deleted': { severity: 'error', meaning: 'Reported by plan: a backend routes to a provider model that the same plan deletes (its provider is removed from the files).' },
  'model-without-active-backend': { severity: 'error', meaning: 'An active model has no backend that can serve: none, all disabled, or each one broken (see the errors at them).' },
  'unknown-grant-model': { severity: 'error', meaning: 'An access grant names a model that is not declared in the files (renamed away) or, checked by plan, in neither the files nor the database.' },
  'duplicate-grant': { severity: 'error', meaning: 'The same (model, subject) granted twice, in one or several files (user emails compare without case); every place is reported.' },
  'grant-expired': { severity: 'warning', meaning: 'An access grant\'s expiresAt is in the past: it is applied, but lets nobody in.' },
  'internal-error': { severity: 'error', meaning: 'cvctl failed unexpectedly on this file; please report it.' },
  // Policy
  'duplicate-policy': { severity: 'error', meaning: 'A second `policy` section in the files (at most one document may hold one); each place is reported, naming the others.' },
  'policy-max-price': { severity: 'error', meaning: 'policy.maxPricePerMTok: an active provider model is priced above the maximum input or output price per 1M tokens.' },
  'policy-provider-kind': { severity: 'error', meaning: 'policy.allowedProviderKinds: a provider is of a kind the policy does not list.' },
  'policy-region': { severity: 'error', meaning: 'policy.allowedRegions: a provider of a listed kind is in a region (config.region or config.location) the policy does not list for that kind, or sets none.' },
  'policy-require-fallback': { severity: 'error', meaning: 'policy.requireFallback: an active model does not have active backends on at least 2 providers.' },
  'policy-grant-limits': { severity: 'error', meaning: 'policy.requireGrantLimits: an access grant sets no limit.' },
  'policy-cost-increase': { severity: 'error', meaning: 'policy.maxMonthlyCostIncrease: the plan raises the estimated monthly cost (cost delta x 30 / window days) by more than the maximum (checked by `plan` and `apply`, not by `validate`: it needs usage from the database).' },
} as const satisfies Record<string, DiagnosticCodeInfo>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
