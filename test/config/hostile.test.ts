// Hostile and odd input: every case must end in diagnostics (or a clean skip), never an
// exception, a hang or unbounded memory. Big inputs are generated here, not committed.
// Durations are logged, not asserted (shared CI machines are noisy); the jest timeout is
// the backstop.
import * as fs from 'fs';
import * as path from 'path';
import { load, providerDoc, removeRepo, summarize, tempRepo } from './helpers';

jest.setTimeout(120_000);

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint();
  const r = await f();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (process.env.CVCTL_TEST_TIMINGS) process.stdout.write(`${label}: ${ms.toFixed(0)} ms\n`);
  return r;
}

function billionLaughs(): string {
  const lines = ['version: 1', 'lol0: &l0 "lol"'];
  for (let i = 1; i <= 9; i++) lines.push(`lol${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
  lines.push('providers:', '  - name: bomb', '    kind: openai', '    labels: {x: *l9}');
  return lines.join('\n') + '\n';
}

describe('hostile input', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  it('refuses a 50 MB file by its size, without reading it', async () => {
    dir = tempRepo();
    const fd = fs.openSync(path.join(dir, 'big.yaml'), 'w');
    const chunk = Buffer.from('# padding padding padding padding padding padding padding padding\n'.repeat(16_384));
    for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    const r = await timed('50 MB file', () => load(['.'], dir));
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['file-too-large', 0, 0]]);
    expect(r.diagnostics[0].message).toMatch(/over the 16,777,216-byte limit.*CVCTL_MAX_FILE_BYTES/);
  });

  it('honours CVCTL_MAX_FILE_BYTES', async () => {
    dir = tempRepo({ 'p.yaml': providerDoc('p') });
    const saved = process.env.CVCTL_MAX_FILE_BYTES;
    try {
      process.env.CVCTL_MAX_FILE_BYTES = '10';
      expect(summarize(await load(['.'], dir))).toEqual(['file-too-large 0:0']);
      process.env.CVCTL_MAX_FILE_BYTES = 'not a number';
      expect(summarize(await load(['.'], dir))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.CVCTL_MAX_FILE_BYTES;
      else process.env.CVCTL_MAX_FILE_BYTES = saved;
    }
  });

  it('stops a billion-laughs alias bomb', async () => {
    dir = tempRepo({ 'bomb.yaml': billionLaughs() });
    const r = await timed('alias bomb', () => load(['.'], dir));
    expect(summarize(r)).toEqual(['alias-limit 7:47']);
    expect(r.desired.providers).toEqual([]);
  });

  it('stops an alias bomb built from merge keys', async () => {
    const lines = ['a0: &a0 {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}'];
    for (let i = 1; i <= 8; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('m: {<<: *a0, list: *a8}');
    dir = tempRepo({ 'merge-bomb.yaml': lines.join('\n') + '\n' });
    const r = await timed('merge bomb', () => load(['.'], dir));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['alias-limit']);
  });

  it('still accepts ordinary anchors, aliases and merge keys', async () => {
    const text = [
      'version: 1',
      'providers:',
      '  - &openai',
      '    name: openai-a',
      '    kind: openai',
      '    labels: &labels {team: platform, env: prod}',
      '    credentials:',
      '      apiKey: &key {from: env, name: OPENAI_API_KEY}',
      '  - <<: *openai',
      '    name: openai-b',
      '    labels: *labels',
      '    credentials: {apiKey: *key}',
      '',
    ].join('\n');
    dir = tempRepo({ 'anchors.yaml': text });
    const r = await load(['.'], dir);
    expect(r.diagnostics).toEqual([]);
    const [a, b] = r.desired.providers.map((p) => p.spec);
    expect([a.name, b.name, b.kind, b.labels]).toEqual(['openai-a', 'openai-b', 'openai', { team: 'platform', env: 'prod' }]);
    // Aliased nodes are copied, so the two providers share nothing.
    expect(a.labels).not.toBe(b.labels);
    expect(b.credentials.apiKey.pos).toEqual({ file: 'anchors.yaml', line: 8, column: 15 });
  });

  it.each([
    ['flow lists', 'version: 1\nproviders: ' + '['.repeat(10_000) + ']'.repeat(10_000) + '\n'],
    ['flow mappings', 'version: 1\nx: ' + '{a: '.repeat(10_000) + '1' + '}'.repeat(10_000) + '\n'],
    ['block lists', 'version: 1\nproviders:\n' + '- '.repeat(10_000) + 'x\n'],
  ])('refuses 10,000-deep nesting (%s)', async (_label, text) => {
    dir = tempRepo({ 'deep.yaml': text });
    const r = await timed('deep nesting', () => load(['.'], dir));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['too-deep']);
  });

  it('survives a 10,000-deep structure built from a chain of aliases', async () => {
    const lines = ['version: 1', 'x0: &x0 [end]'];
    for (let i = 1; i <= 10_000; i++) lines.push(`x${i}: &x${i} [*x${i - 1}]`);
    lines.push('providers:', '  - name: chain', '    kind: openai', '    models: {exclude: *x10000}');
    dir = tempRepo({ 'chain.yaml': lines.join('\n') + '\n' });
    const r = await timed('alias chain', () => load(['.'], dir));
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });

  it('reports duplicate keys at the second one', async () => {
    dir = tempRepo({ 'dup.yaml': providerDoc('dup', '    kind: anthropic\n') });
    expect(summarize(await load(['.'], dir))).toEqual(['duplicate-key 7:5']);
  });

  it('reports invalid UTF-8 at its first bad byte', async () => {
    dir = tempRepo({ 'latin1.yaml': Buffer.concat([Buffer.from('version: 1\nproviders:\n  - name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]) });
    const r = await load(['.'], dir);
    expect(summarize(r)).toEqual(['invalid-utf8 3:14']);
    expect(r.diagnostics[0].message).toContain('0xe9');
  });

  it('reports a binary file', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    dir = tempRepo({ 'logo.yaml': png });
    expect(await load(['.'], dir).then((r) => r.diagnostics.map((d) => d.code))).toEqual(['binary-file']);
  });

  it('skips empty files, comment-only files and empty documents', async () => {
    dir = tempRepo({ 'empty.yaml': '', 'comments.yaml': '# nothing here yet\n\n   # indented\n', 'docs.yaml': '---\n---\n...\n' });
    const r = await load(['.'], dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.files).toEqual(['comments.yaml', 'docs.yaml', 'empty.yaml']);
    expect(r.desired.providers).toEqual([]);
  });

  it('reports documents that are not mappings', async () => {
    dir = tempRepo({ 'list.yaml': '- a\n- b\n', 'scalar.yaml': '42\n', 'null.yaml': '--- null\n' });
    // Named on the command line, so read as cvctl's (a walked folder would skip them: recognise.test.ts).
    const r = await load(['list.yaml', 'scalar.yaml', 'null.yaml'], dir);
    expect(summarize(r)).toEqual(['document-not-mapping 1:1', 'document-not-mapping 1:5', 'document-not-mapping 1:1']);
  });

  it('accepts a UTF-8 BOM, with columns as an editor shows them', async () => {
    dir = tempRepo({ 'bom.yaml': '\ufeff' + providerDoc('bom', '    stauts: x\n') });
    const r = await load(['.'], dir);
    expect(summarize(r)).toEqual(['unknown-key 7:5']);
    dir && removeRepo(dir);
    dir = tempRepo({ 'bom.yaml': '\ufeffversion: 2\nproviders: []\n' });
    expect(summarize(await load(['.'], dir))).toEqual(['invalid-value 1:10']);
  });

  it('handles CRLF line endings and many documents', async () => {
    const docs = Array.from({ length: 2_000 }, (_, i) => providerDoc(`p${i}`)).join('---\n');
    dir = tempRepo({ 'crlf.yaml': providerDoc('crlf').replace(/\n/g, '\r\n'), 'many.yaml': docs });
    const r = await timed('2,000 documents', () => load(['.'], dir));
    expect(r.diagnostics).toEqual([]);
    expect(r.desired.providers).toHaveLength(2_001);
    expect(r.desired.providers.find((p) => p.spec.name === 'crlf')!.spec.credentials.apiKey.pos).toEqual({ file: 'crlf.yaml', line: 6, column: 15 });
  });
});
