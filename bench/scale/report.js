// The scale benchmark's table, its target checks, and the section of bench/RESULTS.md it
// replaces. Targets (issue "Benchmarks at scale") are checked on PostgreSQL only; on the
// embedded database the same table is printed without them.
'use strict';
const fs = require('fs');

const MB = (x) => `${Math.round(x)} MB`;
const ms = (x) => (x === null || x === undefined ? '–' : x >= 100 ? `${Math.round(x).toLocaleString('en-US')} ms` : `${x.toFixed(1)} ms`);
const n = (x) => x.toLocaleString('en-US');
const ok = (pass) => (pass ? '✅' : '❌');

/** Statements that wrote each table: "providers 1, provider_models 1". */
const writes = (r) => Object.entries(r.writesPerTable || {}).map(([t, k]) => `${t} ${k}`).join(', ') || 'none';
const maxWrites = (r) => Math.max(0, ...Object.values(r.writesPerTable || {}));

// A no-op plan's SQL statements, whatever the number of rows. It was ≤ 10 when the plan read
// two tables (9 sent: BEGIN, SET TRANSACTION, providers, provider models, COMMIT, the schema
// check, the fingerprint key...). Issue 15 added one read per routing table (models,
// model_backends, access_grants: +3, src/state/read-routing.ts) and issue 16 the cost estimate's
// usage reads (the usage table's column check and the aggregate: +2): 10 + 3 + 2 = 15. The
// point of the target is that the count does not grow with N, which the table checks by
// comparing sizes (see `constant` in report()).
const PLAN_STATEMENTS_MAX = 15;

/** The datasets the ratio targets are set for: L (issues 13 and the scale issue) and L+routing (issue 15). */
const isL = (size) => size === 'L' || size === 'L+routing';

/** Expected KEK calls: the fingerprint-key unwrap, plus one wrap per created credentialed provider (and one to create the fingerprint key). */
function operations(s) {
  const AB = s.A.wallMs + s.B.wallMs;
  const AC = s.A.wallMs + s.C.wallMs;
  const cpu = (r) => r.totalCpuMs ?? r.cpuMs;
  const cpuAB = cpu(s.A) + cpu(s.B);
  const cpuAC = cpu(s.A) + cpu(s.C);
  return [
    { op: 'validate', r: s.validate, limit: 'A: parse', limitMs: s.A.wallMs, limitCpuMs: cpu(s.A), kek: 0 },
    { op: 'first apply', r: s.apply, limit: 'A + C: parse + COPY', limitMs: AC, limitCpuMs: cpuAC, kek: s.providers + 1, ratioMax: isL(s.size) ? 2 : null, apply: true },
    { op: 'no-op plan', r: s.plan, limit: 'A + B: parse + SELECT', limitMs: AB, limitCpuMs: cpuAB, kek: 1, ratioMax: isL(s.size) || s.size === 'XL' ? 1.5 : null, statementsMax: PLAN_STATEMENTS_MAX },
    { op: '1% apply', r: s.apply1, limit: 'the no-op plan', limitMs: s.plan.wallMs, limitCpuMs: cpu(s.plan), kek: 1, ratioMax: isL(s.size) ? 1.5 : null, apply: true },
    { op: 'drift', r: s.drift, limit: 'A + B: parse + SELECT', limitMs: AB, limitCpuMs: cpuAB, kek: 1 },
  ];
}

const RSS_MAX = { L: 500, 'L+routing': 500, XL: 1536 };

/** "101,000 (1,000 + 100,000)", or with routing rows "110,000 (1,000 + 100,000 + 1,000 models, 3,000 backends, 5,000 grants)". */
function rowsCell(s) {
  const routing = s.routingModels ? ` + ${n(s.routingModels)} models, ${n(s.backends)} backends, ${n(s.grants)} grants` : '';
  return `${n(s.rows)} (${n(s.providers)} + ${n(s.models)}${routing})`;
}

