#!/usr/bin/env node
'use strict';
// The AWS SDK warns on every run under Node 20 (its support window); cvctl supports Node 20.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
// The embedded database is PostgreSQL compiled to WASM (9 MB). V8 compiles it with its baseline
// compiler (Liftoff) and then, in background threads, recompiles hot functions with its
// optimising one: for a CLI run that is ~0.3 s of CPU and ~60 MB of memory spent on code used
// for a second or two. Measured no slower on the largest benchmark (bench/embedded/run.js,
// docs/benchmarks-scale.md). Set before anything compiles WASM; the PostgreSQL target never does.
require('v8').setFlagsFromString('--liftoff-only');
// A reader that stops early (`cvctl show plan.json | head`) closes the pipe: further output is
// dropped, as with git or terraform, and the command still finishes (an apply still commits or
// rolls back as it would have) instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') return;
  throw err;
});
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `prepare` on npm ci).
require('../dist/cli/main.js').main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cvctl: internal error: ${err && err.message}\n`); process.exitCode = 1; },
);
