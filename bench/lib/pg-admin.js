// Shared by the reconcile and scale benchmarks: throwaway PostgreSQL databases through psql
// (created from a template, dropped at the end), and the median of a run's figures.
'use strict';
const { spawnSync } = require('child_process');

/** The median of the numbers in xs (other values ignored); null when there are none. */
function median(xs) {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Databases named by the caller on the server behind adminUrl; every one created is remembered for dropAll(). */
function pgAdmin(adminUrl, env) {
  const created = new Set();
  const psql = (url, args, input) => {
    const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args], { encoding: 'utf8', input, env });
    if (r.status !== 0) throw new Error(`psql ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const dbUrl = (name) => {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const dropDb = (name) => {
    psql(adminUrl, ['-c', `drop database if exists ${name} with (force)`]);
    created.delete(name);
  };
  const createDb = (name, template) => {
    dropDb(name);
    psql(adminUrl, ['-c', `create database ${name}${template ? ` template ${template}` : ''}`]);
    created.add(name);
  };
  return { psql, dbUrl, dropDb, createDb, created, dropAll: () => [...created].forEach(dropDb) };
}

module.exports = { median, pgAdmin };