function report(results, m) {
  const pg = m.target === 'postgres';
  const L = [];
  const checks = [];
  const check = (what, pass) => {
    if (pg) checks.push(`${ok(pass)} ${what}`);
    return pg ? ` ${ok(pass)}` : '';
  };
  L.push(`Machine: ${m.cpus} CPUs (${m.cpu}), ${m.ramGb} GB RAM, Node ${m.node}, ${m.database}.`);
  L.push(`Date: ${m.date}. Load average (1, 5, 15 min) before / after: ${m.load}. Median of ${m.runs} rounds, each command in a fresh process.`);
  L.push('');
  L.push('| size | rows | operation | wall, median (min–max) | limit | limit wall | ratio | peak RSS | SQL statements (writes per table) | KEK calls (expected) |');
  L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of results.sizes) {
    const rows = rowsCell(s);
    for (const o of operations(s)) {
      const r = o.r;
      const ratio = r.wallMs / o.limitMs;
      let ratioCell = `${ratio.toFixed(2)}×`;
      if (o.ratioMax) ratioCell += `${check(`${s.size} ${o.op}: ${ratio.toFixed(2)}× ${o.limit} (target ≤ ${o.ratioMax}×)`, ratio <= o.ratioMax)} (≤ ${o.ratioMax}×)`;
      // CPU (client + PostgreSQL backend) against the limit's CPU: informative, not a target.
      const rc = r.totalCpuMs ?? r.cpuMs;
      if (o.limitCpuMs && rc) ratioCell += `; CPU ${ms(rc)} ÷ ${ms(o.limitCpuMs)} = ${(rc / o.limitCpuMs).toFixed(2)}×`;
      let rss = MB(r.maxRssMb);
      if (RSS_MAX[s.size]) rss += check(`${s.size} ${o.op}: peak RSS ${MB(r.maxRssMb)} (target ≤ ${MB(RSS_MAX[s.size])})`, r.maxRssMb <= RSS_MAX[s.size]);
      let stmts = `${r.statements}${r.statementsVaries ? ` (varies: ${r.statementsVaries.join(', ')})` : ''}`;
      if (o.statementsMax) stmts += check(`${s.size} ${o.op}: ${r.statements} SQL statements (target ≤ ${o.statementsMax})`, r.statements <= o.statementsMax);
      if (o.apply) stmts += ` (${writes(r)})${check(`${s.size} ${o.op}: at most ${maxWrites(r)} statements per table written (target ≤ 10)`, maxWrites(r) <= 10)}`;
      const kekOk = o.op === 'validate' ? r.kekCalls === 0 : r.kekCalls <= o.kek;
      const kek = `${r.kekCalls} (${o.op === 'first apply' ? '' : '≤ '}${n(o.kek)})${check(`${s.size} ${o.op}: ${r.kekCalls} KEK calls (expected ${o.op === 'first apply' ? '' : '≤ '}${o.kek})`, kekOk)}`;
      const op = o.op === '1% apply' && r.changedRows != null ? `1% apply (${n(r.changedRows)} updated)` : o.op;
      L.push(`| ${s.size} | ${rows} | ${op} | ${ms(r.wallMs)}${r.n > 1 ? ` (${ms(r.wallMin)}–${ms(r.wallMax)})` : ''} | ${o.limit} | ${ms(o.limitMs)} | ${ratioCell} | ${rss} | ${stmts} | ${kek} |`);
    }
    for (const [name, r] of [['A: read + js-yaml loadAll', s.A], ['B: one SELECT * per table', s.B], ['C: one COPY per table', s.C]]) {
      L.push(`| ${s.size} | | limit ${name} | ${ms(r.wallMs)}${r.n > 1 ? ` (${ms(r.wallMin)}–${ms(r.wallMax)})` : ''} | | | | ${MB(r.maxRssMb)} | ${r.statements ?? ''} | |`);
    }
  }
  const rot = results.rotate;
  if (rot) {
    const ratio = rot.rotate.wallMs / rot.limitMs;
    const share = Math.round((100 * (rot.rows / (rot.rotate.wallMs / 1000))) / rot.ceiling.callsPerSecond);
    L.push(
      `| L | ${n(rot.rows)} credentials | kek rotate (AWS KMS emulator, ${rot.latencyMs} ms per call, ${rot.concurrency} in flight) | ${ms(rot.rotate.wallMs)} | emulator ceiling: ${n(rot.rows)} ReEncrypt at ${n(rot.ceiling.callsPerSecond)}/s (before ${n(rot.ceiling.before)}, after ${n(rot.ceiling.after)}) | ${ms(rot.limitMs)} | ${ratio.toFixed(2)}×, ${share}% of the ceiling${check(`L kek rotate: ${share}% of the emulator's ceiling (KMS issue: ≥ 80%)`, share >= 80)} | ${MB(rot.rotate.maxRssMb)} | ${rot.rotate.statements} | ${rot.kmsCalls} KMS calls (${Object.entries(rot.kmsCallsByOperation).map(([op, k]) => `${op} ${k}`).join(', ')}; expected ${rot.rows} ReEncrypt + the fingerprint key's) |`,
    );
  }
  L.push('');
  L.push('Limits: **A** read + js-yaml `loadAll` of the same files (no checks); **B** one `SELECT *` per table (`providers`, `provider_models`, `models`, `model_backends`, `access_grants`; the last three are empty outside the +routing datasets) on an open connection; **C** one `COPY … FROM STDIN` per table of the same rows into scratch tables with the same keys, unique indexes and foreign keys, in one transaction. KEK calls: of the local key file KEK (`--kms local://…`), as a KMS would count them.');

  // Statement counts must not depend on N: for each pair of sizes of the same family
  // (M → L, M+routing → L+routing), every operation's count is the same.
  const families = [['M', 'L'], ['M+routing', 'L+routing']];
  for (const [a, b] of families) {
    const sa = results.sizes.find((x) => x.size === a);
    const sb = results.sizes.find((x) => x.size === b);
    if (!sa || !sb) continue;
    const ops = operations(sa).map((o, i) => [o.op, o.r.statements, operations(sb)[i].r.statements]);
    const same = ops.every(([, x, y]) => x === y);
    const cells = ops.map(([op, x, y]) => `${op} ${x} → ${y}`).join(', ');
    L.push('');
    L.push(`SQL statements ${a} → ${b} (rows × ${(sb.rows / sa.rows).toFixed(1)}): ${cells}${check(`statement counts constant ${a} → ${b}: ${cells}`, same)}`);
  }

  const sizes = results.sizes;
  // Steps between consecutive sizes of the same family (S, M, L, XL; M+routing, L+routing).
  const family = (x) => x.size.replace(/^[A-Z]+/, '');
  const steps = sizes.slice(1).map((s, i) => [sizes[i], s]).filter(([p, s]) => family(p) === family(s));
  if (steps.length) {
    L.push('');
    L.push('How time grows: for each step, the growth of the wall time ÷ the growth of the data (rows); linear or better is ≤ 1, the target is ≤ 1.2.');
    L.push('');
    L.push(`| operation | ${steps.map(([p, s]) => `${p.size} → ${s.size} (data × ${(s.rows / p.rows).toFixed(1)})`).join(' | ')} |`);
    L.push(`| --- |${steps.map(() => ' --- |').join('')}`);
    for (const key of ['validate', 'apply', 'plan', 'apply1', 'drift']) {
      const label = { validate: 'validate', apply: 'first apply', plan: 'no-op plan', apply1: '1% apply', drift: 'drift' }[key];
      const cells = steps.map(([p, s]) => {
        const time = s[key].wallMs / p[key].wallMs;
        const g = time / (s.rows / p.rows);
        return `time × ${time.toFixed(2)} → ${g.toFixed(2)}${check(`growth of ${label} ${p.size} → ${s.size}: ${g.toFixed(2)} (target ≤ 1.2)`, g <= 1.2)}`;
      });
      L.push(`| ${label} | ${cells.join(' | ')} |`);
    }
  }
  if (pg) {
    const failed = checks.filter((c) => c.startsWith('❌'));
    L.push('');
    L.push(`Targets: ${checks.length - failed.length} of ${checks.length} met.${failed.length ? ' Missed:' : ''}`);
    for (const f of failed) L.push(`- ${f}`);
  } else {
    L.push('');
    L.push('Embedded database: no targets apply; the figures are for information.');
  }
  return L.join('\n');
}

/** Replaces (or appends) the target's section of RESULTS.md, between its two markers. */
function writeResults(file, target, text) {
  const begin = `<!-- scale:${target}:begin -->`;
  const end = `<!-- scale:${target}:end -->`;
  const title = target === 'postgres' ? '## PostgreSQL' : '## Embedded database (PGlite)';
  const section = `${begin}\n${title}\n\n${text}\n${end}`;
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n\nWritten by `node bench/scale/run.js --write` (see docs/benchmarks-scale.md).\n';
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + section + doc.slice(b + end.length);
  else doc = `${doc.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, doc);
}

module.exports = { report, writeResults };
