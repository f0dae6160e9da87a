// The composite action and the workflow templates: they parse as YAML, follow GitHub's
// syntax (test/github/*.schema.json, checked strictly), are least-privilege and pinned, and
// do what docs/ci-recipes.md says (sticky comment, artifacts, environments, drift issue).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { ACTION_PATH, ROOT, WORKFLOW_DIR, loadYaml, stepsOf, workflowFiles, type Yaml } from './support';

const ajv = new Ajv({ allErrors: true, strict: false });
const validateWorkflow = ajv.compile(require('./workflow.schema.json'));
const validateAction = ajv.compile(require('./action.schema.json'));

const rel = (f: string): string => path.relative(ROOT, f);
const wf = (name: string): Yaml => loadYaml(path.join(WORKFLOW_DIR, name));
const errorsOf = (v: typeof validateWorkflow): string =>
  (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n');

/** Every `uses:` in a document: step-level and job-level (reusable workflows). */
function usesOf(doc: Yaml): string[] {
  const jobs = Object.values(doc.jobs ?? {}) as Yaml[];
  return [...stepsOf(doc).map((s: Yaml) => s.uses), ...jobs.map((j) => j.uses)].filter((u): u is string => typeof u === 'string');
}

/** Every value anywhere in the document, with its path (to look for permissions, secrets, ...). */
function walk(v: unknown, at: string[] = [], out: Array<{ at: string[]; v: unknown }> = []): Array<{ at: string[]; v: unknown }> {
  out.push({ at, v });
  if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...at, k], out);
  return out;
}

/**
 * Every `uses:` line of a file (raw text, so the trailing comment is seen) that is not pinned:
 * a third-party action must be `owner/repo[/path]@<40 hex> # vX.Y.Z`. Exempt: local actions
 * (`./...`) and cvctl's own action (`codevector/cvctl/...`), whose release the user pins (its
 * SHA does not exist before the release; the templates say so next to it).
 */
function unpinnedUses(file: string): string[] {
  const bad: string[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
      if (!m) return;
      const [, ref, rest] = m as unknown as [string, string, string];
      if (ref.startsWith('./') || ref.startsWith('codevector/cvctl/')) return;
      const pinned = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(ref) && /^\s+#\s*v\d+\.\d+\.\d+\s*$/.test(rest);
      if (!pinned) bad.push(`${rel(file)}:${i + 1}: ${line.trim()}`);
    });
  return bad;
}

const EXPECTED_WORKFLOWS = ['apply-on-merge.yml', 'drift-nightly.yml', 'plan-on-pr.yml'];
// Least privilege, exactly: a template that starts asking for more must change this list.
const EXPECTED_PERMISSIONS: Record<string, Record<string, string>> = {
  'plan-on-pr.yml': { contents: 'read', 'pull-requests': 'write', 'id-token': 'write' },
  'apply-on-merge.yml': { contents: 'read', actions: 'read', 'pull-requests': 'read', 'id-token': 'write' },
  'drift-nightly.yml': { contents: 'read', issues: 'write', 'id-token': 'write' },
};

