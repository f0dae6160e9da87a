// One measured run, in its own process so peak RSS belongs to it alone.
//   node bench/validate/child.js <mode> <repo-dir>
// mode: js-yaml-load | js-yaml-events | yaml-document | loadConfig
// Prints one JSON line: {mode, bytes, files, wallMs, cpuMs, maxRssMb, diagnostics?, providers?, models?}
'use strict';
const fs = require('fs');
const path = require('path');

const DIST = path.resolve(__dirname, '../../dist');

function yamlFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

async function main() {
  const [mode, repo] = process.argv.slice(2);
  const files = yamlFiles(repo);
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const extra = {};
  let run;
  if (mode === 'js-yaml-load') {
    const jsyaml = require('js-yaml');
    run = () => {
      for (const f of files) jsyaml.loadAll(fs.readFileSync(f, 'utf8'));
    };
  } else if (mode === 'js-yaml-events') {
    const jsyaml = require('js-yaml');
    run = () => {
      for (const f of files) jsyaml.parseEvents(fs.readFileSync(f, 'utf8'), {});
    };
  } else if (mode === 'yaml-document') {
    const YAML = require('yaml');
    run = () => {
      for (const f of files) YAML.parseAllDocuments(fs.readFileSync(f, 'utf8'), { lineCounter: new YAML.LineCounter() });
    };
  } else if (mode === 'loadConfig') {
    const { loadConfig } = require(path.join(DIST, 'config/load.js'));
    const { bundledCatalog } = require(path.join(DIST, 'catalog/catalog.js'));
    const c0 = process.hrtime.bigint();
    const catalog = bundledCatalog();
    catalog.versions();
    extra.catalogLoadMs = Math.round(Number(process.hrtime.bigint() - c0) / 1e6);
    run = async () => {
      const r = await loadConfig([repo], { catalog, cwd: repo });
      extra.diagnostics = r.diagnostics.length;
      extra.providers = r.desired.providers.length;
      extra.models = r.desired.providers.reduce((n, p) => n + p.models.length, 0);
      // Exact positions are part of the contract of this path: spot-check they are there.
      extra.positioned = r.diagnostics.every((d) => d.line > 0 && d.column > 0);
    };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const out = { mode, bytes, files: files.length, wallMs: Math.round(wallMs), cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssMb: Math.round(maxRssMb), ...extra };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
