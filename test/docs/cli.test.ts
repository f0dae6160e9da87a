// docs/cli.md documents every command and every long flag the built CLI knows. Runs
// `node bin/cvctl.js --help`, then `<command> --help` in-process (recursively through command
// groups such as `catalog`, `db`, `kek`), parses the Commands: and Options: sections, and checks each appears
// in docs/cli.md. A new command or flag without docs fails here.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, ensureBuilt } from '../github/support';
import { runCli } from '../support/cli';

const doc = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');

function help(cli: string, words: string[]): string {
  return execFileSync(process.execPath, [cli, ...words, '--help'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' },
    timeout: 30_000,
  });
}

/** Lines of one "Section:" block of commander's help. */
function section(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === `${name}:`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.trim() === '' || /^\S/.test(l)) break;
    out.push(l);
  }
  return out;
}

const subcommands = (text: string): string[] =>
  section(text, 'Commands')
    .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined && c !== 'help');

const longFlags = (text: string): string[] =>
  section(text, 'Options').flatMap((l) => (/^ {2}(?:-\w, )?(--[\w-]+)/.exec(l) ? [/^ {2}(?:-\w, )?(--[\w-]+)/.exec(l)![1]!] : []));

interface Cmd {
  words: string[];
  flags: string[];
  leaf: boolean;
}

let commands: Cmd[] = [];
let globalFlags: string[] = [];

/** The same help from the CLI's main in-process (a spawn per command cost ~0.3 s of CPU each). */
async function helpInProcess(words: string[]): Promise<string> {
  const r = await runCli([...words, '--help'], { cwd: ROOT, env: { NO_COLOR: '1' } });
  if (r.code !== 0) throw new Error(`cvctl ${words.join(' ')} --help: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  // The built CLI's top-level help, spawned; the commands below it through the same program
  // in-process, after checking that it lists the same commands and global flags as the build.
  const top = help(ensureBuilt(), []);
  globalFlags = longFlags(top);
  const topInProcess = await helpInProcess([]);
  expect(subcommands(topInProcess)).toEqual(subcommands(top));
  expect(longFlags(topInProcess)).toEqual(globalFlags);
  const walk = async (words: string[]): Promise<void> => {
    const text = await helpInProcess(words);
    const subs = subcommands(text);
    commands.push({ words, flags: longFlags(text), leaf: subs.length === 0 });
    for (const s of subs) await walk([...words, s]);
  };
  for (const c of subcommands(top)) await walk([c]);
  commands = commands.filter((c) => c.words.length > 0);
}, 200_000);

/** The part of cli.md about one command: from its `## cvctl <words>` heading to the next `## `. */
function docSection(words: string[]): string {
  const head = `\n## cvctl ${words.join(' ')}\n`;
  const i = doc.indexOf(head);
  if (i < 0) return '';
  const j = doc.indexOf('\n## ', i + head.length);
  return doc.slice(i, j < 0 ? undefined : j);
}

describe('docs/cli.md covers the CLI', () => {
  it('found the commands in --help (sanity)', () => {
    const names = commands.map((c) => c.words.join(' '));
    for (const c of ['validate', 'plan', 'apply', 'show', 'catalog list', 'db migrate', 'history']) expect(names).toContain(c);
    expect(globalFlags).toEqual(expect.arrayContaining(['--database-url', '--kms', '--scope', '--no-color', '--quiet', '--verbose', '--version', '--help']));
  });

  it('documents every global option in the global options table', () => {
    const table = doc.slice(doc.indexOf('## Global options'), doc.indexOf('## Exit codes'));
    for (const f of globalFlags) expect(table).toMatch(new RegExp(`\`(-\\w, )?${f}[\` <]`));
  });

  it('has a section for every command, listing each of its long flags', () => {
    const missing: string[] = [];
    for (const c of commands.filter((x) => x.leaf)) {
      const sec = docSection(c.words);
      if (sec === '') {
        missing.push(`## cvctl ${c.words.join(' ')}`);
        continue;
      }
      for (const f of c.flags.filter((x) => x !== '--help')) {
        if (!new RegExp(`\`(-\\w, )?${f}[\` <]`).test(sec)) missing.push(`cvctl ${c.words.join(' ')} ${f}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents the contract commands drift, export and kek rotate', () => {
    for (const words of [['drift'], ['export'], ['kek', 'rotate']]) expect(docSection(words)).not.toBe('');
    expect(docSection(['export'])).toContain('`--out <dir>`');
  });

  it('documents the exit codes, the plan marks, the output formats and the main environment variables', () => {
    for (const code of ['`0`', '`1`', '`2`']) expect(doc).toContain(`| ${code} |`);
    for (const [mark, action] of [['+', 'create'], ['~', 'update'], ['⊘', 'disable'], ['↑', 'enable'], ['-', 'delete']]) {
      expect(doc).toContain(`| \`${mark}\` | ${action}`);
    }
    for (const v of ['DATABASE_URL', 'CVCTL_KMS_KEY', 'NO_COLOR', 'CVCTL_MAX_FILE_BYTES', 'AWS_REGION', 'VAULT_ADDR', 'VAULT_TOKEN', 'GOOGLE_APPLICATION_CREDENTIALS', 'AZURE_CLIENT_ID']) {
      expect(doc).toContain(`\`${v}\``);
    }
    for (const f of ['formatVersion', 'scope', 'summary', 'changes', 'warnings', 'sensitive', 'cascade', 'digest']) expect(doc).toContain(`"${f}"`);
  });

  it('names every environment variable the secret sources read (src/secrets/sources/index.ts)', () => {
    const src = fs.readFileSync(path.join(ROOT, 'src', 'secrets', 'sources', 'index.ts'), 'utf8');
    const header = src.slice(src.indexOf('Environment variables read'), src.indexOf('Every HTTP call'));
    const vars = [...new Set(header.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g) ?? [])];
    expect(vars.length).toBeGreaterThan(10);
    expect(vars.filter((v) => !doc.includes(v))).toEqual([]);
  });
});
