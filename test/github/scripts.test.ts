// The actions/github-script steps of the workflow templates, executed for real against a fake
// of the Octokit client github-script hands them (only the REST calls the scripts make).
// Checks the behaviour the templates promise: one sticky plan comment updated in place and
// kept under GitHub's size limit, one drift issue opened/updated/closed, the merged PR's plan
// artifact found.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WORKFLOW_DIR, loadYaml, stepsOf, type Yaml } from './support';

const GITHUB_COMMENT_LIMIT = 65536;

function scriptOf(file: string, pick: (s: Yaml) => boolean = () => true): string {
  const steps = stepsOf(loadYaml(path.join(WORKFLOW_DIR, file))).filter((s: Yaml) => (s.uses ?? '').startsWith('actions/github-script@'));
  const step = steps.find(pick);
  if (!step) throw new Error(`no github-script step in ${file}`);
  return step.with.script as string;
}

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: string };
}
interface Issue {
  number: number;
  title: string;
  body: string;
  state: string;
  labels: string[];
  comments: string[];
  pull_request?: object;
}

class FakeCore {
  outputs: Record<string, string> = {};
  failed: string | null = null;
  log: string[] = [];
  summaryText = '';
  info = (m: string): void => void this.log.push(m);
  notice = (m: string): void => void this.log.push(`notice: ${m}`);
  warning = (m: string): void => void this.log.push(`warning: ${m}`);
  setOutput = (k: string, v: string): void => void (this.outputs[k] = v);
  setFailed = (m: string): void => void (this.failed = m);
  summary = {
    addRaw: (t: string) => {
      this.summaryText += t;
      return this.summary;
    },
    write: async () => this.summary,
  };
}

/** The REST surface the scripts use, over in-memory comments, issues, labels, PRs and artifacts. */
class FakeGitHub {
  comments: Comment[] = [];
  issues: Issue[] = [];
  labels = new Set<string>();
  calls: string[] = [];
  prs: Yaml[] = [];
  artifacts: Yaml[] = [];
  /** Workflow runs: {id, workflow (file name), event, status, conclusion, head_sha, repository, head_repository}. */
  runs: Yaml[] = [];
  /** Answer listWorkflowRuns without applying its filters (a wider answer must not widen what is trusted). */
  ignoreRunFilters = false;
  #next = 100;

  // Octokit's paginate flattens list endpoints whose data is {total_count, <items>} into the items.
  paginate = async (fn: (p: Yaml) => Promise<{ data: Yaml }>, params: Yaml): Promise<Yaml[]> => {
    const { data } = await fn(params);
    return Array.isArray(data) ? data : data.workflow_runs;
  };

