#!/usr/bin/env node
// One measurement of the reconcile benchmark, in a fresh process (driven by run.js).
// Prints one JSON line on stdout: wallMs (the measured operation only: modules are loaded and
// connections opened before the clock starts, except where noted), cpuMs (this process),
// serverCpuMs (PostgreSQL on this machine: the connection's backend, from /proc), maxRssMb
// (peak RSS of the whole process, from process.resourceUsage() at its end), processMs (since
// the process started, node start-up and module loading included), and per mode:
//
//   yaml DIR                    limit A: read + js-yaml loadAll of every *.yaml file, no checks
//   select URL                  limit B: one SELECT * per table the plan reads rows of (providers,
//                               provider_models, models, model_backends, access_grants; pg with
//                               its default type parsers), on an open connection
//   select-pglite DATADIR       limit B on the embedded database (PGlite, default parsers)
//   copy URL                    limit C: one COPY ... FROM STDIN per table of the same rows (text
//                               format, protocol level) into scratch tables with the same keys,
//                               unique indexes and foreign keys, in one transaction
//   unnest URL                  the same rows by INSERT ... SELECT FROM unnest($1::text[], ...)
//   copy-pglite DATADIR         COPY ... FROM '/dev/blob' on PGlite
//   unnest-pglite DATADIR       INSERT ... unnest on PGlite
//   tsv URL OUTDIR              (not timed) writes TABLE.tsv for each table above and
//                               scratch.sql for the psql \copy baseline
//   cvctl ARGS...               the product: the CLI's main() in-process, timed from the call
//                               to its return (connect, migrate check, plan, render, apply,
//                               close). Adds the SQL statements it sent (Database.statementCount,
//                               and which tables they wrote), KEK calls (Kek.callCount of every
//                               KEK it opened), exit code and a per-phase breakdown.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
// CVCTL_BENCH_DIST: another build of the product (e.g. before a change), for A/B comparisons.
const DIST = process.env.CVCTL_BENCH_DIST ? path.resolve(process.env.CVCTL_BENCH_DIST) : path.join(ROOT, 'dist');
const [mode, ...rest] = process.argv.slice(2);

function finish(extra, t0, c0) {
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  const out = {
    mode,
    wallMs: Math.round(wallMs * 10) / 10,
    cpuMs: Math.round((cpu.user + cpu.system) / 100) / 10,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    // Since the process started: node bootstrap and module loading included.
    processMs: Math.round(performance.now()),
    ...extra,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

const start = () => [process.hrtime.bigint(), process.cpuUsage()];

// CPU time of a PostgreSQL backend (same machine): utime + stime from /proc/PID/stat. With the
// client's own CPU time this gives a figure that the machine's load does not inflate, unlike
// wall time. null when unavailable (another host, no /proc).
let clkTck = 0;
function backendCpuMs(pid) {
  try {
    if (!clkTck) clkTck = Number(require('child_process').execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / clkTck;
  } catch {
    return null;
  }
}
function local(url) {
  try {
    const host = decodeURIComponent(new URL(url).hostname);
    return host === '' || host.startsWith('/') || ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host);
  } catch {
    return false;
  }
}
function serverMeter(client, url) {
  const pid = client.processID;
  const at0 = local(url) ? backendCpuMs(pid) : null;
  return () => {
    if (at0 === null) return {};
    const at1 = backendCpuMs(pid);
    return at1 === null ? {} : { serverCpuMs: Math.round(at1 - at0) };
  };
}

// ---------------------------------------------------------------- limit A

function yamlFiles(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

async function limitYaml(dir) {
  const yaml = require('js-yaml');
  const files = yamlFiles(dir);
  const [t0, c0] = start();
  let docs = 0;
  let bytes = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    bytes += text.length;
    docs += yaml.loadAll(text).length;
  }
  finish({ files: files.length, docs, bytes }, t0, c0);
}

// ---------------------------------------------------------------- limit B

async function pgClient(url, opts = {}) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: url, ...opts });
  await c.connect();
  return c;
}

