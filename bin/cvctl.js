#!/usr/bin/env node
'use strict';
// The AWS SDK warns on every run under Node 20 (its support window); cvctl supports Node 20.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `prepare` on npm ci).
require('../dist/cli/main.js').main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cvctl: internal error: ${err && err.message}\n`); process.exitCode = 1; },
);