  rest = {
    issues: {
      listComments: async (p: Yaml) => {
        this.calls.push(`listComments #${p.issue_number}`);
        return { data: this.comments.map((c) => ({ ...c })) };
      },
      createComment: async (p: Yaml) => {
        this.calls.push(`createComment #${p.issue_number}`);
        const issue = this.issues.find((i) => i.number === p.issue_number);
        if (issue) {
          issue.comments.push(p.body);
          return { data: { id: this.#next++ } };
        }
        const c: Comment = { id: this.#next++, body: p.body, user: { login: 'github-actions[bot]', type: 'Bot' } };
        this.comments.push(c);
        return { data: { id: c.id } };
      },
      updateComment: async (p: Yaml) => {
        this.calls.push(`updateComment ${p.comment_id}`);
        const c = this.comments.find((x) => x.id === p.comment_id);
        if (!c) throw Object.assign(new Error('Not Found'), { status: 404 });
        c.body = p.body;
        return { data: { id: c.id } };
      },
      listForRepo: async (p: Yaml) => {
        this.calls.push(`listForRepo ${p.state} ${p.labels}`);
        return { data: this.issues.filter((i) => i.state === p.state && i.labels.includes(p.labels)).map((i) => ({ ...i })) };
      },
      getLabel: async (p: Yaml) => {
        this.calls.push(`getLabel ${p.name}`);
        if (!this.labels.has(p.name)) throw Object.assign(new Error('Not Found'), { status: 404 });
        return { data: { name: p.name } };
      },
      createLabel: async (p: Yaml) => {
        this.calls.push(`createLabel ${p.name}`);
        this.labels.add(p.name);
        return { data: { name: p.name } };
      },
      create: async (p: Yaml) => {
        this.calls.push(`create ${p.labels.join(',')}`);
        const i: Issue = { number: this.#next++, title: p.title, body: p.body, state: 'open', labels: p.labels, comments: [] };
        this.issues.push(i);
        return { data: { number: i.number } };
      },
      update: async (p: Yaml) => {
        this.calls.push(`update #${p.issue_number}${p.state ? ` ${p.state}` : ''}`);
        const i = this.issues.find((x) => x.number === p.issue_number)!;
        if (p.body !== undefined) i.body = p.body;
        if (p.state !== undefined) i.state = p.state;
        return { data: { number: i.number } };
      },
    },
    repos: {
      listPullRequestsAssociatedWithCommit: async (p: Yaml) => {
        this.calls.push(`listPullRequestsAssociatedWithCommit ${p.commit_sha}`);
        return { data: this.prs };
      },
    },
    actions: {
      listArtifactsForRepo: async (p: Yaml) => {
        this.calls.push(`listArtifactsForRepo ${p.name}`);
        return { data: { artifacts: this.artifacts.filter((a) => a.name === p.name) } };
      },
      listWorkflowRuns: async (p: Yaml) => {
        this.calls.push(`listWorkflowRuns ${p.workflow_id} event=${p.event} head_sha=${p.head_sha} status=${p.status}`);
        const runs = this.runs
          .filter((r) => r.workflow === p.workflow_id)
          .filter((r) => this.ignoreRunFilters || (r.event === p.event && r.head_sha === p.head_sha && r.conclusion === p.status))
          .sort((a, b) => b.id - a.id)
          .map(({ workflow, ...r }) => ({ ...r, path: `.github/workflows/${workflow}` }));
        return { data: { total_count: runs.length, workflow_runs: runs } };
      },
      listWorkflowRunArtifacts: async (p: Yaml) => {
        this.calls.push(`listWorkflowRunArtifacts ${p.run_id} ${p.name}`);
        return { data: { artifacts: this.artifacts.filter((a) => a.workflow_run.id === p.run_id && a.name === p.name) } };
      },
    },
  };
}

const context = {
  repo: { owner: 'acme', repo: 'providers' },
  issue: { number: 42 },
  sha: 'c0ffee0000000000000000000000000000000000',
  serverUrl: 'https://github.com',
  runId: 777,
};

async function run(script: string, github: FakeGitHub, env: Record<string, string>): Promise<FakeCore> {
  const core = new FakeCore();
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
  const fn = new AsyncFunction('require', 'github', 'context', 'core', 'process', script);
  await fn(require, github, context, core, { env });
  return core;
}

let tmp: string;
const file = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-scripts-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('plan-on-pr.yml: the sticky plan comment', () => {
  const script = scriptOf('plan-on-pr.yml');
  const planEnv = (stdout: string, extra: Record<string, string> = {}): Record<string, string> => ({
    MODE: 'plan',
    EXIT_CODE: '2',
    STDOUT_FILE: file(`out-${Math.random()}`, stdout),
    STDERR_FILE: file(`err-${Math.random()}`, ''),
    ARTIFACT_NAME: 'cvctl-plan-pr42-abc',
    ARTIFACT_URL: 'https://github.com/acme/providers/actions/runs/777/artifacts/1',
    HEAD_SHA: 'abcdef1234567890',
    FORK: 'false',
    ...extra,
  });

  it('creates one comment with the marker, then updates that same comment on the next push', async () => {
    const gh = new FakeGitHub();
    gh.comments.push({ id: 1, body: 'LGTM', user: { login: 'alice', type: 'User' } });
    // A human quoting the marker is not our comment.
    gh.comments.push({ id: 2, body: 'see <!-- cvctl-plan --> above', user: { login: 'bob', type: 'User' } });

    await run(script, gh, planEnv('### cvctl plan · scope `default`\n\nfirst push\n'));
    const ours = gh.comments.filter((c) => c.user.type === 'Bot');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body.startsWith('<!-- cvctl-plan -->\n### cvctl plan')).toBe(true);
    expect(ours[0]!.body).toContain('first push');
    expect(ours[0]!.body).toContain('commit `abcdef1`');
    expect(ours[0]!.body).toContain('[`cvctl-plan-pr42-abc`]');

    const core = await run(script, gh, planEnv('### cvctl plan · scope `default`\n\nsecond push\n', { HEAD_SHA: '9999999aaaa' }));
    expect(gh.comments.filter((c) => c.user.type === 'Bot')).toHaveLength(1);
    expect(gh.comments.find((c) => c.id === ours[0]!.id)!.body).toContain('second push');
    expect(gh.comments.find((c) => c.id === ours[0]!.id)!.body).not.toContain('first push');
    expect(gh.comments.find((c) => c.id === 2)!.body).toBe('see <!-- cvctl-plan --> above');
    expect(gh.calls.filter((c) => c.startsWith('createComment'))).toHaveLength(1);
    expect(gh.calls.filter((c) => c.startsWith('updateComment'))).toEqual([`updateComment ${ours[0]!.id}`]);
    expect(core.summaryText).toContain('second push');
  });

  it('keeps a huge plan under 65,536 characters with its code blocks and <details> closed', async () => {
    const gh = new FakeGitHub();
    const section = (i: number): string =>
      `<details><summary>provider p${i}</summary>\n\n\`\`\`diff\n${'+ model-with-a-long-name-∑ chat\n'.repeat(40)}\`\`\`\n\n</details>\n`;
    const huge = `### cvctl plan\n\n${Array.from({ length: 200 }, (_, i) => section(i)).join('\n')}`;
    expect(huge.length).toBeGreaterThan(200_000);
    await run(script, gh, planEnv(huge));
    const body = gh.comments[0]!.body;
    expect(body.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(body.startsWith('<!-- cvctl-plan -->')).toBe(true);
    expect(body).toContain('Truncated');
    expect(body).toContain('<sub>commit `abcdef1`'); // the footer survives
    expect((body.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect((body.match(/<details>/g) ?? []).length).toBe((body.match(/<\/details>/g) ?? []).length);
  });

  it('a failed plan posts the error (from stderr) instead', async () => {
    const gh = new FakeGitHub();
    await run(script, gh, {
      ...planEnv(''),
      EXIT_CODE: '1',
      STDERR_FILE: file('err-fail', 'providers/a.yaml:3:11 error invalid-value ...\ncvctl: error: 1 error in the files\n'),
    });
    expect(gh.comments[0]!.body).toContain('### cvctl plan failed (exit 1)');
    expect(gh.comments[0]!.body).toContain('providers/a.yaml:3:11 error invalid-value');
  });

  it('a plan with policy violations (exit 1, the plan on stdout) posts the plan, marked, with the diagnostics', async () => {
    const gh = new FakeGitHub();
    const plan = '### cvctl plan · scope `default`\n\n#### Cost impact\n\n| total | +$700.00 |\n\n#### Policy\n\n- `policy-cost-increase` ...\n';
    await run(script, gh, {
      ...planEnv(plan),
      EXIT_CODE: '1',
      ARTIFACT_URL: '', // exit 1: no saved plan is uploaded
      STDERR_FILE: file('err-policy', 'policy.yaml:8:3 error policy-cost-increase the plan raises ...\n'),
    });
    const body = gh.comments[0]!.body;
    expect(body.startsWith('<!-- cvctl-plan -->\n> [!CAUTION]\n> This plan violates the policy')).toBe(true);
    expect(body).toContain(plan.trim());
    expect(body).toContain('policy.yaml:8:3 error policy-cost-increase');
    expect(body).not.toContain('cvctl plan failed');
    expect(body).not.toContain('saved plan:');
    expect((body.match(/<details>/g) ?? []).length).toBe((body.match(/<\/details>/g) ?? []).length);
  });

  it('without database access (fork without secrets) it posts the validation result', async () => {
    const gh = new FakeGitHub();
    await run(script, gh, {
      MODE: 'validate',
      EXIT_CODE: '0',
      STDOUT_FILE: file('v-out', '3 files valid: 12 providers, 140 models\n'),
      STDERR_FILE: file('v-err', ''),
      ARTIFACT_NAME: 'x',
      ARTIFACT_URL: '',
      HEAD_SHA: 'abc',
      FORK: 'true',
    });
    const body = gh.comments[0]!.body;
    expect(body).toContain('### cvctl validate passed');
    expect(body).toContain('3 files valid');
    expect(body).toContain('fork: secrets not resolved');
    expect(body).not.toContain('saved plan:');
  });
});

describe('drift-nightly.yml: the drift issue', () => {
  const script = scriptOf('drift-nightly.yml');
  const driftEnv = (code: string, report = ''): Record<string, string> => ({
    EXIT_CODE: code,
    STDOUT_FILE: file(`drift-${Math.random()}`, report),
  });

  it('exit 2: opens ONE labelled issue (creating the label), then updates it', async () => {
    const gh = new FakeGitHub();
    await run(script, gh, driftEnv('2', '### cvctl drift\n\n1 provider drifted\n'));
    expect(gh.calls).toContain('createLabel cvctl-drift');
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]).toMatchObject({ state: 'open', labels: ['cvctl-drift'] });
    expect(gh.issues[0]!.body).toContain('1 provider drifted');

    await run(script, gh, driftEnv('2', '### cvctl drift\n\n2 providers drifted\n'));
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]!.body).toContain('2 providers drifted');
    expect(gh.calls.filter((c) => c.startsWith('create '))).toHaveLength(1);
    expect(gh.calls.filter((c) => c.startsWith('createLabel'))).toHaveLength(1);
  });

  it('exit 0: closes the open issue with a "No drift as of <date>" comment; nothing when none is open', async () => {
    const gh = new FakeGitHub();
    gh.labels.add('cvctl-drift');
    await run(script, gh, driftEnv('2', 'drift!'));
    expect(gh.calls).not.toContain('createLabel cvctl-drift');
    await run(script, gh, driftEnv('0'));
    expect(gh.issues[0]!.state).toBe('closed');
    expect(gh.issues[0]!.comments).toHaveLength(1);
    expect(gh.issues[0]!.comments[0]).toMatch(/^No drift as of \d{4}-\d{2}-\d{2} /);

    const before = gh.calls.length;
    await run(script, gh, driftEnv('0'));
    expect(gh.calls.slice(before)).toEqual(['listForRepo open cvctl-drift']);
  });

  it('a huge report stays under the issue body limit', async () => {
    const gh = new FakeGitHub();
    await run(script, gh, driftEnv('2', `### cvctl drift\n\n\`\`\`diff\n${'~ config.x: "a" → "b"\n'.repeat(10_000)}\`\`\`\n`));
    expect(gh.issues[0]!.body.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect((gh.issues[0]!.body.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  it('any other exit code fails the step and touches no issue', async () => {
    const gh = new FakeGitHub();
    const core = await run(script, gh, driftEnv('1'));
    expect(core.failed).toMatch(/exited 1/);
    expect(gh.calls).toEqual(['listForRepo open cvctl-drift']);
  });
});

describe('apply-on-merge.yml: the plan only from a successful pull_request run of the plan workflow', () => {
  const script = scriptOf('apply-on-merge.yml', (s) => s.id === 'find');
  const env = { PLAN_WORKFLOW: 'plan-on-pr.yml' };
  const REPO = 'acme/providers';
  const HEAD = 'abc1230000000000000000000000000000000000';
  const NAME = `cvctl-plan-pr42-${HEAD}`;
  const pr = (headRepo = REPO): Yaml => ({
    number: 42,
    merged_at: '2026-11-24T10:00:00Z',
    base: { ref: 'main', repo: { full_name: REPO } },
    head: { sha: HEAD, repo: { full_name: headRepo } },
  });
  const wfRun = (id: number, over: Yaml = {}): Yaml => ({
    id,
    workflow: 'plan-on-pr.yml',
    event: 'pull_request',
    status: 'completed',
    conclusion: 'success',
    head_sha: HEAD,
    repository: { full_name: REPO },
    head_repository: { full_name: REPO },
    ...over,
  });
  const artifact = (id: number, runId: number, over: Yaml = {}): Yaml => ({ id, name: NAME, expired: false, workflow_run: { id: runId }, ...over });

  it('picks the artifact of the newest successful pull_request run of plan-on-pr.yml for the head SHA', async () => {
    const gh = new FakeGitHub();
    gh.prs = [{ number: 7, merged_at: null, base: { ref: 'main', repo: { full_name: REPO } }, head: { sha: 'x', repo: { full_name: REPO } } }, pr()];
    gh.runs = [wfRun(100), wfRun(200)];
    gh.artifacts = [artifact(1, 100), artifact(2, 200)];
    const core = await run_(gh);
    expect(gh.calls).toEqual([
      `listPullRequestsAssociatedWithCommit ${context.sha}`,
      `listWorkflowRuns plan-on-pr.yml event=pull_request head_sha=${HEAD} status=success`,
      `listWorkflowRunArtifacts 200 ${NAME}`,
    ]);
    expect(core.outputs).toEqual({ pr: '42', artifact: NAME, 'run-id': '200' });
  });

  it('a pull request from a fork: its runs are never asked for, the workflow re-plans', async () => {
    const gh = new FakeGitHub();
    gh.prs = [pr('mallory/providers')];
    gh.runs = [wfRun(100, { head_repository: { full_name: 'mallory/providers' } })];
    gh.artifacts = [artifact(1, 100)];
    const core = await run_(gh);
    expect(core.outputs).toEqual({ pr: '42' });
    expect(gh.calls).toEqual([`listPullRequestsAssociatedWithCommit ${context.sha}`]);
    expect(core.log.join('\n')).toContain('comes from mallory/providers: its plan is not used');
    // A deleted fork (head.repo null) is a fork too.
    const gh2 = new FakeGitHub();
    gh2.prs = [{ ...pr(), head: { sha: HEAD, repo: null } }];
    expect((await run_(gh2)).outputs).toEqual({ pr: '42' });
  });

  it('an artifact with the right name from any other run is not used: fork run, other event, failed, other SHA, other workflow', async () => {
    const gh = new FakeGitHub();
    gh.prs = [pr()];
    // The API is made to answer every run unfiltered: the script's own checks must still refuse each.
    gh.ignoreRunFilters = true;
    gh.runs = [
      wfRun(101, { head_repository: { full_name: 'mallory/providers' } }), // a fork PR that pushed the same commit
      wfRun(102, { event: 'pull_request_target' }),
      wfRun(103, { event: 'workflow_dispatch' }),
      wfRun(104, { conclusion: 'failure' }),
      wfRun(105, { head_sha: 'def4560000000000000000000000000000000000' }),
      wfRun(106, { repository: { full_name: 'mallory/providers' } }),
      wfRun(107, { workflow: 'evil.yml' }), // another workflow of this repository (its own listing)
    ];
    gh.artifacts = [101, 102, 103, 104, 105, 106, 107].map((id) => artifact(id, id));
    const core = await run_(gh);
    expect(core.outputs).toEqual({ pr: '42' });
    expect(gh.calls.filter((c) => c.startsWith('listWorkflowRunArtifacts'))).toEqual([]);
    expect(core.log.join('\n')).toContain(`no plan ${NAME} from a successful pull_request run of plan-on-pr.yml in ${REPO}`);
    // The artifact by name across the repository is never looked up.
    expect(gh.calls.some((c) => c.startsWith('listArtifactsForRepo'))).toBe(false);
  });

  it('a trusted run whose artifact expired: the next trusted run with one, else re-plan', async () => {
    const gh = new FakeGitHub();
    gh.prs = [pr()];
    gh.runs = [wfRun(100), wfRun(200)];
    gh.artifacts = [artifact(1, 100), artifact(2, 200, { expired: true })];
    expect((await run_(gh)).outputs).toEqual({ pr: '42', artifact: NAME, 'run-id': '100' });
    gh.artifacts = [artifact(2, 200, { expired: true })];
    expect((await run_(gh)).outputs).toEqual({ pr: '42' });
  });

  it('a merged PR into another repository or branch, or a direct push: no outputs', async () => {
    const gh = new FakeGitHub();
    gh.prs = [{ ...pr(), base: { ref: 'main', repo: { full_name: 'other/repo' } } }, { ...pr(), base: { ref: 'dev', repo: { full_name: REPO } } }];
    gh.runs = [wfRun(100)];
    gh.artifacts = [artifact(1, 100)];
    const core = await run_(gh);
    expect(core.outputs).toEqual({});
    expect(core.log.join('\n')).toContain('No merged pull request');
  });

  const run_ = (gh: FakeGitHub): Promise<FakeCore> => run(script, gh, env);
});
