// Stand-in for the GitHub REST API parts the pipeline uses: repository contents on a
// branch (folders and base64 files, shaped as GitHub does), workflow_dispatch, and the
// Actions runs a dispatch starts (run listings and their jobs' steps).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import {
  type HttpStandin,
  type RecordedRequest,
  type StandinResponse,
  jsonBody,
  startHttpStandin,
} from './http-standin';

export interface GitHubOptions {
  token?: string;
  repository?: string;
  /** Branches that exist (refs a dispatch may name). */
  branches?: string[];
  /** Workflow files that accept workflow_dispatch, with their declared inputs. */
  workflows?: Record<string, string[]>;
  /** Answers 422 to a dispatch naming `return_run_details`, as GitHub Enterprise Server before it did. */
  refuseRunDetails?: boolean;
}

export interface RecordedDispatch {
  repository: string;
  workflow: string;
  ref: string;
  inputs: Record<string, unknown>;
  /** When it was accepted (Date.now()). */
  at: number;
  /** The run it created. */
  runId: number;
}

export type RunStatus = 'queued' | 'in_progress' | 'completed';

/** An Actions run, as the stand-in holds it at the time it is read. */
export interface StandinRun {
  readonly id: number;
  /** Workflow file name, e.g. Image.yaml. */
  readonly workflow: string;
  /** The branch it runs on (head_branch). */
  readonly ref: string;
  readonly event: string;
  readonly displayTitle: string;
  readonly runNumber: number;
  /** The `oci-image-name` input. */
  readonly image: string | undefined;
  /** The `external_ref_id` input. */
  readonly externalRefId: string | undefined;
  /** When it was created (Date.now()). */
  readonly createdAt: number;
  readonly status: RunStatus;
  /** True when a dispatch created it, false when addRun did. */
  readonly dispatched: boolean;
}

export interface AddedRun {
  image: string;
  /** Default: main. */
  ref?: string;
  externalRefId?: string;
  /** Default: workflow_dispatch (a manual run); e.g. push for a rebuild after a change. */
  event?: string;
  /** Date.now() style; default now. */
  createdAt?: number;
  /** Default: follows startRunsAfter, like a dispatched run. */
  status?: RunStatus;
}

export interface GitHubStandin extends HttpStandin {
  readonly token: string;
  /** Puts a file on a branch of the repository (folders appear implicitly). */
  putFile(branch: string, path: string, content: string | object): void;
  /** The workflow dispatches accepted (204, or 200 with the run's details), in order. */
  readonly dispatches: RecordedDispatch[];
  /**
   * The next `count` dispatches of `image` are accepted (recorded, their run started) but never
   * answered: the connection stays open, as when an answer is lost on the way back.
   */
  loseDispatchAnswers(image: string, count?: number): void;
  /** Makes dispatches whose `oci-image-name` input is `image` fail with `status` (e.g. 422, 500). */
  failDispatchFor(image: string, status: number, message?: string): void;
  /** Turns on or off the 422 answer to dispatches naming `return_run_details` (GitHub Enterprise Server). */
  refuseRunDetails(on: boolean): void;
  /** Every run, dispatched or added, in creation order. */
  readonly runs: readonly StandinRun[];
  /** Sets a run's status from now on (it no longer starts by itself). */
  setRunStatus(runId: number, status: RunStatus): void;
  /**
   * Runs created from now on stay queued (no jobs listed) for `ms`, then are in progress.
   * Default 0: a run is in progress, with its steps listed, as soon as it is created.
   */
  startRunsAfter(ms: number): void;
  /** Runs created from now on appear in run listings only `ms` after their creation. Default 0. */
  listRunsAfter(ms: number): void;
  /** Adds a run no dispatch made (a manual run, another image's rebuild), on the first workflow. */
  addRun(run: AddedRun): StandinRun;
  /**
   * REST API calls GitHub counts against the token's rate limit, dispatches aside: every
   * /repos/ request except the 304 answers to conditional requests (and the archive download,
   * served from codeload, not the API).
   */
  readonly countedReadCalls: number;
}