async function limitSelect(url) {
  const c = await pgClient(url);
  const server = serverMeter(c, url);
  const [t0, c0] = start();
  let rows = 0;
  for (const t of TABLES) rows += (await c.query(`select * from ${t.name}`)).rows.length;
  finish({ rows, statements: TABLES.length, ...server() }, t0, c0);
  await c.end();
}

async function openPglite(dir) {
  const { PGlite } = require('@electric-sql/pglite');
  return PGlite.create(dir);
}

async function limitSelectPglite(dir) {
  const pg = await openPglite(dir);
  const [t0, c0] = start();
  let rows = 0;
  for (const t of TABLES) rows += (await pg.query(`select * from ${t.name}`)).rows.length;
  finish({ rows, statements: TABLES.length }, t0, c0);
  await pg.close();
}

// ---------------------------------------------------------------- limit C

// The tables cvctl reads (plan) and writes (apply) rows of, parents first, with their foreign
// keys. The three routing tables (issue 15) are empty in datasets S, M, L and XL: reading and
// copying nothing costs ~1 ms, so the limits of those datasets are as before.
const TABLES = [
  { name: 'providers', fks: [] },
  { name: 'provider_models', fks: [['provider_id', 'providers']] },
  { name: 'models', fks: [] },
  { name: 'model_backends', fks: [['model_id', 'models'], ['provider_model_id', 'provider_models']] },
  { name: 'access_grants', fks: [['model_id', 'models']] },
];
const scratch = (table) => `cvctl_bench_scratch_${table}`;

/** Same columns, defaults, checks, primary key and unique indexes (LIKE ... INCLUDING ALL) + the FKs. */
const DROP_SQL = [...TABLES].reverse().map((t) => `drop table if exists ${scratch(t.name)}`);
const SCRATCH_SQL = [
  ...DROP_SQL,
  ...TABLES.map((t) => {
    const fks = t.fks.map(([col, parent]) => `,\n     foreign key (${col}) references ${scratch(parent)}(id) on delete cascade`);
    return `create table ${scratch(t.name)} (like ${t.name} including all${fks.join('')})`;
  }),
];

/** The tables' rows in COPY text format: every column cast to text in SQL (no driver parsing). */
async function readAsTsv(q) {
  const out = {};
  for (const { name: table } of TABLES) {
    const c = await q(
      `select attname as name from pg_attribute where attrelid = '${table}'::regclass and attnum > 0 and not attisdropped order by attnum`,
    );
    const cols = c.rows.map((r) => r.name);
    const r = await q(`select ${cols.map((n) => `${n}::text as ${n}`).join(', ')} from ${table}`);
    const lines = r.rows.map((row) => cols.map((n) => copyText(row[n])).join('\t'));
    out[table] = { cols, rows: r.rows.length, text: lines.join('\n') + (lines.length ? '\n' : ''), raw: r.rows };
  }
  return out;
}

