#!/usr/bin/env node
// Opens embedded (PGlite) data directories for the crash-safety test, in its own process: PGlite
// runs PostgreSQL in WASM on the calling thread, and in the jest process its work would stall the
// timers and the session polling of the PostgreSQL trials running at the same time. Opens them
// exactly as cvctl does (dist/state/connect.js, crash recovery included).
//
// One JSON request per stdin line, one JSON reply per stdout line, in order:
//   {"id": 1, "op": "open", "dir": "/abs/data/dir"}      -> {"id": 1, "ok": true}
//   {"id": 2, "op": "query", "sql": "...", "params": []}  -> {"id": 2, "ok": true, "rows": [...]}
//   {"id": 3, "op": "close"}                              -> {"id": 3, "ok": true}
// An error: {"id": n, "ok": false, "error": "message"}. Rows must be JSON values (the test selects text).
'use strict';
const path = require('path');
const readline = require('readline');

const { openDatabase } = require(path.resolve(__dirname, '..', '..', '..', 'dist', 'state', 'connect.js'));

let db = null;
let chain = Promise.resolve();

async function handle(m) {
  if (m.op === 'open') {
    if (db) throw new Error('a data directory is already open');
    db = await openDatabase({ embeddedDir: m.dir, lockTimeoutSeconds: 10 });
    return {};
  }
  if (m.op === 'query') {
    if (!db) throw new Error('no data directory is open');
    const r = await db.query(m.sql, m.params);
    return { rows: r.rows };
  }
  if (m.op === 'close') {
    const d = db;
    db = null;
    if (d) await d.close();
    return {};
  }
  throw new Error(`unknown op ${m.op}`);
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  chain = chain.then(async () => {
    let m;
    try {
      m = JSON.parse(line);
      const out = await handle(m);
      process.stdout.write(`${JSON.stringify({ id: m.id, ok: true, ...out })}\n`);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ id: m && m.id, ok: false, error: String((e && e.message) || e) })}\n`);
    }
  });
});
process.stdin.on('end', () => {
  chain.then(async () => {
    if (db) await db.close().catch(() => undefined);
  });
});
