// Shared by the KMS benchmark: the emulator process (emulator-server.js) driven over IPC, the
// CLI run as a child process the way users run it, and throwaway databases on either target.
'use strict';
const { fork, spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const CLI = path.join(ROOT, 'bin', 'cvctl.js');
const REGION = 'eu-west-1';

/** Credentials the SDK signs with (the emulator checks the signature's shape and scope, not the key). */
const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDBENCHKMS',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Starts the emulator in its own process; resolves to {url, call(op, ...args), stop()}. */
function startEmulator() {
  const child = fork(path.join(__dirname, 'emulator-server.js'), [REGION], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let next = 1;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the KMS emulator exited (${code}) before it was ready`)));
    child.on('message', (m) => {
      if (m.ready) {
        child.removeAllListeners('exit');
        resolve({
          url: m.url,
          call(op, ...args) {
            const id = next++;
            child.send({ id, op, args });
            return new Promise((res, rej) => pending.set(id, { res, rej }));
          },
          stop() {
            return new Promise((res) => {
              child.once('exit', () => res());
              child.disconnect();
            });
          },
        });
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.res(m.value);
      else p.rej(new Error(m.error));
    });
  });
}

/** `node bin/cvctl.js ARGS` in cwd; resolves to {code, stdout, stderr, ms}. Never blocks the event loop. */
function cvctl(args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Math.round(Number(process.hrtime.bigint() - t0) / 1e6) }));
  });
}

/** PostgreSQL answers on the admin URL's host and port. */
function reachable(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port || 5432), u.hostname);
    s.setTimeout(2000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/**
 * A throwaway, migrated database. postgres: `create database cvctl_bench_kms_<pid>_<n>` on the
 * admin URL's server (dropped by cleanup); pglite: a data directory under `dir`.
 * Returns {args (for the CLI), open() (an in-process Database), cleanup()}.
 */
let dbCounter = 0;
async function freshDatabase(target, adminUrl, dir) {
  const { openDatabase } = require(path.join(DIST, 'state', 'connect.js'));
  const { migrate } = require(path.join(DIST, 'state', 'migrations.js'));
  if (target === 'postgres') {
    const { Client } = require('pg');
    const name = `cvctl_bench_kms_${process.pid}_${++dbCounter}`;
    const admin = async (sql) => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    await admin(`create database ${name}`);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    const url = u.toString();
    const db = await openDatabase({ databaseUrl: url });
    await migrate(db);
    await db.close();
    return {
      args: ['--database-url', url],
      open: () => openDatabase({ databaseUrl: url }),
      cleanup: () => admin(`drop database if exists ${name} with (force)`),
    };
  }
  // The CLI's default place, so a child `cvctl` with no --database-url finds it.
  const embeddedDir = path.join(dir, '.cvctl', 'db');
  fs.mkdirSync(path.dirname(embeddedDir), { recursive: true });
  const db = await openDatabase({ embeddedDir });
  await migrate(db);
  await db.close();
  return {
    args: [],
    open: () => openDatabase({ embeddedDir }),
    cleanup: async () => fs.rmSync(embeddedDir, { recursive: true, force: true }),
  };
}

/** Bounded concurrency over items; resolves to the results in order. */
async function mapPool(items, concurrency, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus[0] ? cpus[0].model.trim() : 'unknown'} x ${cpus.length}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    // Other work on the machine skews every figure: recorded next to them.
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

module.exports = { ROOT, DIST, REGION, AWS_ENV, startEmulator, cvctl, reachable, freshDatabase, mapPool, machine, tmpDir };
