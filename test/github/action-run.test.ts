// Runs the composite action's main step for real: its `run:` script, extracted from
// .github/actions/cvctl/action.yml, executed by bash exactly as a runner would
// (`bash --noprofile --norc -eo pipefail`), with the INPUT_* variables its `env:` maps the
// inputs to, a fake $GITHUB_OUTPUT file, and `cvctl` on PATH = this repository's
// bin/cvctl.js (built with `npm run build`), against the embedded database.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACTION_PATH, ROOT, ensureBuilt, loadYaml, type Yaml } from './support';

interface StepRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

const action = loadYaml(ACTION_PATH);
const runStep: Yaml = action.runs.steps.find((s: Yaml) => s.id === 'run');

let tmp: string;
let work: string;
let bin: string;
let seq = 0;

/** The inputs as the runner would pass them: each `env:` entry `${{ inputs.X }}` gets input X (default from action.yml). */
function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(runStep.env as Record<string, string>)) {
    const m = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(value);
    if (m) {
      const input = m[1]!;
      expect(action.inputs).toHaveProperty(input);
      env[name] = inputs[input] ?? action.inputs[input].default ?? '';
    } else {
      env[name] = String(value);
    }
  }
  return env;
}

function runAction(inputs: Record<string, string>, extraEnv: Record<string, string> = {}): StepRun {
  const n = ++seq;
  const outputFile = path.join(tmp, `github-output-${n}`);
  fs.writeFileSync(outputFile, '');
  const script = path.join(tmp, `step-${n}.sh`);
  fs.writeFileSync(script, runStep.run);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The job's own settings must not leak in: each test says what it wants.
  for (const k of ['DATABASE_URL', 'CVCTL_KMS_KEY', 'NO_COLOR', 'FORCE_COLOR']) delete env[k];
  Object.assign(env, {
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    GITHUB_OUTPUT: outputFile,
    RUNNER_TEMP: tmp,
    OPENAI_API_KEY: 'sk-proj-test-0123456789abcdef',
    ...inputEnv(inputs),
    ...extraEnv,
  });
  // working-directory: ${{ inputs.working-directory }} (relative to the workspace).
  const cwd = path.resolve(work, inputs['working-directory'] ?? action.inputs['working-directory'].default);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, encoding: 'utf8', timeout: 150_000 });
  const outputs: Record<string, string> = {};
  for (const line of fs.readFileSync(outputFile, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) outputs[line.slice(0, i)] = line.slice(i + 1);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs };
}

