// The stale-plan matrix: what the saved plan does (to a provider, a provider model, or a
// provider's credentials), which row an out-of-band change hits (one the plan touches, or one it
// does not), and what kind of change that is. Every case has its own scope and row names, so
// all cases of a target share one database.

export type Subject = 'provider' | 'model' | 'credentials';
export type Action = 'create' | 'update' | 'delete' | 'disable';
/** The out-of-band change, as the admin console (or a script) makes it. */
export type Kind =
  | 'update' // an UPDATE of the row
  | 'delete' // a DELETE of the row
  | 'insert' // an INSERT of a row with the conflicting name (for an existing row: deleted and made again)
  | 'insert-child' // an INSERT of a row that hangs off it (a console model, a model backend)
  | 'secret'; // the secret store now holds another value than when the plan was made
/**
 * touched: the row the plan acts on. untouched rows: at once, a provider the plan does not
 * touch (U), a model of another untouched provider (W/w1) and, where the plan leaves it alone,
 * the other model of the provider it acts on (P/m2). untouched credentials: U's key.
 */
export type Hit = 'touched' | 'untouched rows' | 'untouched credentials';

export interface StaleCase {
  subject: Subject;
  action: Action;
  hit: Hit;
  kind: Kind;
  expect: 'refused' | 'applied';
}

export interface Names {
  scope: string;
  /** The provider the plan acts on (or on whose model / credentials it acts). */
  p: string;
  /** Providers the plan does not touch. */
  u: string;
  w: string;
}

export const names = (i: number): Names => ({ scope: `s${i}`, p: `s${i}-p`, u: `s${i}-u`, w: `s${i}-w` });

/** Whether P's other model (m2) exists before and after the plan without the plan touching it. */
export const hasSibling = (c: StaleCase): boolean =>
  c.subject === 'model' || (c.subject === 'provider' && (c.action === 'update' || c.action === 'disable'));

/** The model of P the plan acts on: m3 is created, m1 is updated, deleted or disabled. */
export const touchedModel = (c: StaleCase): string => (c.action === 'create' ? 'm3' : 'm1');

// ---- The files: v1 applied, v2 planned -----------------------------------------------------

interface P {
  name: string;
  team: string;
  onRemove?: 'disable';
  models: Array<{ id: string; ctx: number; status?: 'disabled' }>;
  key: string;
}

function yaml(ps: P[]): string {
  const out = ['version: 1', 'providers:'];
  for (const p of ps) {
    out.push(`  - name: ${p.name}`, '    kind: groq', `    labels: {team: ${p.team}}`);
    if (p.onRemove) out.push(`    onRemove: ${p.onRemove}`);
    out.push('    credentials:', `      apiKey: {from: env, name: ${p.key}}`, '    models:', '      custom:');
    for (const m of p.models) out.push(`        - {id: ${m.id}, kind: chat, contextWindow: ${m.ctx}${m.status ? `, status: ${m.status}` : ''}}`);
  }
  return out.join('\n') + '\n';
}

export const KEYS = {
  p1: 'gsk_pfirstkey0123456789abcdefgh',
  p2: 'gsk_psecondkey0123456789abcdefg',
  p3: 'gsk_pthirdkey0123456789abcdefgh',
  u1: 'gsk_ufirstkey0123456789abcdefgh',
};

export interface Files {
  v1: string;
  v2: string;
  /** Environment when planning v2 (and when applying it, unless the case changes the secret). */
  env2: Record<string, string>;
  env1: Record<string, string>;
}