describe('the workflow templates in examples/github/.github/workflows', () => {
  it('are the three documented ones', () => {
    expect(workflowFiles().map((f) => path.basename(f))).toEqual(EXPECTED_WORKFLOWS);
  });

  describe.each(EXPECTED_WORKFLOWS)('%s', (name) => {
    const file = path.join(WORKFLOW_DIR, name);
    const doc = wf(name);

    it('is valid workflow syntax', () => {
      const ok = validateWorkflow(doc);
      if (!ok) throw new Error(`${rel(file)}:\n${errorsOf(validateWorkflow)}`);
    });

    it('the schema is not a rubber stamp: it rejects broken variants of this file', () => {
      const noJobs = { ...doc, jobs: undefined };
      delete noJobs.jobs;
      expect(validateWorkflow(noJobs)).toBe(false);
      const job0 = Object.keys(doc.jobs)[0];
      const bad = (mutate: (d: Yaml) => void): boolean => {
        const d = JSON.parse(JSON.stringify(doc));
        mutate(d);
        return validateWorkflow(d) as boolean;
      };
      expect(bad((d) => delete d.jobs[job0]['runs-on'])).toBe(false);
      expect(bad((d) => d.jobs[job0].steps.push({ name: 'neither run nor uses' }))).toBe(false);
      expect(bad((d) => d.jobs[job0].steps.push({ run: 'x', uses: 'actions/checkout@v4' }))).toBe(false);
      expect(bad((d) => (d.permissions.contents = 'admin'))).toBe(false);
      expect(bad((d) => (d.jobs[job0].step = []))).toBe(false);
      expect(bad((d) => (d.on = { pull_requests: null }))).toBe(false);
    });

    it('declares least-privilege permissions at the top (no write-all/read-all)', () => {
      expect(doc.permissions).toEqual(EXPECTED_PERMISSIONS[name]);
      for (const { at, v } of walk(doc)) {
        if (at[at.length - 1] === 'permissions') {
          expect(typeof v).toBe('object');
          for (const level of Object.values(v as object)) expect(['read', 'write', 'none']).toContain(level);
        }
      }
      expect(JSON.stringify(doc)).not.toMatch(/write-all|read-all/);
    });

    it('has a concurrency group', () => {
      expect(typeof doc.concurrency.group).toBe('string');
      expect(doc.concurrency.group).toMatch(/^cvctl-/);
    });

    it('pins every third-party action to a full commit SHA with its version in a comment', () => {
      const uses = usesOf(doc);
      expect(uses.length).toBeGreaterThan(0);
      expect(unpinnedUses(file)).toEqual([]);
    });

    it('runs cvctl through the composite action with Node 20, DATABASE_URL from secrets', () => {
      const cvctlSteps = stepsOf(doc).filter((s: Yaml) => /\/\.github\/actions\/cvctl@/.test(s.uses ?? ''));
      expect(cvctlSteps.length).toBeGreaterThan(0);
      for (const s of cvctlSteps) {
        expect(typeof s.with.command).toBe('string');
        expect(s.with.version).toBe('${{ env.CVCTL_VERSION }}');
        if (s.with['database-url'] !== undefined) expect(s.with['database-url']).toBe('${{ secrets.DATABASE_URL }}');
      }
      // A secret is only ever passed to the action or compared with '' (never echoed in a script).
      for (const { at, v } of walk(doc)) {
        if (typeof v === 'string' && v.includes('secrets.')) {
          const key = at[at.length - 1];
          expect(['database-url', 'HAS_DB']).toContain(key);
        }
      }
    });

    it('recommends AWS credentials via OIDC (role-to-assume), never stored keys', () => {
      const aws = stepsOf(doc).filter((s: Yaml) => (s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@'));
      expect(aws.length).toBeGreaterThan(0);
      for (const s of aws) {
        expect(s.uses).toMatch(/^aws-actions\/configure-aws-credentials@[0-9a-f]{40}$/);
        expect(s.with['role-to-assume']).toMatch(/\$\{\{ vars\./);
        expect(s.with['aws-access-key-id']).toBeUndefined();
      }
      expect(doc.permissions['id-token']).toBe('write');
      expect(require('node:fs').readFileSync(file, 'utf8')).toMatch(/#.*OIDC/);
    });

    it('never expands an expression inside a run: script (no script injection)', () => {
      for (const s of stepsOf(doc)) if (s.run) expect(s.run).not.toContain('${{');
    });

    it('has github-script steps that compile', () => {
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
      for (const s of stepsOf(doc).filter((x: Yaml) => (x.uses ?? '').startsWith('actions/github-script@'))) {
        expect(s.uses).toMatch(/^actions\/github-script@[0-9a-f]{40}$/);
        expect(() => new AsyncFunction('require', 'github', 'context', 'core', 'process', s.with.script)).not.toThrow();
      }
    });
  });

  describe('plan-on-pr.yml', () => {
    const doc = wf('plan-on-pr.yml');
    const steps = stepsOf(doc);
    const text = JSON.stringify(doc);

    it('runs on pull requests and plans with markdown output and a saved plan', () => {
      expect(Object.keys(doc.on)).toEqual(['pull_request']);
      const plan = steps.find((s: Yaml) => s.id === 'plan');
      expect(plan.with.command).toMatch(/^plan .*--output markdown --out plan\.json --detailed-exitcode/);
    });

    it('adds --no-resolve-secrets for pull requests from forks (head repository other than this one)', () => {
      const plan = steps.find((s: Yaml) => s.id === 'plan');
      expect(plan.with.command).toContain(
        "${{ github.event.pull_request.head.repo.full_name != github.repository && '--no-resolve-secrets' || '' }}",
      );
      // ... and gives forks no AWS credentials and uploads no plan for them.
      const aws = steps.find((s: Yaml) => (s.uses ?? '').startsWith('aws-actions/'));
      expect(aws.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
      const up = steps.find((s: Yaml) => s.id === 'artifact');
      expect(up.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
      // `head.repo.fork` is also true for a branch of a repository that is itself a fork: not used.
      expect(text).not.toContain('head.repo.fork');
    });

    it('posts ONE sticky comment found by the hidden marker', () => {
      const script: string = steps.find((s: Yaml) => (s.uses ?? '').startsWith('actions/github-script@')).with.script;
      expect(script).toContain("'<!-- cvctl-plan -->'");
      for (const call of ['github.rest.issues.listComments', 'github.rest.issues.updateComment', 'github.rest.issues.createComment']) {
        expect(script).toContain(call);
      }
    });

    it('uploads plan.json named with the PR number and head SHA', () => {
      const up = steps.find((s: Yaml) => (s.uses ?? '').startsWith('actions/upload-artifact@'));
      expect(up.uses).toMatch(/^actions\/upload-artifact@[0-9a-f]{40}$/);
      expect(up.with.path).toBe('plan.json');
      expect(up.with.name).toBe('cvctl-plan-pr${{ github.event.pull_request.number }}-${{ github.event.pull_request.head.sha }}');
    });

    it('posts the plan even when cvctl plan exits 1 on a policy violation, then fails the check', () => {
      const plan = steps.find((s: Yaml) => s.id === 'plan');
      expect(plan['continue-on-error']).toBe(true);
      const post = steps.find((s: Yaml) => (s.uses ?? '').startsWith('actions/github-script@'));
      expect(post.if).toContain('!cancelled()');
      expect(post.with.script).toContain("code === '1' && out.trim()");
      // Only a plan that could be applied is uploaded: a plan with violations is not.
      expect(steps.find((s: Yaml) => s.id === 'artifact').if).toContain("steps.plan.outputs.exit-code == '0' || steps.plan.outputs.exit-code == '2'");
      const last = steps[steps.length - 1];
      expect(last.if).toBe('${{ !cancelled() }}');
      expect(last.env).toEqual({
        CODE: '${{ steps.plan.outputs.exit-code || steps.validate.outputs.exit-code }}',
        PLAN_FILE: '${{ steps.plan.outputs.stdout-file }}',
      });
      const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cvctl-fail-step-'));
      try {
        const planFile = path.join(tmp, 'stdout');
        fs.writeFileSync(planFile, '### cvctl plan\n\n#### Policy\n');
        const emptyFile = path.join(tmp, 'empty');
        fs.writeFileSync(emptyFile, '');
        const runStep = (env: Record<string, string>): { status: number | null; out: string } => {
          const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', last.run], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
          return { status: r.status, out: r.stdout };
        };
        expect(runStep({ CODE: '2', PLAN_FILE: planFile }).status).toBe(0);
        expect(runStep({ CODE: '0', PLAN_FILE: '' }).status).toBe(0);
        const violated = runStep({ CODE: '1', PLAN_FILE: planFile });
        expect(violated).toEqual({ status: 1, out: expect.stringContaining('::error::the plan violates the policy') });
        const failed = runStep({ CODE: '1', PLAN_FILE: emptyFile });
        expect(failed).toEqual({ status: 1, out: expect.stringContaining('::error::cvctl failed (exit 1)') });
        expect(runStep({ CODE: '1', PLAN_FILE: '' }).out).toContain('::error::cvctl failed (exit 1)'); // validate mode
        expect(runStep({ CODE: '', PLAN_FILE: '' }).status).toBe(1); // cvctl never ran
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('cancels superseded plans of the same PR', () => {
      expect(doc.concurrency).toEqual({ group: 'cvctl-plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
      expect(text).not.toContain('pull_request_target');
    });
  });

  describe('apply-on-merge.yml', () => {
    const doc = wf('apply-on-merge.yml');

    it('runs on push to main, in the production environment, never cancelling an apply', () => {
      expect(doc.on.push).toEqual({ branches: ['main'] });
      expect(doc.jobs.apply.environment).toBe('production');
      expect(doc.concurrency['cancel-in-progress']).toBe(false);
    });

    it('takes the plan only from a successful pull_request run of the plan workflow, and downloads it from that run', () => {
      const steps = doc.jobs.apply.steps;
      const findStep = steps.find((s: Yaml) => s.id === 'find');
      const find = findStep.with.script as string;
      expect(find).toContain('github.rest.repos.listPullRequestsAssociatedWithCommit');
      expect(find).toContain('github.rest.actions.listWorkflowRuns');
      expect(find).toContain('github.rest.actions.listWorkflowRunArtifacts');
      expect(find).not.toContain('listArtifactsForRepo'); // by name across all runs: what a fork could feed
      expect(find).toContain('cvctl-plan-pr${pr.number}-${head}');
      // The plan workflow is named by its file, the same file the templates ship.
      expect(findStep.env).toEqual({ PLAN_WORKFLOW: '${{ env.CVCTL_PLAN_WORKFLOW }}' });
      expect(doc.env.CVCTL_PLAN_WORKFLOW).toBe('plan-on-pr.yml');
      expect(EXPECTED_WORKFLOWS).toContain(doc.env.CVCTL_PLAN_WORKFLOW);
      const dl = steps.find((s: Yaml) => (s.uses ?? '').startsWith('actions/download-artifact@'));
      expect(dl.uses).toMatch(/^actions\/download-artifact@[0-9a-f]{40}$/);
      expect(dl.with).toMatchObject({ 'run-id': '${{ steps.find.outputs.run-id }}', 'github-token': '${{ github.token }}' });
    });

    it('trusts nothing inside the downloaded file (no meta.secretsResolved check): cvctl verifies the plan', () => {
      const text = JSON.stringify(doc);
      expect(text).not.toContain('secretsResolved');
      expect(text).not.toContain('JSON.parse');
    });

    it('applies the saved plan with --auto-approve --allow-delete, re-plans when stale or missing', () => {
      const steps = doc.jobs.apply.steps;
      const apply = steps.find((s: Yaml) => s.id === 'apply');
      expect(apply.with.command).toBe('apply --plan .cvctl-saved-plan/plan.json --auto-approve --allow-delete');
      expect(apply['continue-on-error']).toBe(true);
      const stale = steps.find((s: Yaml) => /stale/i.test(s.run ?? ''));
      expect(stale.run).toContain('grep -qi "stale"');
      const after = steps.find((s: Yaml) => s.id === 'after');
      expect(after.with.command).toMatch(/^plan .*--output markdown --out replan\.json --detailed-exitcode$/);
      expect(steps.some((s: Yaml) => (s.run ?? '').includes('GITHUB_STEP_SUMMARY'))).toBe(true);
    });

    it('stops for a second approval in production-replan-approval before applying a new plan', () => {
      const job = doc.jobs['apply-replanned'];
      expect(job.needs).toBe('apply');
      expect(job.environment).toBe('production-replan-approval');
      expect(job.if).toBe("needs.apply.outputs.replan == 'true'");
      const apply = job.steps.find((s: Yaml) => /\/\.github\/actions\/cvctl@/.test(s.uses ?? ''));
      expect(apply.with.command).toMatch(/^apply .*--auto-approve/);
    });
  });

  describe('drift-nightly.yml', () => {
    const doc = wf('drift-nightly.yml');
    it('runs on a schedule and by hand, and reports drift as markdown', () => {
      expect(doc.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
      expect(doc.on).toHaveProperty('workflow_dispatch');
      const drift = stepsOf(doc).find((s: Yaml) => s.id === 'drift');
      expect(drift.with.command).toMatch(/^drift .*--output markdown$/);
      expect(drift['continue-on-error']).toBeUndefined(); // exit 1 fails the run
    });
  });
});

describe('the composite action .github/actions/cvctl/action.yml', () => {
  const doc = loadYaml(ACTION_PATH);

  it('is valid action metadata', () => {
    const ok = validateAction(doc);
    if (!ok) throw new Error(errorsOf(validateAction));
  });

  it('has the documented inputs and outputs', () => {
    expect(Object.keys(doc.inputs).sort()).toEqual(['command', 'database-url', 'kms', 'scope', 'version', 'working-directory']);
    expect(doc.inputs.command.required).toBe(true);
    expect(Object.keys(doc.outputs).sort()).toEqual(['exit-code', 'stderr-file', 'stdout-file']);
    expect(doc.outputs['exit-code'].value).toBe('${{ steps.run.outputs.exit-code }}');
  });

  it('sets up Node 20, pins its actions, installs from its own checkout by default (or a tarball, or npm)', () => {
    const steps = doc.runs.steps;
    expect(steps[0]).toMatchObject({ with: { 'node-version': 20 } });
    expect(steps[0].uses).toMatch(/^actions\/setup-node@[0-9a-f]{40}$/);
    expect(unpinnedUses(ACTION_PATH)).toEqual([]);
    // codevector-gitops is not on the npm registry: the default must not need it (issue 12 item 8).
    expect(doc.inputs.version.default).toBe('');
    const install = steps.find((s: Yaml) => /npm install --global/.test(s.run ?? ''));
    expect(install.run).toContain('want="${INPUT_VERSION:-local}"');
    expect(install.run).toContain('"codevector-gitops@$want"');
    expect(install.run).toMatch(/npm ci .*&& npm link/);
  });

  it('passes inputs to scripts only through env (no ${{ }} inside run:)', () => {
    for (const s of doc.runs.steps) if (s.run) expect(s.run).not.toContain('${{');
    const run = doc.runs.steps.find((s: Yaml) => s.id === 'run');
    expect(run.env).toMatchObject({
      INPUT_COMMAND: '${{ inputs.command }}',
      INPUT_DATABASE_URL: '${{ inputs.database-url }}',
      INPUT_KMS: '${{ inputs.kms }}',
      INPUT_SCOPE: '${{ inputs.scope }}',
    });
    expect(run['working-directory']).toBe('${{ inputs.working-directory }}');
  });
});

describe('third-party actions are pinned by commit SHA everywhere', () => {
  const files = [...workflowFiles(), ACTION_PATH, path.join(ROOT, '.github', 'workflows', 'ci.yml')];

  it.each(files.map((f) => [rel(f), f]))('%s', (_name, file) => {
    expect(unpinnedUses(file)).toEqual([]);
  });

  it('one action, one SHA and one version across all files', () => {
    const seen = new Map<string, Set<string>>();
    for (const f of files) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/uses:\s*([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40})\s+#\s*(v[\d.]+)/g)) {
        const pins = seen.get(m[1]!) ?? new Set<string>();
        pins.add(`${m[2]} ${m[3]}`);
        seen.set(m[1]!, pins);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(6);
    for (const [action, pins] of seen) expect([action, [...pins]]).toEqual([action, [...pins].slice(0, 1)]);
  });

  it('the check is not a rubber stamp', () => {
    const tmpFile = path.join(require('node:os').tmpdir(), `cvctl-pin-${process.pid}.yml`);
    const lines = [
      '      - uses: actions/checkout@v4',
      '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683',
      '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af68 # v4.2.2',
      '      - uses: actions/checkout@main # v4.2.2',
      '        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
      '      - uses: ./.github/actions/cvctl',
    ];
    fs.writeFileSync(tmpFile, lines.join('\n'));
    try {
      expect(unpinnedUses(tmpFile).map((l) => Number(l.split(':')[1]))).toEqual([1, 2, 3, 4]);
    } finally {
      fs.rmSync(tmpFile, { force: true });
    }
  });
});