beforeAll(() => {
  const cli = ensureBuilt();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-action-'));
  bin = path.join(tmp, 'bin');
  work = path.join(tmp, 'workspace');
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(work, 'broken'), { recursive: true });
  // `cvctl` on PATH, as `npm i -g` / `npm link` would put it.
  fs.writeFileSync(path.join(bin, 'cvctl'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, { mode: 0o755 });
  fs.cpSync(path.join(ROOT, 'examples', 'basic'), path.join(work, 'examples', 'basic'), { recursive: true });
  fs.writeFileSync(
    path.join(work, 'broken', 'providers.yaml'),
    'version: 1\nproviders:\n  - name: Bad_Name\n    kind: openai\n    credentials: {apiKey: sk-literal-secret-value}\n',
  );
}, 200_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the composite action main step (bash, real cvctl)', () => {
  it('validate examples/basic: exit 0, step succeeds, stdout kept in stdout-file', () => {
    const r = runAction({ command: 'validate examples/basic' });
    expect(r.status).toBe(0);
    expect(r.outputs['exit-code']).toBe('0');
    expect(path.dirname(r.outputs['stdout-file']!)).toMatch(new RegExp(`^${tmp}/cvctl\\.`));
    expect(fs.readFileSync(r.outputs['stdout-file']!, 'utf8')).toMatch(/^1 file valid: 1 provider, \d+ models\n$/);
    expect(fs.existsSync(r.outputs['stderr-file']!)).toBe(true);
    expect(r.stdout).toContain('1 file valid'); // shown in the log too
    expect(r.stdout).toMatch(/^::stop-commands::cvctl-\d+\n/); // file contents cannot issue workflow commands
  });

  it('plan with changes and --detailed-exitcode: exit 2 is reported, the step succeeds', () => {
    const r = runAction({ command: 'plan examples/basic --output markdown --out plan.json --detailed-exitcode' });
    expect(r.stderr).toContain('using the embedded database');
    expect(r.status).toBe(0);
    expect(r.outputs['exit-code']).toBe('2');
    const md = fs.readFileSync(r.outputs['stdout-file']!, 'utf8');
    expect(md).toMatch(/^### cvctl plan · scope `default`/);
    expect(md).toMatch(/\| \+ create \| \d+ \|/);
    expect(md).not.toContain('sk-proj-test-0123456789abcdef');
    expect(JSON.parse(fs.readFileSync(path.join(work, 'plan.json'), 'utf8')).summary.create).toBeGreaterThan(1);
    expect(r.stdout).toContain('::notice title=cvctl::cvctl plan exited 2');
  }, 150_000);

  it('a leading "cvctl", extra whitespace, newlines and the scope input are handled', () => {
    const r = runAction({ command: '  cvctl   plan\n examples/basic  --output markdown ', scope: 'team-a' });
    expect(r.status).toBe(0);
    expect(r.outputs['exit-code']).toBe('0');
    expect(fs.readFileSync(r.outputs['stdout-file']!, 'utf8')).toMatch(/^### cvctl plan · scope `team-a`/);
  }, 150_000);

  it('a broken file: exit 1, the step fails with an error annotation', () => {
    const r = runAction({ command: 'validate broken' });
    expect(r.status).toBe(1);
    expect(r.outputs['exit-code']).toBe('1');
    expect(fs.readFileSync(r.outputs['stdout-file']!, 'utf8')).toMatch(/^broken\/providers\.yaml:3:\d+ error invalid-value /m);
    expect(r.stdout).toContain('::error title=cvctl validate failed (exit 1)::');
    expect(r.stdout + r.stderr).not.toContain('sk-literal-secret-value');
  });

  it('plan of a broken file fails the step too (and names file:line:column on stderr)', () => {
    const r = runAction({ command: 'plan broken --detailed-exitcode' });
    expect(r.status).toBe(1);
    expect(r.outputs['exit-code']).toBe('1');
    expect(fs.readFileSync(r.outputs['stderr-file']!, 'utf8')).toMatch(/broken\/providers\.yaml:\d+:\d+/);
  }, 150_000);

  it('the database-url input becomes DATABASE_URL', () => {
    const r = runAction({ command: 'plan examples/basic', 'database-url': 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.status).toBe(1);
    expect(fs.readFileSync(r.outputs['stderr-file']!, 'utf8')).toMatch(/cvctl: error: .*127\.0\.0\.1:1/);
  });

  it('the kms input becomes CVCTL_KMS_KEY (a bad URI is a usage error)', () => {
    // kek rotate opens the source KEK (--kms / CVCTL_KMS_KEY) before the database.
    const r = runAction({ command: 'kek rotate --to local://new-kek --dry-run', kms: 'gcp-kms://nope' });
    expect(r.status).toBe(1);
    expect(fs.readFileSync(r.outputs['stderr-file']!, 'utf8')).toContain("unsupported KMS URI scheme 'gcp-kms://'");
  });

  it('the working-directory input is where cvctl runs', () => {
    const r = runAction({ command: 'validate basic', 'working-directory': 'examples' });
    expect(r.status).toBe(0);
    expect(r.outputs['exit-code']).toBe('0');
  });

  it('the command is not evaluated by the shell (no injection through the input)', () => {
    const marker = path.join(tmp, 'pwned');
    const r = runAction({ command: `validate examples/basic $(touch ${marker}) \`touch ${marker}\` ;touch ${marker}` });
    expect(fs.existsSync(marker)).toBe(false);
    expect(r.status).toBe(1); // cvctl was given the odd words as paths: path-not-found
    expect(r.outputs['exit-code']).toBe('1');
  });

  it('an empty command fails the step without running cvctl', () => {
    const r = runAction({ command: '   ' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("the 'command' input is empty");
    expect(r.outputs['exit-code']).toBeUndefined();
  });
});

describe('the composite action install step (npm stubbed: records its calls)', () => {
  const install: Yaml = action.runs.steps.find((s: Yaml) => s.name === 'Install cvctl');

  function runInstall(
    version: string,
    extraEnv: Record<string, string> = {},
  ): { status: number | null; calls: string[]; githubEnv: string; stdout: string; dir: string } {
    const dir = fs.mkdtempSync(path.join(tmp, 'install-'));
    const stubBin = path.join(dir, 'bin');
    fs.mkdirSync(stubBin);
    const log = path.join(dir, 'npm.log');
    // npm: log "cwd: args"; `install --global` and `link` put a cvctl on PATH, as the real ones do.
    fs.writeFileSync(
      path.join(stubBin, 'npm'),
      `#!/bin/sh\necho "$PWD: $*" >> "${log}"\n` +
        // NPM_FAIL: what npm does for a package that is not on the registry (E404, exit 1).
        `if [ -n "$NPM_FAIL" ]; then echo "npm error 404 Not Found - codevector-gitops" >&2; exit 1; fi\n` +
        `case "$*" in *--global*|link*) printf '#!/bin/sh\\necho 9.9.9\\n' > "${stubBin}/cvctl"; chmod +x "${stubBin}/cvctl";; esac\n`,
      { mode: 0o755 },
    );
    const githubEnv = path.join(dir, 'github-env');
    fs.writeFileSync(githubEnv, '');
    const script = path.join(dir, 'install.sh');
    fs.writeFileSync(script, install.run);
    expect(install.env).toEqual({ INPUT_VERSION: '${{ inputs.version }}' });
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: dir,
      env: {
        PATH: `${stubBin}${path.delimiter}/usr/bin${path.delimiter}/bin`,
        INPUT_VERSION: version,
        GITHUB_ENV: githubEnv,
        GITHUB_ACTION_PATH: path.dirname(ACTION_PATH),
        ...extraEnv,
      },
      encoding: 'utf8',
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    return { status: r.status, calls, githubEnv: fs.readFileSync(githubEnv, 'utf8'), stdout: r.stdout, dir };
  }

  it('an npm version: npm install --global codevector-gitops@<version>, remembered for the job', () => {
    const r = runInstall('0.1.0');
    expect(r.status).toBe(0);
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]).toMatch(/: install --global --no-audit --no-fund codevector-gitops@0\.1\.0$/);
    expect(r.githubEnv).toBe('CVCTL_ACTION_INSTALLED=0.1.0\n');
    expect(r.stdout).toContain('9.9.9'); // cvctl --version ran
  });

  it('the default (empty) and local: npm ci && npm link in the cvctl checkout the action belongs to', () => {
    // The default must be something that works without the npm registry (issue 12 item 8).
    expect(action.inputs.version.default).toBe('');
    for (const version of ['', 'local']) {
      const r = runInstall(version);
      expect(r.status).toBe(0);
      expect(r.calls).toEqual([`${ROOT}: ci --no-audit --no-fund`, `${ROOT}: link --no-audit --no-fund`]);
      expect(r.githubEnv).toBe('CVCTL_ACTION_INSTALLED=local\n');
    }
  });

  it('vendored into another repository (no cvctl source around it): a clear error, no npm call', () => {
    const repo = fs.mkdtempSync(path.join(tmp, 'user-repo-'));
    const actionDir = path.join(repo, '.github', 'actions', 'cvctl');
    fs.mkdirSync(actionDir, { recursive: true });
    fs.writeFileSync(path.join(repo, 'package.json'), '{"name": "acme-providers"}\n');
    const r = runInstall('', { GITHUB_ACTION_PATH: actionDir });
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.stdout).toContain('::error title=cvctl::this action is not inside a cvctl checkout');
    expect(r.stdout).toContain("set the 'version' input to the path of an `npm pack` tarball");
  });

  it('a .tgz path: npm install --global of that npm pack tarball (absolute path); a missing one is a clear error', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'tarball-'));
    const tgz = path.join(dir, 'codevector-gitops-0.1.0.tgz');
    fs.writeFileSync(tgz, 'not really a tarball: npm is stubbed');
    // runInstall runs in a fresh folder beside `dir`: the path is relative to that working directory.
    const r = runInstall(path.join('..', path.basename(dir), path.basename(tgz)));
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`${r.dir}: install --global --no-audit --no-fund ${tgz}`]);
    expect(r.githubEnv).toBe(`CVCTL_ACTION_INSTALLED=../${path.basename(dir)}/${path.basename(tgz)}\n`);
    const missing = runInstall('dist/nope-1.0.0.tgz');
    expect(missing.status).toBe(1);
    expect(missing.calls).toEqual([]);
    expect(missing.stdout).toContain("::error title=cvctl::version 'dist/nope-1.0.0.tgz' names a tarball that does not exist");
  });

  it('an npm version that is not on the registry fails the step with what to do instead', () => {
    const r = runInstall('0.1.0', { NPM_FAIL: '1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('::error title=cvctl::cannot install codevector-gitops@0.1.0 from the npm registry (the package is not published there yet)');
    expect(r.stdout).toContain("leave the 'version' input empty");
    expect(r.githubEnv).toBe('');
  });

  it('a second use in the same job with the same version installs nothing', () => {
    const first = runInstall('0.1.0');
    expect(first.status).toBe(0);
    // The stub cvctl from a previous install is on PATH only in that run's folder: simulate the job's PATH.
    const r = runInstall('0.1.0', { CVCTL_ACTION_INSTALLED: '0.1.0', PATH: `${path.join(tmp, 'bin')}${path.delimiter}/usr/bin${path.delimiter}/bin` });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.stdout).toContain('already installed');
  });
});