export function files(c: StaleCase, n: Names): Files {
  const pBase = (): P => ({
    name: n.p,
    team: 'a',
    models: [
      { id: 'm1', ctx: 1000 },
      { id: 'm2', ctx: 2000 },
    ],
    key: 'KEY_P',
  });
  const u: P = { name: n.u, team: 'u', models: [{ id: 'u1', ctx: 3000 }], key: 'KEY_U' };
  const w: P = { name: n.w, team: 'w', models: [{ id: 'w1', ctx: 5000 }], key: 'KEY_U' };
  const env1 = { KEY_P: KEYS.p1, KEY_U: KEYS.u1 };
  let v1: P[];
  let v2: P[];
  let env2 = env1;
  const p1 = pBase();
  const p2 = pBase();
  if (c.subject === 'provider') {
    if (c.action === 'create') [v1, v2] = [[u], [p2, u]];
    else if (c.action === 'update') {
      p2.team = 'b';
      [v1, v2] = [[p1, u], [p2, u]];
    } else if (c.action === 'delete') [v1, v2] = [[p1, u], [u]];
    else {
      p1.onRemove = 'disable';
      [v1, v2] = [[p1, u], [u]];
    }
  } else if (c.subject === 'model') {
    if (c.action === 'create') p2.models.push({ id: 'm3', ctx: 3000 });
    else if (c.action === 'update') p2.models[0]!.ctx = 1111;
    else if (c.action === 'delete') p2.models.shift();
    else p2.models[0]!.status = 'disabled';
    [v1, v2] = [[p1, u], [p2, u]];
  } else {
    // The same files; the key the reference resolves to was rotated in the secret store.
    env2 = { ...env1, KEY_P: KEYS.p2 };
    [v1, v2] = [[p1, u], [p2, u]];
  }
  return { v1: yaml([...v1, w]), v2: yaml([...v2, w]), env1, env2 };
}

// ---- The out-of-band change ----------------------------------------------------------------

export interface Affected {
  provider: string;
  /** A model-level change: only this model's rows (and its backends) are compared. */
  model?: string;
}

export interface OutOfBand {
  /** SQL run from a separate connection, as the console would (names inlined, quoted). */
  sql: string;
  /** Environment of `apply --plan` (differs from the plan's only for 'secret'). */
  applyEnv: (env2: Record<string, string>) => Record<string, string>;
  /** Rows whose state after the apply must be exactly their state after the change. */
  affected: Affected[];
  /** What a refusal must say (the row, and how it changed). */
  phrase: string;
}

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const pm = (p: string, m: string): string =>
  `(select pm.id from provider_models pm join providers p on p.id = pm.provider_id where p.name = ${q(p)} and pm.model_id = ${q(m)})`;
const consoleProvider = (p: string): string => `insert into providers (name, kind, labels) values (${q(p)}, 'groq', '{"console": "made"}');`;
const consoleModel = (p: string, m: string): string =>
  `insert into provider_models (provider_id, model_id, kind, context_window, source) select id, ${q(m)}, 'chat', 4096, 'custom' from providers where name = ${q(p)};`;

function providerChange(kind: Kind, p: string, create: boolean): string {
  switch (kind) {
    case 'update':
      return `update providers set labels = labels || '{"console": "edited"}', updated_at = now() where name = ${q(p)};`;
    case 'delete':
      return `delete from providers where name = ${q(p)};`;
    case 'insert':
      return create ? consoleProvider(p) : `delete from providers where name = ${q(p)}; ${consoleProvider(p)}`;
    case 'insert-child':
      return consoleModel(p, 'console-m');
    default:
      throw new Error(`no provider change '${kind}'`);
  }
}

function modelChange(kind: Kind, p: string, m: string, create: boolean, facade: string): string {
  switch (kind) {
    case 'update':
      return `update provider_models set context_window = 4242, updated_at = now() where id = ${pm(p, m)};`;
    case 'delete':
      return `delete from provider_models where id = ${pm(p, m)};`;
    case 'insert':
      return create ? consoleModel(p, m) : `delete from provider_models where id = ${pm(p, m)}; ${consoleModel(p, m)}`;
    case 'insert-child':
      // The console wires a user-facing model to this provider model.
      return `insert into models (name) values (${q(facade)});
              insert into model_backends (model_id, provider_model_id) select m.id, ${pm(p, m)} from models m where m.name = ${q(facade)};`;
    default:
      throw new Error(`no model change '${kind}'`);
  }
}

const credentialChange = (p: string): string =>
  `update providers set credential_prefix = 'gsk_cons', credential_updated_at = now() where name = ${q(p)};`;