function copyText(v) {
  if (v === null || v === undefined) return '\\N';
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const rawTypes = { getTypeParser: () => (v) => v };

/** A pg "submittable" that runs COPY ... FROM STDIN and sends `payload` as CopyData messages. */
function copyFrom(client, sql, payload) {
  return new Promise((resolve, reject) => {
    let error = null;
    let rowCount = 0;
    const q = {
      submit(con) {
        con.query(sql);
      },
      handleCopyInResponse(con) {
        const CHUNK = 1 << 20;
        for (let i = 0; i < payload.length; i += CHUNK) con.sendCopyFromChunk(payload.subarray(i, i + CHUNK));
        con.endCopyFrom();
      },
      handleCommandComplete(msg) {
        rowCount = Number(String(msg.text).split(' ').pop());
      },
      handleReadyForQuery() {
        if (error) reject(error);
        else resolve(rowCount);
      },
      handleError(err) {
        error = err;
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    };
    client.query(q);
  });
}

async function limitCopy(url) {
  const c = await pgClient(url, { types: rawTypes });
  const data = await readAsTsv((s) => c.query(s));
  for (const s of SCRATCH_SQL) await c.query(s);
  const payloads = TABLES.map((t) => Buffer.from(data[t.name].text));
  const server = serverMeter(c, url);
  const [t0, c0] = start();
  await c.query('begin');
  let rows = 0;
  for (const [i, t] of TABLES.entries()) rows += await copyFrom(c, `copy ${scratch(t.name)} (${data[t.name].cols.join(', ')}) from stdin`, payloads[i]);
  await c.query('commit');
  const payloadBytes = payloads.reduce((n, b) => n + b.length, 0);
  finish({ rows, statements: TABLES.length + 2, payloadBytes, ...server() }, t0, c0);
  for (const s of DROP_SQL) await c.query(s);
  await c.end();
}

/** INSERT ... SELECT FROM unnest: every column as a text[] parameter, cast in SQL (as cvctl does). */
function unnestInsert(table, cols, rows, typeOf) {
  const casts = cols.map((col, i) => `$${i + 1}::text[]`).join(', ');
  const sel = cols.map((col) => `u.${col}::${typeOf[col]}`).join(', ');
  const sql = `insert into ${table} (${cols.join(', ')}) select ${sel} from unnest(${casts}) as u(${cols.join(', ')})`;
  const params = cols.map((col) => rows.map((r) => (r[col] === null || r[col] === undefined ? null : String(r[col]))));
  return { sql, params };
}

async function columnTypes(q, table) {
  const r = await q(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
      where a.attrelid = '${table}'::regclass and a.attnum > 0 and not a.attisdropped`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, x.type]));
}

async function limitUnnest(url) {
  const c = await pgClient(url, { types: rawTypes });
  const data = await readAsTsv((s) => c.query(s));
  for (const s of SCRATCH_SQL) await c.query(s);
  const q = (s) => c.query(s);
  const inserts = [];
  for (const t of TABLES) inserts.push(unnestInsert(scratch(t.name), data[t.name].cols, data[t.name].raw, await columnTypes(q, t.name)));
  const server = serverMeter(c, url);
  const [t0, c0] = start();
  await c.query('begin');
  let rows = 0;
  for (const u of inserts) rows += (await c.query(u.sql, u.params)).rowCount;
  await c.query('commit');
  finish({ rows, statements: TABLES.length + 2, ...server() }, t0, c0);
  for (const s of DROP_SQL) await c.query(s);
  await c.end();
}

async function writeTsv(url, outDir) {
  const c = await pgClient(url, { types: rawTypes });
  const data = await readAsTsv((s) => c.query(s));
  await c.end();
  fs.mkdirSync(outDir, { recursive: true });
  for (const t of TABLES) fs.writeFileSync(path.join(outDir, `${t.name}.tsv`), data[t.name].text);
  fs.writeFileSync(path.join(outDir, 'scratch.sql'), SCRATCH_SQL.join(';\n') + ';\n');
  fs.writeFileSync(path.join(outDir, 'drop.sql'), DROP_SQL.join(';\n') + ';\n');
  const cols = Object.fromEntries(TABLES.map((t) => [t.name, data[t.name].cols]));
  fs.writeFileSync(path.join(outDir, 'columns.json'), JSON.stringify(cols));
  process.stdout.write(JSON.stringify({ mode, rows: TABLES.reduce((n, t) => n + data[t.name].rows, 0) }) + '\n');
}

async function pgliteRawTsv(pg) {
  const q = (sql) => pg.query(sql);
  return { data: await readAsTsv(q), q };
}

async function limitCopyPglite(dir) {
  const pg = await openPglite(dir);
  const { data } = await pgliteRawTsv(pg);
  for (const s of SCRATCH_SQL) await pg.query(s);
  const blobs = TABLES.map((t) => new Blob([data[t.name].text]));
  const [t0, c0] = start();
  await pg.query('begin');
  for (const [i, t] of TABLES.entries()) {
    await pg.query(`copy ${scratch(t.name)} (${data[t.name].cols.join(', ')}) from '/dev/blob'`, [], { blob: blobs[i] });
  }
  await pg.query('commit');
  const n = await pg.query(`select ${TABLES.map((t) => `(select count(*) from ${scratch(t.name)})::int`).join(' + ')} as n`);
  finish({ rows: n.rows[0].n, statements: TABLES.length + 2 }, t0, c0);
  for (const s of DROP_SQL) await pg.query(s);
  await pg.close();
}

async function limitUnnestPglite(dir) {
  const pg = await openPglite(dir);
  const { data, q } = await pgliteRawTsv(pg);
  for (const s of SCRATCH_SQL) await pg.query(s);
  const inserts = [];
  for (const t of TABLES) inserts.push(unnestInsert(scratch(t.name), data[t.name].cols, data[t.name].raw, await columnTypes(q, t.name)));
  const [t0, c0] = start();
  await pg.query('begin');
  let rows = 0;
  for (const u of inserts) rows += (await pg.query(u.sql, u.params)).affectedRows;
  await pg.query('commit');
  finish({ rows, statements: TABLES.length + 2 }, t0, c0);
  for (const s of DROP_SQL) await pg.query(s);
  await pg.close();
}

// ---------------------------------------------------------------- the product

/** Wraps module exports with timers (the compiled code calls them as `(0, mod_1.fn)(...)`). */
function instrument(phases) {
  const wrap = (rel, names) => {
    let mod;
    try {
      mod = require(path.join(DIST, rel));
    } catch (e) {
      // An older build (CVCTL_BENCH_DIST) may not have this module: its phase is not timed.
      if (e && e.code === 'MODULE_NOT_FOUND') return;
      throw e;
    }
    for (const name of names) {
      const fn = mod[name];
      if (typeof fn !== 'function') continue;
      mod[name] = function timed(...args) {
        const t = process.hrtime.bigint();
        const add = () => {
          const p = (phases[name] ??= { ms: 0, calls: 0 });
          p.ms += Number(process.hrtime.bigint() - t) / 1e6;
          p.calls++;
        };
        const r = fn.apply(this, args);
        if (r && typeof r.then === 'function') return r.finally(add);
        add();
        return r;
      };
    }
  };
  wrap('config/load.js', ['loadConfig']);
  wrap('catalog/catalog.js', ['bundledCatalog']);
  wrap('plan/serialize.js', ['planDigest']);
  wrap('app/make-plan.js', ['makePlan']);
  wrap('state/read-state.js', ['readState']);
  wrap('plan/compute.js', ['computePlan']);
  wrap('render/render.js', ['renderPlan']);
  wrap('apply/apply-plan.js', ['applyPlan']);
  wrap('apply/stale-check.js', ['checkAndLockRows']);
  wrap('apply/credentials.js', ['storeCredentials']);
  wrap('apply/write-rows.js', ['insertProviders', 'insertModels', 'updateProviders', 'updateModels', 'deleteRows', 'setStatus']);
  wrap('app/drift.js', ['gatherDrift']);
  wrap('app/kek-rotate.js', ['rotateKek']);
}

async function runCvctl(argv) {
  const resources = require(path.join(DIST, 'app/resources.js'));
  const { main } = require(path.join(DIST, 'cli/main.js'));
  const phases = {};
  instrument(phases);
  const dbs = [];
  const keks = new Set(); // one instance may be handed out more than once per run
  const statements = [];
  const openDb = resources.openDb;
  let serverCpuMs = null;
  resources.openDb = async (...args) => {
    const db = await openDb(...args);
    dbs.push(db);
    // PostgreSQL: the backend's CPU time, read just before the connection closes.
    const client = db.target === 'postgres' ? db.client : null;
    if (client && local(db.description)) {
      const meter = serverMeter(client, db.description);
      const close = db.close.bind(db);
      db.close = async () => {
        const m = meter();
        if (m.serverCpuMs !== undefined) serverCpuMs = (serverCpuMs ?? 0) + m.serverCpuMs;
        return close();
      };
    }
    // COPY goes through copyRows, not query: timed and listed the same way.
    if (typeof db.copyRows === 'function') {
      const copyRows = db.copyRows.bind(db);
      db.copyRows = async (table, columns, rows) => {
        const t = process.hrtime.bigint();
        let n = '?';
        try {
          return (n = await copyRows(table, columns, rows));
        } finally {
          // rows may be a generator (no length): the count is what COPY reports.
          statements.push({ sql: `copy ${table} (${n} rows)`, ms: Number(process.hrtime.bigint() - t) / 1e6 });
        }
      };
    }
    const query = db.query.bind(db);
    db.query = async (sql, params) => {
      const t = process.hrtime.bigint();
      try {
        return await query(sql, params);
      } finally {
        statements.push({ sql: String(sql).replace(/\s+/g, ' ').trim().slice(0, 70), ms: Number(process.hrtime.bigint() - t) / 1e6 });
      }
    };
    return db;
  };
  const openKekFor = resources.openKekFor;
  resources.openKekFor = async (...args) => {
    const k = await openKekFor(...args);
    keks.add(k);
    return k;
  };
  let stdoutBytes = 0;
  let stdoutTail = '';
  const stderr = [];
  const io = {
    stdout: (s) => {
      stdoutBytes += Buffer.byteLength(s);
      stdoutTail = (stdoutTail + s).slice(-400);
    },
    stderr: (s) => stderr.push(s),
    stdinIsTTY: false,
    stdoutIsTTY: false,
    prompt: async () => 'no',
  };
  const [t0, c0] = start();
  const code = await main(['node', 'cvctl', ...argv], { io, env: process.env, cwd: process.cwd() });
  const writes = {};
  for (const s of statements) {
    const m = /^(insert into|update|delete from|copy)\s+(\w+)/i.exec(s.sql);
    if (m) writes[m[2]] = (writes[m[2]] ?? 0) + 1;
  }
  finish(
    {
      code,
      statements: dbs.reduce((n, db) => n + db.statementCount(), 0),
      writesPerTable: writes,
      kekCalls: [...keks].reduce((n, k) => n + k.callCount(), 0),
      ...(serverCpuMs !== null ? { serverCpuMs } : {}),
      stdoutBytes,
      // The last lines: the command's own summary ("Apply complete: …", "N files valid: …").
      stdoutTail: stdoutTail.trim().split('\n').slice(-2).join('\n'),
      stderr: code === 0 ? undefined : stderr.join('').slice(0, 2000),
      phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, { ms: Math.round(v.ms * 10) / 10, calls: v.calls }])),
      sql: statements.map((s) => ({ ...s, ms: Math.round(s.ms * 10) / 10 })),
    },
    t0,
    c0,
  );
}

const MODES = {
  yaml: limitYaml,
  select: limitSelect,
  'select-pglite': limitSelectPglite,
  copy: limitCopy,
  unnest: limitUnnest,
  'copy-pglite': limitCopyPglite,
  'unnest-pglite': limitUnnestPglite,
  tsv: writeTsv,
  cvctl: (...argv) => runCvctl(argv),
};

if (!MODES[mode]) {
  process.stderr.write(`usage: child.js ${Object.keys(MODES).join('|')} ARGS\n`);
  process.exit(64);
}
MODES[mode](...rest).catch((e) => {
  process.stderr.write(`${mode}: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