const DOCS = 'https://docs.github.com/rest';
const DISPATCH_DOCS = `${DOCS}/actions/workflows#create-a-workflow-dispatch-event`;
const FIRST_RUN_ID = 18000000001;
const FIRST_JOB_ID = 51000000001;
const FIRST_WORKFLOW_ID = 161000001;

/** A run's state; a queued run with `startsAt` becomes in progress once that time has passed. */
interface RunRecord {
  id: number;
  jobId: number;
  workflow: string;
  ref: string;
  headSha: string;
  event: string;
  displayTitle: string;
  runNumber: number;
  image: string | undefined;
  externalRefId: string | undefined;
  dispatched: boolean;
  createdAt: number;
  /** When it starts appearing in run listings. */
  listedFrom: number;
  startsAt: number | undefined;
  status: RunStatus;
  updatedAt: number;
  startedAt: number | undefined;
  completedAt: number | undefined;
}

/** ISO 8601 to the second, as GitHub writes times: 2026-12-06T20:01:02Z. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function startGitHub(options: GitHubOptions = {}): Promise<GitHubStandin> {
  const token = options.token ?? 'ghp_standin_token_0123456789';
  const repository = options.repository ?? 'canonical/oci-factory';
  const branches = new Map<string, Map<string, string>>(
    (options.branches ?? ['main', '_releases']).map((branch) => [branch, new Map()]),
  );
  const workflows = options.workflows ?? {
    'Image.yaml': ['oci-image-name', 'b64-image-trigger', 'upload', 'external_ref_id'],
  };
  const workflowIds = new Map(Object.keys(workflows).map((workflow, i) => [workflow, FIRST_WORKFLOW_ID + i]));
  const dispatches: RecordedDispatch[] = [];
  const failures = new Map<string, { status: number; message: string }>();
  let refusingRunDetails = options.refuseRunDetails ?? false;
  const runs: RunRecord[] = [];
  const runNumbers = new Map<string, number>();
  let startDelayMs = 0;
  let listingLagMs = 0;
  let baseUrl = '';
  let countedReadCalls = 0;
  /** Snapshots of branches by the commit id they were given (a commit id is a hash of the files). */
  const commits = new Map<string, Map<string, string>>();
  const tarballs = new Map<string, Buffer>();

  function headOf(branch: string): string | undefined {
    const files = branches.get(branch);
    if (!files) return undefined;
    const hash = createHash('sha1');
    for (const [name, content] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      hash.update(`${name}\0${content}\0`);
    }
    const commit = hash.digest('hex');
    if (!commits.has(commit)) commits.set(commit, new Map(files));
    return commit;
  }

  /** GET /repos/{owner}/{repo}/git/ref/heads/{branch}, with an ETag; If-None-Match → 304. */
  function gitRef(request: RecordedRequest, ref: string): StandinResponse {
    const branch = ref.replace(/^heads\//, '');
    const commit = ref.startsWith('heads/') ? headOf(branch) : undefined;
    if (!commit) return notFound('git/refs#get-a-reference');
    const etag = `"${createHash('sha1').update(commit).digest('hex')}"`;
    if (request.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
    return {
      status: 200,
      headers: { etag },
      body: {
        ref: `refs/${ref}`,
        node_id: Buffer.from(`ref:${ref}`).toString('base64'),
        url: `${baseUrl}/repos/${repository}/git/refs/${ref}`,
        object: { sha: commit, type: 'commit', url: `${baseUrl}/repos/${repository}/git/commits/${commit}` },
      },
    };
  }

  /** GET /repos/{owner}/{repo}/tarball/{ref}: 302 to the archive, as GitHub redirects to codeload. */
  function tarballRedirect(ref: string): StandinResponse {
    const commit = commits.has(ref) ? ref : headOf(ref);
    if (!commit) return notFound('repos/contents#download-a-repository-archive-tar');
    return {
      status: 302,
      headers: { location: `${baseUrl}/_codeload/${repository}/legacy.tar.gz/${commit}` },
    };
  }

  /** The archive: every file under one top folder <owner>-<repo>-<short commit>/. */
  function archive(commit: string): StandinResponse {
    const files = commits.get(commit);
    if (!files) return { status: 404, body: '404: Not Found' };
    let tarball = tarballs.get(commit);
    if (!tarball) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'github-archive-'));
      try {
        const top = `${repository.replace('/', '-')}-${commit.slice(0, 7)}`;
        for (const [name, content] of files) {
          mkdirSync(path.dirname(path.join(dir, top, name)), { recursive: true });
          writeFileSync(path.join(dir, top, name), content);
        }
        tar.create({ gzip: true, cwd: dir, sync: true, portable: true, file: path.join(dir, 'a.tgz') }, [
          top,
        ]);
        tarball = readFileSync(path.join(dir, 'a.tgz'));
        tarballs.set(commit, tarball);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return { status: 200, headers: { 'content-type': 'application/x-gzip' }, body: tarball };
  }

  const sha = (text: string) =>
    createHash('sha1')
      .update(`blob ${Buffer.byteLength(text)}\0${text}`)
      .digest('hex');

  function entry(branch: string, path: string, type: 'file' | 'dir', content = '') {
    const name = path.split('/').pop()!;
    const apiUrl = `${baseUrl}/repos/${repository}/contents/${path}?ref=${encodeURIComponent(branch)}`;
    const htmlUrl = `https://github.com/${repository}/${type === 'dir' ? 'tree' : 'blob'}/${branch}/${path}`;
    const gitUrl = `${baseUrl}/repos/${repository}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha(path + content)}`;
    return {
      name,
      path,
      sha: sha(path + content),
      size: type === 'dir' ? 0 : Buffer.byteLength(content),
      url: apiUrl,
      html_url: htmlUrl,
      git_url: gitUrl,
      download_url:
        type === 'dir' ? null : `https://raw.githubusercontent.com/${repository}/${branch}/${path}`,
      type,
      _links: { self: apiUrl, git: gitUrl, html: htmlUrl },
    };
  }

  function contents(request: RecordedRequest, path: string): StandinResponse {
    if (credentialsRefused(request)) return badCredentials;
    const branch = request.query.get('ref') ?? 'main';
    const files = branches.get(branch);
    if (!files)
      return {
        status: 404,
        body: {
          message: `No commit found for the ref ${branch}`,
          documentation_url: `${DOCS}/repos/contents#get-repository-content`,
          status: '404',
        },
      };

    const file = files.get(path);
    if (file !== undefined) {
      // GitHub wraps the base64 content at 60 characters per line.
      const encoded = Buffer.from(file)
        .toString('base64')
        .replace(/(.{60})/g, '$1\n');
      return {
        status: 200,
        body: { ...entry(branch, path, 'file', file), content: `${encoded}\n`, encoding: 'base64' },
      };
    }
    const folder = path === '' ? '' : `${path}/`;
    const children = new Map<string, 'file' | 'dir'>();
    for (const name of files.keys()) {
      if (!name.startsWith(folder)) continue;
      const [child, ...deeper] = name.slice(folder.length).split('/');
      children.set(child!, deeper.length > 0 ? 'dir' : 'file');
    }
    if (children.size === 0) return notFound('repos/contents#get-repository-content');
    return {
      status: 200,
      body: [...children.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([child, type]) =>
          entry(branch, `${folder}${child}`, type, files.get(`${folder}${child}`) ?? ''),
        ),
    };
  }

  function dispatch(request: RecordedRequest, workflow: string): StandinResponse {
    if (request.headers.authorization !== `Bearer ${token}`) {
      return request.headers.authorization === undefined ? requiresAuthentication : badCredentials;
    }
    const declared = workflows[workflow];
    if (!declared) return notFound('actions/workflows#create-a-workflow-dispatch-event');
    const body = jsonBody<{ ref?: string; inputs?: Record<string, unknown>; return_run_details?: unknown }>(
      request,
    );
    if (refusingRunDetails && body?.return_run_details !== undefined) {
      return invalidDispatch('Invalid request.\n\n"return_run_details" is not a permitted key.');
    }
    const returnRunDetails = body?.return_run_details;
    if (returnRunDetails !== undefined && typeof returnRunDetails !== 'boolean') {
      return invalidDispatch(
        `Invalid request.\n\nFor 'properties/return_run_details', ${JSON.stringify(returnRunDetails)} is not a boolean.`,
      );
    }
    if (!body?.ref) return invalidDispatch('Invalid request.\n\n"ref" wasn\'t supplied.');
    if (!branches.has(body.ref)) return invalidDispatch(`No ref found for: ${body.ref}`);
    const inputs = body.inputs ?? {};
    const unexpected = Object.keys(inputs).filter((name) => !declared.includes(name));
    if (unexpected.length > 0) {
      return invalidDispatch(`Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
    }
    const failure = failures.get(String(inputs['oci-image-name']));
    if (failure)
      return {
        status: failure.status,
        body: {
          message: failure.message,
          documentation_url: DISPATCH_DOCS,
          status: String(failure.status),
        },
      };

    const run = createRun({
      workflow,
      ref: body.ref,
      event: 'workflow_dispatch',
      image: optionalString(inputs['oci-image-name']),
      externalRefId: optionalString(inputs.external_ref_id),
      dispatched: true,
      createdAt: Date.now(),
    });
    dispatches.push({ repository, workflow, ref: body.ref, inputs, at: run.createdAt, runId: run.id });
    const image = String(inputs['oci-image-name']);
    const lost = lostAnswers.get(image) ?? 0;
    if (lost > 0) {
      lostAnswers.set(image, lost - 1);
      return { status: 0, hang: true };
    }
    if (returnRunDetails !== true) return { status: 204 };
    return {
      status: 200,
      body: {
        workflow_run_id: run.id,
        run_url: `${baseUrl}/repos/${repository}/actions/runs/${run.id}`,
        html_url: `https://github.com/${repository}/actions/runs/${run.id}`,
      },
    };
  }

  /** Images whose next accepted dispatches get no answer. */
  const lostAnswers = new Map<string, number>();

  function createRun(run: {
    workflow: string;
    ref: string;
    event: string;
    image: string | undefined;
    externalRefId: string | undefined;
    dispatched: boolean;
    createdAt: number;
    status?: RunStatus;
  }): RunRecord {
    const runNumber = (runNumbers.get(run.workflow) ?? 0) + 1;
    runNumbers.set(run.workflow, runNumber);
    const status = run.status ?? 'queued';
    const record: RunRecord = {
      ...run,
      id: FIRST_RUN_ID + runs.length,
      jobId: FIRST_JOB_ID + runs.length,
      headSha: headOf(run.ref) ?? '0'.repeat(40),
      displayTitle:
        // Image.yaml's run-name; github.ref is the full ref even when the dispatch names a branch.
        run.workflow === 'Image.yaml'
          ? `Image - ${run.image ?? ''} - refs/heads/${run.ref}`
          : workflowName(run.workflow),
      runNumber,
      listedFrom: run.createdAt + listingLagMs,
      startsAt: run.status === undefined ? run.createdAt + startDelayMs : undefined,
      status,
      updatedAt: run.createdAt,
      startedAt: status === 'queued' ? undefined : run.createdAt,
      completedAt: status === 'completed' ? run.createdAt : undefined,
    };
    runs.push(record);
    return record;
  }

  /** Moves a queued run whose start time has passed to in_progress. */
  function settle(run: RunRecord, now: number): RunRecord {
    if (run.status === 'queued' && run.startsAt !== undefined && now >= run.startsAt) {
      run.status = 'in_progress';
      run.startedAt = run.startsAt;
      run.updatedAt = run.startsAt;
    }
    return run;
  }

  function runById(runId: number): RunRecord | undefined {
    const run = runs.find((candidate) => candidate.id === runId);
    return run && settle(run, Date.now());
  }

  function workflowName(workflow: string): string {
    return workflow === 'Image.yaml' ? 'Image' : workflow;
  }

  function runJson(run: RunRecord) {
    const url = `${baseUrl}/repos/${repository}/actions/runs/${run.id}`;
    return {
      id: run.id,
      name: workflowName(run.workflow),
      node_id: Buffer.from(`WorkflowRun:${run.id}`).toString('base64'),
      head_branch: run.ref,
      head_sha: run.headSha,
      path: `.github/workflows/${run.workflow}`,
      display_title: run.displayTitle,
      run_number: run.runNumber,
      event: run.event,
      status: run.status,
      conclusion: run.status === 'completed' ? 'success' : null,
      workflow_id: workflowIds.get(run.workflow),
      url,
      html_url: `https://github.com/${repository}/actions/runs/${run.id}`,
      pull_requests: [],
      created_at: isoSeconds(run.createdAt),
      updated_at: isoSeconds(run.updatedAt),
      run_attempt: 1,
      run_started_at: isoSeconds(run.createdAt),
      jobs_url: `${url}/jobs`,
      logs_url: `${url}/logs`,
      cancel_url: `${url}/cancel`,
      rerun_url: `${url}/rerun`,
      workflow_url: `${baseUrl}/repos/${repository}/actions/workflows/${workflowIds.get(run.workflow)}`,
    };
  }

  /** GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs: newest first, paged. */
  function listRuns(request: RecordedRequest, workflowId: string): StandinResponse {
    if (credentialsRefused(request)) return badCredentials;
    const workflow = workflowIds.has(workflowId)
      ? workflowId
      : [...workflowIds].find(([, id]) => String(id) === workflowId)?.[0];
    if (!workflow) return notFound('actions/workflow-runs#list-workflow-runs-for-a-workflow');
    const query = request.query;
    let createdMatches: ((createdAt: number) => boolean) | undefined;
    if (query.has('created')) {
      createdMatches = dateQualifier(query.get('created')!);
      if (!createdMatches)
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ resource: 'WorkflowRun', field: 'created', code: 'invalid' }],
            documentation_url: `${DOCS}/actions/workflow-runs#list-workflow-runs-for-a-workflow`,
            status: '422',
          },
        };
    }
    const now = Date.now();
    const matching = runs
      .map((run) => settle(run, now))
      .filter(
        (run) =>
          run.workflow === workflow &&
          now >= run.listedFrom &&
          (!query.has('event') || run.event === query.get('event')) &&
          (!query.has('branch') || run.ref === query.get('branch')) &&
          (!query.has('status') ||
            run.status === query.get('status') ||
            (run.status === 'completed' && query.get('status') === 'success')) &&
          (!createdMatches || createdMatches(Math.floor(run.createdAt / 1000) * 1000)),
      )
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);

    const perPage = Math.min(positiveInteger(query.get('per_page')) ?? 30, 100);
    const page = positiveInteger(query.get('page')) ?? 1;
    const lastPage = Math.max(1, Math.ceil(matching.length / perPage));
    const pageUrl = (target: number) => {
      const params = new URLSearchParams(query);
      params.set('page', String(target));
      params.set('per_page', String(perPage));
      return `${baseUrl}${request.path}?${params.toString()}`;
    };
    const links = [
      ...(page > 1 ? [`<${pageUrl(page - 1)}>; rel="prev"`] : []),
      ...(page < lastPage
        ? [`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`]
        : []),
      ...(page > 1 ? [`<${pageUrl(1)}>; rel="first"`] : []),
    ];
    return {
      status: 200,
      headers: links.length > 0 ? { link: links.join(', ') } : {},
      body: {
        total_count: matching.length,
        workflow_runs: matching.slice((page - 1) * perPage, page * perPage).map(runJson),
      },
    };
  }

  /**
   * GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs: Image.yaml's first job once the run has
   * started (nothing while it is queued), after the "Set up job" step GitHub adds to every job.
   */
  function listJobs(request: RecordedRequest, runId: string): StandinResponse {
    if (credentialsRefused(request)) return badCredentials;
    const run = /^\d+$/.test(runId) ? runById(Number(runId)) : undefined;
    if (!run) return notFound('actions/workflow-jobs#list-jobs-for-a-workflow-run');
    if (run.status === 'queued') return { status: 200, body: { total_count: 0, jobs: [] } };

    const started = isoSeconds(run.startedAt ?? run.createdAt);
    const completed = run.status === 'completed' ? isoSeconds(run.completedAt ?? run.updatedAt) : null;
    const done = { status: 'completed', conclusion: 'success', started_at: started, completed_at: started };
    const steps = [
      { name: 'Set up job', number: 1, ...done },
      {
        // Image.yaml names this step ${{ inputs.external_ref_id }}; an empty name shows as its command.
        name: run.externalRefId ?? `Run echo 'Started by ' >> "$GITHUB_STEP_SUMMARY"`,
        number: 2,
        ...done,
      },
      {
        name: 'Checkout',
        number: 3,
        ...(completed
          ? { ...done, completed_at: completed }
          : { status: 'in_progress', conclusion: null, started_at: started, completed_at: null }),
      },
    ];
    const runUrl = `${baseUrl}/repos/${repository}/actions/runs/${run.id}`;
    return {
      status: 200,
      body: {
        total_count: 1,
        jobs: [
          {
            id: run.jobId,
            run_id: run.id,
            run_url: runUrl,
            run_attempt: 1,
            node_id: Buffer.from(`CheckRun:${run.jobId}`).toString('base64'),
            head_sha: run.headSha,
            url: `${baseUrl}/repos/${repository}/actions/jobs/${run.jobId}`,
            html_url: `https://github.com/${repository}/actions/runs/${run.id}/job/${run.jobId}`,
            status: run.status,
            conclusion: completed ? 'success' : null,
            created_at: isoSeconds(run.createdAt),
            started_at: started,
            completed_at: completed,
            name: 'Prepare build',
            steps,
            check_run_url: `${baseUrl}/repos/${repository}/check-runs/${run.jobId}`,
            labels: ['ubuntu-22.04'],
            runner_id: 1,
            runner_name: 'GitHub Actions 1',
            runner_group_id: 2,
            runner_group_name: 'GitHub Actions',
            workflow_name: workflowName(run.workflow),
            head_branch: run.ref,
          },
        ],
      },
    };
  }

  function credentialsRefused(request: RecordedRequest): boolean {
    const authorization = request.headers.authorization;
    return (
      authorization !== undefined && authorization !== `Bearer ${token}` && authorization !== `token ${token}`
    );
  }

  function routes(request: RecordedRequest): StandinResponse | undefined {
    const codeload = `/_codeload/${repository}/legacy.tar.gz/`;
    if (request.method === 'GET' && request.path.startsWith(codeload)) {
      return archive(request.path.slice(codeload.length));
    }
    const prefix = `/repos/${repository}/`;
    if (!request.path.startsWith(prefix)) return undefined;
    const answer = repositoryRoutes(request, decodeURIComponent(request.path.slice(prefix.length)));
    if (answer && answer.status !== 304 && !request.path.endsWith('/dispatches')) countedReadCalls += 1;
    return answer;
  }

  function repositoryRoutes(request: RecordedRequest, rest: string): StandinResponse | undefined {
    if (request.method === 'GET' && rest.startsWith('git/ref/')) return gitRef(request, rest.slice(8));
    if (request.method === 'GET' && rest.startsWith('tarball/')) return tarballRedirect(rest.slice(8));
    if (request.method === 'GET' && (rest === 'contents' || rest.startsWith('contents/'))) {
      return contents(request, rest.slice('contents'.length).replace(/^\/+|\/+$/g, ''));
    }
    const dispatchPath = /^actions\/workflows\/([^/]+)\/dispatches$/.exec(rest);
    if (request.method === 'POST' && dispatchPath) return dispatch(request, dispatchPath[1]!);
    const runsPath = /^actions\/workflows\/([^/]+)\/runs$/.exec(rest);
    if (request.method === 'GET' && runsPath) return listRuns(request, runsPath[1]!);
    const jobsPath = /^actions\/runs\/([^/]+)\/jobs$/.exec(rest);
    if (request.method === 'GET' && jobsPath) return listJobs(request, jobsPath[1]!);
    return undefined;
  }

  const standin = await startHttpStandin('github', routes, () => notFound(''));
  baseUrl = standin.url;
  Object.defineProperty(standin, 'countedReadCalls', { get: () => countedReadCalls });
  Object.defineProperty(standin, 'runs', {
    get: (): StandinRun[] => {
      const now = Date.now();
      return runs.map((run) => runView(settle(run, now)));
    },
  });
  return Object.assign(standin as HttpStandin & Pick<GitHubStandin, 'countedReadCalls' | 'runs'>, {
    token,
    dispatches,
    putFile(branch: string, path: string, content: string | object) {
      const files = branches.get(branch) ?? new Map<string, string>();
      files.set(path, typeof content === 'string' ? content : JSON.stringify(content, null, 4));
      branches.set(branch, files);
    },
    loseDispatchAnswers(image: string, count = 1) {
      lostAnswers.set(image, count);
    },
    failDispatchFor(image: string, status: number, message?: string) {
      failures.set(image, {
        status,
        message: message ?? (status >= 500 ? 'Server Error' : 'Unprocessable Entity'),
      });
    },
    refuseRunDetails(on: boolean) {
      refusingRunDetails = on;
    },
    setRunStatus(runId: number, status: RunStatus) {
      const run = runById(runId);
      if (!run) throw new Error(`GitHub stand-in: no run ${runId}`);
      const now = Date.now();
      run.status = status;
      run.startsAt = undefined;
      run.updatedAt = now;
      run.startedAt = status === 'queued' ? undefined : (run.startedAt ?? now);
      run.completedAt = status === 'completed' ? now : undefined;
    },
    startRunsAfter(ms: number) {
      startDelayMs = ms;
    },
    listRunsAfter(ms: number) {
      listingLagMs = ms;
    },
    addRun(run: AddedRun): StandinRun {
      const workflow = Object.keys(workflows)[0];
      if (!workflow) throw new Error('GitHub stand-in: no workflow to add a run to');
      const record = createRun({
        workflow,
        ref: run.ref ?? 'main',
        event: run.event ?? 'workflow_dispatch',
        image: run.image,
        externalRefId: run.externalRefId,
        dispatched: false,
        createdAt: run.createdAt ?? Date.now(),
        status: run.status,
      });
      return runView(settle(record, Date.now()));
    },
  });
}