export function outOfBand(c: StaleCase, n: Names): OutOfBand {
  const same = (e: Record<string, string>): Record<string, string> => e;
  const create = c.action === 'create';
  const facade = `${n.scope}-facade`;
  if (c.hit === 'untouched rows') {
    const sql = [providerChange(c.kind, n.u, false), modelChange(c.kind, n.w, 'w1', false, facade)];
    const affected: Affected[] = [{ provider: n.u }, { provider: n.w, model: 'w1' }];
    if (hasSibling(c)) {
      sql.push(modelChange(c.kind, n.p, 'm2', false, facade));
      affected.push({ provider: n.p, model: 'm2' });
    }
    return { sql: sql.join('\n'), applyEnv: same, affected, phrase: '' };
  }
  if (c.hit === 'untouched credentials') return { sql: credentialChange(n.u), applyEnv: same, affected: [{ provider: n.u }], phrase: '' };
  if (c.subject === 'model') {
    const m = touchedModel(c);
    const label = `provider model '${n.p}/${m}'`;
    return {
      sql: modelChange(c.kind, n.p, m, create, facade),
      applyEnv: same,
      affected: [{ provider: n.p, model: m }],
      phrase: c.kind === 'insert-child' ? label : `${label} ${verb(c.kind, create)} since the plan was made`,
    };
  }
  const label = `provider '${n.p}'`;
  if (c.kind === 'secret') {
    return {
      sql: '',
      applyEnv: (e) => ({ ...e, KEY_P: KEYS.p3 }),
      affected: [{ provider: n.p }],
      phrase: `credential credentials.apiKey of ${label} resolves to a different value than when the plan was made`,
    };
  }
  const sql = c.subject === 'credentials' && c.kind === 'update' ? credentialChange(n.p) : providerChange(c.kind, n.p, create);
  return {
    sql,
    applyEnv: same,
    // A console model under a provider the plan only updates is a row of its own.
    affected: [c.kind === 'insert-child' && c.expect === 'applied' ? { provider: n.p, model: 'console-m' } : { provider: n.p }],
    phrase: c.kind === 'insert-child' ? label : `${label} ${verb(c.kind, create)} since the plan was made`,
  };
}

function verb(kind: Kind, create: boolean): string {
  if (kind === 'update') return 'was changed';
  if (kind === 'insert' && create) return 'was created in the database';
  // Deleted, or deleted and made again under the same name: the row the plan was made for is gone.
  return 'was deleted';
}

// ---- The table -----------------------------------------------------------------------------

const ACTIONS: Action[] = ['create', 'update', 'delete', 'disable'];
const ROW_KINDS: Kind[] = ['update', 'delete', 'insert'];

export function matrix(): StaleCase[] {
  const out: StaleCase[] = [];
  const add = (c: StaleCase): void => void out.push(c);
  // The row the plan touches: refused, whatever the change.
  for (const subject of ['provider', 'model'] as const) {
    for (const action of ACTIONS) {
      // A row the plan creates does not exist yet: the only change is someone else creating it.
      const kinds: Kind[] = action === 'create' ? ['insert'] : ROW_KINDS;
      for (const kind of kinds) add({ subject, action, hit: 'touched', kind, expect: 'refused' });
    }
  }
  for (const kind of [...ROW_KINDS, 'secret'] as Kind[]) add({ subject: 'credentials', action: 'update', hit: 'touched', kind, expect: 'refused' });
  // What a delete cascades to changed: a console model under the provider it deletes, a
  // backend wired to the model it deletes. The reviewed plan said what the delete removes.
  add({ subject: 'provider', action: 'delete', hit: 'touched', kind: 'insert-child', expect: 'refused' });
  add({ subject: 'model', action: 'delete', hit: 'touched', kind: 'insert-child', expect: 'refused' });
  // ... while a console model under a provider the plan only updates is a row of its own.
  add({ subject: 'provider', action: 'update', hit: 'touched', kind: 'insert-child', expect: 'applied' });

  // Rows the plan does not touch: applied, and the change is kept.
  for (const subject of ['provider', 'model'] as const) {
    for (const action of ACTIONS) {
      for (const kind of ROW_KINDS) add({ subject, action, hit: 'untouched rows', kind, expect: 'applied' });
    }
  }
  add({ subject: 'credentials', action: 'update', hit: 'untouched credentials', kind: 'update', expect: 'applied' });
  return out;
}

export function title(c: StaleCase): string {
  const what = c.subject === 'credentials' ? "rotates a provider's key" : `${c.action}s a ${c.subject === 'model' ? 'provider model' : 'provider'}`;
  const row = c.hit === 'touched' ? 'that row' : c.hit === 'untouched rows' ? `untouched rows (U, W/w1${hasSibling(c) ? ', P/m2' : ''})` : "another provider's key";
  return `plan ${what}; ${c.kind} of ${row} -> ${c.expect}`;
}
