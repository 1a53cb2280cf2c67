import { type Standins, startStandins } from '../../harness/standins';
import { type GitHubOptions, type GitHubStandin, startGitHub } from '../../harness/standins/github';

describe('HTTP stand-ins', () => {
  let standins: Standins;
  beforeEach(async () => {
    standins = await startStandins({ swift: { pageSize: 2 } });
  });
  afterEach(() => standins.stop());

  it('listen on loopback and give env entries pointing at themselves', () => {
    for (const name of [
      'ROCKS_EVENTBUS_KARAPACE_URL',
      'OS_AUTH_URL',
      'GITHUB_API_URL',
      'REGISTRY_TAGS_API_URL',
      'MATTERMOST_SERVER',
    ]) {
      expect(standins.env[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    }
  });

  it('GitHub: folders as arrays of entries, files as base64 content, unknown paths as 404', async () => {
    const { github } = standins;
    github.putFile('_releases', 'oci/mock-rock/_releases.json', { latest: {} });
    const get = (path: string) =>
      fetch(`${github.url}/repos/canonical/oci-factory/contents/${path}?ref=_releases`);

    const folder = await (await get('oci')).json();
    expect(folder).toEqual([
      expect.objectContaining({ name: 'mock-rock', path: 'oci/mock-rock', type: 'dir' }),
    ]);
    const file = (await (await get('oci/mock-rock/_releases.json')).json()) as { content: string };
    expect(file).toMatchObject({ type: 'file', encoding: 'base64', name: '_releases.json' });
    expect(JSON.parse(Buffer.from(file.content, 'base64').toString())).toEqual({ latest: {} });
    const missing = await get('oci/other/_releases.json');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: 'Not Found' });
  });

  it('GitHub: a dispatch needs the Bearer token, a known ref and declared inputs', async () => {
    const { github } = standins;
    const dispatch = (authorization: string, body: unknown) =>
      fetch(`${github.url}/repos/canonical/oci-factory/actions/workflows/Image.yaml/dispatches`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    expect((await dispatch('Bearer wrong', { ref: 'main' })).status).toBe(401);
    const unexpected = await dispatch(`Bearer ${github.token}`, { ref: 'main', inputs: { nope: 1 } });
    expect(unexpected.status).toBe(422);
    expect(await unexpected.json()).toMatchObject({ message: 'Unexpected inputs provided: ["nope"]' });
    expect(
      (await dispatch(`Bearer ${github.token}`, { ref: 'main', inputs: { 'oci-image-name': 'x' } })).status,
    ).toBe(204);
    expect(github.dispatches).toEqual([
      {
        repository: 'canonical/oci-factory',
        workflow: 'Image.yaml',
        ref: 'main',
        inputs: { 'oci-image-name': 'x' },
        at: expect.any(Number),
        runId: expect.any(Number),
      },
    ]);
  });

  it('Swift: refuses a request without a Keystone token, and pages listings with marker', async () => {
    const { swift } = standins;
    for (const name of ['a/1', 'a/2', 'a/3', 'b/1']) swift.putObject('oci-factory', name, '{}');
    expect((await fetch(`${swift.storageUrl}/oci-factory?format=json`)).status).toBe(401);

    const auth = await fetch(`${swift.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: swift.username, domain: { name: 'Default' }, password: swift.password },
            },
          },
          scope: { project: { name: swift.projectName, domain: { name: 'Default' } } },
        },
      }),
    });
    expect(auth.status).toBe(201);
    const token = auth.headers.get('x-subject-token')!;
    expect(((await auth.json()) as { token: { catalog: unknown[] } }).token.catalog[0]).toMatchObject({
      type: 'object-store',
    });
    const list = async (marker: string) =>
      (await (
        await fetch(`${swift.storageUrl}/oci-factory?format=json&prefix=a/&marker=${marker}`, {
          headers: { 'x-auth-token': token },
        })
      ).json()) as { name: string }[];
    expect((await list('')).map((o) => o.name)).toEqual(['a/1', 'a/2']);
    expect((await list('a/2')).map((o) => o.name)).toEqual(['a/3']);
    expect(await list('a/3')).toEqual([]);
  });

  it('registry tags: an unknown repository is a RepositoryNotFoundException', async () => {
    const response = await fetch(`${standins.registryTags.url}/describeImageTags`, {
      method: 'POST',
      body: JSON.stringify({ repositoryName: 'nope', registryAliasName: 'ubuntu', maxResults: 1000 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'RepositoryNotFoundException' });
  });

  it('Mattermost: refuses a wrong token', async () => {
    const response = await fetch(`${standins.mattermost.url}/api/v4/posts`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
      body: JSON.stringify({ channel_id: standins.mattermost.channelId }),
    });
    expect(response.status).toBe(401);
    expect(standins.mattermost.posts).toEqual([]);
  });
});

describe('GitHub stand-in: the Actions runs a workflow_dispatch starts', () => {
  const repositoryApi = '/repos/canonical/oci-factory';
  let github: GitHubStandin;
  /** What Date.now() answers, in the tests and in the stand-in. */
  let now: number;
  const at = (iso: string) => {
    now = Date.parse(iso);
  };

  beforeEach(async () => {
    at('2026-12-06T20:01:02.345Z');
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    github = await startGitHub();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await github.stop();
  });

  const dispatchTo = (standin: GitHubStandin, body: unknown) =>
    fetch(`${standin.url}${repositoryApi}/actions/workflows/Image.yaml/dispatches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${standin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const dispatch = (body: unknown) => dispatchTo(github, body);
  const imageInputs = (image: string, externalRefId = `workflow-engine-${image}-1`) => ({
    'oci-image-name': image,
    external_ref_id: externalRefId,
  });
  const get = (path: string) =>
    fetch(`${github.url}${repositoryApi}/${path}`, { headers: { authorization: `Bearer ${github.token}` } });

  interface Run {
    id: number;
    display_title: string;
    status: string;
    conclusion: string | null;
    created_at: string;
  }
  const listRuns = async (query: string) => {
    const response = await get(`actions/workflows/Image.yaml/runs?${query}`);
    expect(response.status).toBe(200);
    return {
      ...((await response.json()) as { total_count: number; workflow_runs: Run[] }),
      link: response.headers.get('link'),
    };
  };
  interface Job {
    name: string;
    status: string;
    conclusion: string | null;
    steps: { name: string; number: number; status: string }[];
  }
  const listJobs = async (runId: number) => {
    const response = await get(`actions/runs/${runId}/jobs`);
    expect(response.status).toBe(200);
    return (await response.json()) as { total_count: number; jobs: Job[] };
  };

  it('answers 200 with the run id and URLs when asked for run details, else 204; both make a run', async () => {
    const detailed = await dispatch({
      ref: 'main',
      inputs: imageInputs('mock-rock'),
      return_run_details: true,
    });
    expect(detailed.status).toBe(200);
    expect(await detailed.json()).toEqual({
      workflow_run_id: 18000000001,
      run_url: `${github.url}${repositoryApi}/actions/runs/18000000001`,
      html_url: 'https://github.com/canonical/oci-factory/actions/runs/18000000001',
    });
    for (const body of [
      { ref: 'main', inputs: imageInputs('other-rock') },
      { ref: 'main', inputs: imageInputs('third-rock'), return_run_details: false },
    ]) {
      const plain = await dispatch(body);
      expect(plain.status).toBe(204);
      expect(await plain.text()).toBe('');
    }
    const notBoolean = await dispatch({ ref: 'main', inputs: imageInputs('x'), return_run_details: 'yes' });
    expect(notBoolean.status).toBe(422);

    expect(github.dispatches.map((d) => d.runId)).toEqual([18000000001, 18000000002, 18000000003]);
    expect(github.runs.map((run) => run.id)).toEqual([18000000001, 18000000002, 18000000003]);
    expect(github.runs[0]).toEqual({
      id: 18000000001,
      workflow: 'Image.yaml',
      ref: 'main',
      event: 'workflow_dispatch',
      // Image.yaml's run-name: 'Image - ${{ inputs.oci-image-name }} - ${{ github.ref }}'.
      displayTitle: 'Image - mock-rock - refs/heads/main',
      runNumber: 1,
      image: 'mock-rock',
      externalRefId: 'workflow-engine-mock-rock-1',
      createdAt: now,
      status: 'in_progress',
      dispatched: true,
    });
  });

  it('refuses return_run_details with 422, recording nothing, when set to act as an older server', async () => {
    const options: GitHubOptions = { refuseRunDetails: true };
    const older = await startGitHub(options);
    try {
      for (const returnRunDetails of [true, false]) {
        const refused = await dispatchTo(older, {
          ref: 'main',
          inputs: imageInputs('mock-rock'),
          return_run_details: returnRunDetails,
        });
        expect(refused.status).toBe(422);
        expect(await refused.json()).toEqual({
          message: 'Invalid request.\n\n"return_run_details" is not a permitted key.',
          documentation_url:
            'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event',
          status: '422',
        });
      }
      expect(older.dispatches).toEqual([]);
      expect(older.runs).toEqual([]);
      expect((await dispatchTo(older, { ref: 'main', inputs: imageInputs('mock-rock') })).status).toBe(204);
      expect(older.dispatches).toHaveLength(1);
      expect(older.runs).toHaveLength(1);
    } finally {
      await older.stop();
    }

    github.refuseRunDetails(true);
    const body = { ref: 'main', inputs: imageInputs('mock-rock'), return_run_details: true };
    expect((await dispatch(body)).status).toBe(422);
    github.refuseRunDetails(false);
    expect((await dispatch(body)).status).toBe(200);
    expect(github.dispatches).toHaveLength(1);
  });

  it("lists a workflow's runs newest first, filtered by event and by created time", async () => {
    github.addRun({ image: 'old-rock', createdAt: Date.parse('2026-12-06T19:59:59Z') });
    github.addRun({ image: 'mock-rock', event: 'push', createdAt: Date.parse('2026-12-06T20:00:30Z') });
    at('2026-12-06T20:00:00.900Z');
    expect((await dispatch({ ref: 'main', inputs: imageInputs('mock-rock') })).status).toBe(204);
    at('2026-12-06T20:01:02.345Z');
    const manual = github.addRun({ image: 'manual-rock', status: 'completed' });
    expect(manual).toMatchObject({ image: 'manual-rock', status: 'completed', dispatched: false });
    expect((await dispatch({ ref: 'main', inputs: imageInputs('mock-rock', 'ref-2') })).status).toBe(204);
    const [, , first, , second] = github.runs;
    const readCallsBefore = github.countedReadCalls;

    const dispatched = await listRuns('event=workflow_dispatch&created=>=2026-12-06T20:00:00Z');
    expect(dispatched.total_count).toBe(3);
    expect(dispatched.link).toBeNull();
    expect(dispatched.workflow_runs.map((run) => run.id)).toEqual([second!.id, manual.id, first!.id]);
    const runUrl = `${github.url}${repositoryApi}/actions/runs/${second!.id}`;
    expect(dispatched.workflow_runs[0]).toMatchObject({
      id: second!.id,
      name: 'Image',
      display_title: 'Image - mock-rock - refs/heads/main',
      event: 'workflow_dispatch',
      status: 'in_progress',
      conclusion: null,
      workflow_id: expect.any(Number),
      head_branch: 'main',
      run_number: 5,
      run_attempt: 1,
      created_at: '2026-12-06T20:01:02Z',
      updated_at: '2026-12-06T20:01:02Z',
      run_started_at: '2026-12-06T20:01:02Z',
      url: runUrl,
      html_url: `https://github.com/canonical/oci-factory/actions/runs/${second!.id}`,
      jobs_url: `${runUrl}/jobs`,
    });
    expect(dispatched.workflow_runs[1]).toMatchObject({ status: 'completed', conclusion: 'success' });

    // created_at counts in whole seconds: the run of 20:00:00.900 was created at 20:00:00.
    const later = await listRuns('created=>2026-12-06T20:00:00Z');
    expect(later.workflow_runs.map((run) => run.display_title)).toEqual([
      'Image - mock-rock - refs/heads/main',
      'Image - manual-rock - refs/heads/main',
      'Image - mock-rock - refs/heads/main',
    ]);
    expect(later.workflow_runs[2]).toMatchObject({ event: 'push' });
    const range = await listRuns('created=2026-12-06T19:59:00Z..2026-12-06T20:00:00Z');
    expect(range.workflow_runs.map((run) => run.created_at)).toEqual([
      '2026-12-06T20:00:00Z',
      '2026-12-06T19:59:59Z',
    ]);
    expect((await listRuns('created=2026-12-06')).total_count).toBe(5);
    expect((await listRuns('created=2026-12-07..*')).total_count).toBe(0);
    expect(github.countedReadCalls).toBe(readCallsBefore + 5);

    expect((await get('actions/workflows/Image.yaml/runs?created=yesterday')).status).toBe(422);
    expect((await get('actions/workflows/Other.yaml/runs')).status).toBe(404);
  });

  it('pages run listings with per_page and page, and a Link header to the next and last pages', async () => {
    for (let i = 0; i < 5; i += 1) github.addRun({ image: `rock-${i}`, createdAt: now - (5 - i) * 1000 });
    const newestFirst = [...github.runs].reverse().map((run) => run.id);

    const firstPage = await listRuns('event=workflow_dispatch&per_page=2');
    expect(firstPage.total_count).toBe(5);
    expect(firstPage.workflow_runs.map((run) => run.id)).toEqual(newestFirst.slice(0, 2));
    const pageUrl = (page: number) =>
      `${github.url}${repositoryApi}/actions/workflows/Image.yaml/runs?event=workflow_dispatch&per_page=2&page=${page}`;
    expect(firstPage.link).toBe(`<${pageUrl(2)}>; rel="next", <${pageUrl(3)}>; rel="last"`);

    // Follow rel="next" as Octokit's paginate does.
    const seen = firstPage.workflow_runs.map((run) => run.id);
    let next = /<([^<>]+)>;\s*rel="next"/.exec(firstPage.link!)?.[1];
    while (next) {
      const response = await fetch(next);
      const page = (await response.json()) as { total_count: number; workflow_runs: Run[] };
      expect(page.total_count).toBe(5);
      seen.push(...page.workflow_runs.map((run) => run.id));
      next = /<([^<>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    expect(seen).toEqual(newestFirst);
    const lastPage = await listRuns('event=workflow_dispatch&per_page=2&page=3');
    expect(lastPage.link).not.toContain('rel="next"');
    expect(lastPage.link).toContain(`<${pageUrl(2)}>; rel="prev"`);
    expect((await listRuns('per_page=2&page=4')).workflow_runs).toEqual([]);

    for (let i = 0; i < 100; i += 1) github.addRun({ image: `more-${i}` });
    expect((await listRuns('')).workflow_runs).toHaveLength(30);
    const capped = await listRuns('per_page=500');
    expect(capped.workflow_runs).toHaveLength(100);
    expect(capped.link).toContain('per_page=100&page=2>; rel="next"');
  });

  it("lists no jobs while a run is queued, then Prepare build's steps: Set up job, external_ref_id, ...", async () => {
    github.startRunsAfter(10_000);
    const created = now;
    const response = await dispatch({
      ref: 'main',
      inputs: imageInputs('mock-rock'),
      return_run_details: true,
    });
    const { workflow_run_id: runId } = (await response.json()) as { workflow_run_id: number };
    expect(await listJobs(runId)).toEqual({ total_count: 0, jobs: [] });
    expect((await listRuns('')).workflow_runs[0]).toMatchObject({ id: runId, status: 'queued' });
    expect(github.runs[0]!.status).toBe('queued');

    now = created + 10_000;
    const started = await listJobs(runId);
    expect(started.total_count).toBe(1);
    expect(started.jobs[0]).toMatchObject({
      id: expect.any(Number),
      run_id: runId,
      name: 'Prepare build',
      status: 'in_progress',
      conclusion: null,
      started_at: '2026-12-06T20:01:12Z',
    });
    expect(started.jobs[0]!.steps).toEqual([
      expect.objectContaining({ name: 'Set up job', number: 1, status: 'completed', conclusion: 'success' }),
      expect.objectContaining({ name: 'workflow-engine-mock-rock-1', number: 2, status: 'completed' }),
      expect.objectContaining({ name: 'Checkout', number: 3, status: 'in_progress' }),
    ]);
    expect(github.runs[0]!.status).toBe('in_progress');

    github.setRunStatus(runId, 'completed');
    expect((await listJobs(runId)).jobs[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect((await listRuns('')).workflow_runs[0]).toMatchObject({
      status: 'completed',
      conclusion: 'success',
    });
    github.setRunStatus(runId, 'queued');
    expect((await listJobs(runId)).jobs).toEqual([]);
    expect(() => github.setRunStatus(1, 'completed')).toThrow('no run 1');

    // By default a run starts at once; without external_ref_id the step shows its command.
    github.startRunsAfter(0);
    expect((await dispatch({ ref: 'main', inputs: { 'oci-image-name': 'mock-rock' } })).status).toBe(204);
    const [secondStep] = (await listJobs(github.dispatches[1]!.runId)).jobs[0]!.steps.slice(1);
    expect(secondStep!.name).toMatch(/^Run /);

    expect((await get('actions/runs/17999999999/jobs')).status).toBe(404);
    expect((await get('actions/runs/not-a-run/jobs')).status).toBe(404);
  });

  it('shows a new run in listings only listRunsAfter ms after its creation', async () => {
    github.listRunsAfter(5_000);
    const created = now;
    expect((await dispatch({ ref: 'main', inputs: imageInputs('mock-rock') })).status).toBe(204);
    const { runId } = github.dispatches[0]!;
    expect(await listRuns('event=workflow_dispatch')).toMatchObject({ total_count: 0, workflow_runs: [] });
    expect(github.runs.map((run) => run.id)).toEqual([runId]);
    // The run itself exists already: its jobs can be read by id.
    expect((await listJobs(runId)).total_count).toBe(1);

    now = created + 4_999;
    expect((await listRuns('event=workflow_dispatch')).total_count).toBe(0);
    now = created + 5_000;
    const listed = await listRuns('event=workflow_dispatch');
    expect(listed.workflow_runs.map((run) => run.id)).toEqual([runId]);
  });
});
