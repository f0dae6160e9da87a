#!/usr/bin/env node
// The KMS emulator (test/support/kms-emulator.ts) as a process of its own, driven by
// bench/kms/run.js over IPC. Own process, so that the service has its own event loop: the
// client side (cvctl, or the raw SDK calls of the ceiling measurement) never competes with
// the emulator for one thread, as it would not against AWS.
//
// The emulator is TypeScript; it is transpiled here with typescript's transpileModule into
// a temporary directory (no type check, no build step, nothing written to the repository).
//
// IPC: the parent sends {id, op, args}; we answer {id, ok, value | error}. Ops: url, createKey,
// createAlias, setKeyState, injectFaults, clearFaults, stats, resetStats. First message sent:
// {ready: true, url}.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const SUPPORT = path.join(ROOT, 'test', 'support');
const FILES = ['kms-emulator.ts', 'kms-emulator/keystore.ts', 'kms-emulator/operations.ts'];

/** Transpiles the emulator's files into a fresh temporary directory; returns the entry module's path. */
function transpileEmulator() {
  const ts = require('typescript');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-bench-kms-emu-'));
  for (const rel of FILES) {
    const src = fs.readFileSync(path.join(SUPPORT, rel), 'utf8');
    const js = ts.transpileModule(src, {
      fileName: rel,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const dest = path.join(out, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, js);
  }
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  return path.join(out, 'kms-emulator.js');
}

async function main() {
  const { startKmsEmulator } = require(transpileEmulator());
  const region = process.argv[2] || 'eu-west-1';
  const emu = await startKmsEmulator({ region });
  const ops = {
    url: () => emu.url,
    createKey: (o) => emu.createKey(o || {}),
    createAlias: (name, keyId) => emu.createAlias(name, keyId),
    setKeyState: (keyId, state) => emu.setKeyState(keyId, state),
    injectFaults: (f) => emu.injectFaults(f),
    clearFaults: () => emu.clearFaults(),
    stats: () => emu.stats(),
    resetStats: () => emu.resetStats(),
  };
  process.on('message', (m) => {
    let reply;
    try {
      const fn = ops[m.op];
      if (!fn) throw new Error(`unknown op ${m.op}`);
      reply = { id: m.id, ok: true, value: fn(...(m.args || [])) };
    } catch (e) {
      reply = { id: m.id, ok: false, error: String((e && e.message) || e) };
    }
    process.send(reply);
  });
  // The parent going away (crash, Ctrl-C) takes the emulator with it.
  process.on('disconnect', () => {
    emu.close().finally(() => process.exit(0));
  });
  process.send({ ready: true, url: emu.url });
}

main().catch((e) => {
  process.stderr.write(`kms emulator failed to start: ${(e && e.stack) || e}\n`);
  process.exit(1);
});
