// Stand-in for the GitHub REST API parts the pipeline uses: repository contents on a
// branch (folders and base64 files, shaped as GitHub does) and workflow_dispatch.
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
}

export interface RecordedDispatch {
  repository: string;
  workflow: string;
  ref: string;
  inputs: Record<string, unknown>;
  /** When it was accepted (Date.now()). */
  at: number;
}

export interface GitHubStandin extends HttpStandin {
  readonly token: string;
  /** Puts a file on a branch of the repository (folders appear implicitly). */
  putFile(branch: string, path: string, content: string | object): void;
  /** The workflow dispatches accepted (204), in order. */
  readonly dispatches: RecordedDispatch[];
  /** Makes dispatches whose `oci-image-name` input is `image` fail with `status` (e.g. 422, 500). */
  failDispatchFor(image: string, status: number, message?: string): void;
  /**
   * REST API calls GitHub counts against the token's rate limit, dispatches aside: every
   * /repos/ request except the 304 answers to conditional requests (and the archive download,
   * served from codeload, not the API).
   */
  readonly countedReadCalls: number;
}

const DOCS = 'https://docs.github.com/rest';

export async function startGitHub(options: GitHubOptions = {}): Promise<GitHubStandin> {
  const token = options.token ?? 'ghp_standin_token_0123456789';
  const repository = options.repository ?? 'canonical/oci-factory';
  const branches = new Map<string, Map<string, string>>(
    (options.branches ?? ['main', '_releases']).map((branch) => [branch, new Map()]),
  );
  const workflows = options.workflows ?? {
    'Image.yaml': ['oci-image-name', 'b64-image-trigger', 'upload', 'external_ref_id'],
  };
  const dispatches: RecordedDispatch[] = [];
  const failures = new Map<string, { status: number; message: string }>();
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
    const authorization = request.headers.authorization;
    if (
      authorization !== undefined &&
      authorization !== `Bearer ${token}` &&
      authorization !== `token ${token}`
    ) {
      return badCredentials;
    }
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
    const body = jsonBody<{ ref?: string; inputs?: Record<string, unknown> }>(request);
    if (!body?.ref)
      return {
        status: 422,
        body: {
          message: 'Invalid request.\n\n"ref" wasn\'t supplied.',
          documentation_url: `${DOCS}/actions/workflows#create-a-workflow-dispatch-event`,
          status: '422',
        },
      };
    if (!branches.has(body.ref))
      return {
        status: 422,
        body: {
          message: `No ref found for: ${body.ref}`,
          documentation_url: `${DOCS}/actions/workflows#create-a-workflow-dispatch-event`,
          status: '422',
        },
      };
    const inputs = body.inputs ?? {};
    const unexpected = Object.keys(inputs).filter((name) => !declared.includes(name));
    if (unexpected.length > 0) {
      return {
        status: 422,
        body: {
          message: `Unexpected inputs provided: ${JSON.stringify(unexpected)}`,
          documentation_url: `${DOCS}/actions/workflows#create-a-workflow-dispatch-event`,
          status: '422',
        },
      };
    }
    const failure = failures.get(String(inputs['oci-image-name']));
    if (failure)
      return {
        status: failure.status,
        body: {
          message: failure.message,
          documentation_url: `${DOCS}/actions/workflows#create-a-workflow-dispatch-event`,
          status: String(failure.status),
        },
      };

    dispatches.push({ repository, workflow, ref: body.ref, inputs, at: Date.now() });
    return { status: 204 };
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
    const match = /^actions\/workflows\/([^/]+)\/dispatches$/.exec(rest);
    if (request.method === 'POST' && match) return dispatch(request, match[1]!);
    return undefined;
  }

  const standin = await startHttpStandin('github', routes, () => notFound(''));
  baseUrl = standin.url;
  Object.defineProperty(standin, 'countedReadCalls', { get: () => countedReadCalls });
  return Object.assign(standin as HttpStandin & { readonly countedReadCalls: number }, {
    token,
    dispatches,
    putFile(branch: string, path: string, content: string | object) {
      const files = branches.get(branch) ?? new Map<string, string>();
      files.set(path, typeof content === 'string' ? content : JSON.stringify(content, null, 4));
      branches.set(branch, files);
    },
    failDispatchFor(image: string, status: number, message?: string) {
      failures.set(image, {
        status,
        message: message ?? (status >= 500 ? 'Server Error' : 'Unprocessable Entity'),
      });
    },
  });
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