function runView(run: RunRecord): StandinRun {
  return {
    id: run.id,
    workflow: run.workflow,
    ref: run.ref,
    event: run.event,
    displayTitle: run.displayTitle,
    runNumber: run.runNumber,
    image: run.image,
    externalRefId: run.externalRefId,
    createdAt: run.createdAt,
    status: run.status,
    dispatched: run.dispatched,
  };
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function positiveInteger(text: string | null): number | undefined {
  if (text === null || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}

/**
 * GitHub's search syntax for dates (`created`): `X`, `>X`, `>=X`, `<X`, `<=X`, `A..B`, `A..*`,
 * `*..B`, where a bound is a day (YYYY-MM-DD, the whole day) or a time (YYYY-MM-DDTHH:MM:SS,
 * UTC unless it has Z or an offset). Undefined when the text is not one.
 */
function dateQualifier(text: string): ((time: number) => boolean) | undefined {
  const range = /^(.+)\.\.(.+)$/.exec(text);
  if (range) {
    const from = range[1] === '*' ? { first: -Infinity, last: -Infinity } : dateBound(range[1]!);
    const to = range[2] === '*' ? { first: Infinity, last: Infinity } : dateBound(range[2]!);
    return from && to ? (time) => time >= from.first && time <= to.last : undefined;
  }
  const [, operator, rest] = /^(>=|<=|>|<)?(.*)$/.exec(text)!;
  const bound = dateBound(rest!);
  if (!bound) return undefined;
  switch (operator) {
    case '>':
      return (time) => time > bound.last;
    case '>=':
      return (time) => time >= bound.first;
    case '<':
      return (time) => time < bound.first;
    case '<=':
      return (time) => time <= bound.last;
    default:
      return (time) => time >= bound.first && time <= bound.last;
  }
}

/** The first and last millisecond a search date names. */
function dateBound(text: string): { first: number; last: number } | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const first = Date.parse(`${text}T00:00:00Z`);
    return Number.isNaN(first) ? undefined : { first, last: first + 86_400_000 - 1 };
  }
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (!time) return undefined;
  const at = Date.parse(time[3] ? text : `${text}Z`);
  return Number.isNaN(at) ? undefined : { first: at, last: at };
}

function invalidDispatch(message: string): StandinResponse {
  return { status: 422, body: { message, documentation_url: DISPATCH_DOCS, status: '422' } };
}

const badCredentials: StandinResponse = {
  status: 401,
  body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' },
};
const requiresAuthentication: StandinResponse = {
  status: 401,
  body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' },
};
function notFound(doc: string): StandinResponse {
  return { status: 404, body: { message: 'Not Found', documentation_url: `${DOCS}/${doc}`, status: '404' } };
}
