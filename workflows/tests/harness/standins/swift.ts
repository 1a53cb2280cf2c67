// Stand-in for OpenStack Keystone v3 (password auth, project scope) and the Swift
// object store it catalogues: container listings (JSON, prefix, marker, limit) and objects.
import { randomBytes } from 'node:crypto';
import {
  type HttpStandin,
  type RecordedRequest,
  type StandinResponse,
  jsonBody,
  startHttpStandin,
} from './http-standin';

export interface SwiftOptions {
  username?: string;
  password?: string;
  projectName?: string;
  userDomainName?: string;
  projectDomainName?: string;
  account?: string;
  /** Largest listing page the server returns (Swift's default is 10000); small values exercise `marker` paging. */
  pageSize?: number;
}

export interface SwiftStandin extends HttpStandin {
  /** OS_AUTH_URL: the Keystone v3 root. */
  readonly authUrl: string;
  /** OS_STORAGE_URL: the account URL. */
  readonly storageUrl: string;
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  createContainer(container: string): void;
  putObject(container: string, name: string, content: string | object): void;
  /** Tokens issued so far (each valid until the stand-in stops). */
  readonly issuedTokens: string[];
}

interface PasswordAuthBody {
  auth?: {
    identity?: {
      methods?: string[];
      password?: { user?: { name?: string; password?: string; domain?: { name?: string; id?: string } } };
    };
    scope?: { project?: { name?: string; domain?: { name?: string; id?: string } } };
  };
}

const KEYSTONE_UNAUTHORIZED: StandinResponse = {
  status: 401,
  headers: { 'www-authenticate': 'Keystone uri="keystone"' },
  body: {
    error: {
      code: 401,
      title: 'Unauthorized',
      message: 'The request you have made requires authentication.',
    },
  },
};
const SWIFT_UNAUTHORIZED: StandinResponse = {
  status: 401,
  headers: { 'content-type': 'text/html; charset=UTF-8' },
  body: '<html><h1>Unauthorized</h1><p>This server could not verify that you are authorized to access the document you requested.</p></html>',
};
const SWIFT_NOT_FOUND: StandinResponse = {
  status: 404,
  headers: { 'content-type': 'text/html; charset=UTF-8' },
  body: '<html><h1>Not Found</h1><p>The resource could not be found.</p></html>',
};

export async function startSwift(options: SwiftOptions = {}): Promise<SwiftStandin> {
  const username = options.username ?? 'oci-factory-bot';
  const password = options.password ?? 'swift-password';
  const projectName = options.projectName ?? 'oci-factory';
  const userDomainName = options.userDomainName ?? 'Default';
  const projectDomainName = options.projectDomainName ?? 'Default';
  const account = options.account ?? 'AUTH_0123456789abcdef';
  const pageSize = options.pageSize ?? 10000;

  const containers = new Map<string, Map<string, string>>();
  const issuedTokens: string[] = [];
  let baseUrl = '';

  function issueToken(request: RecordedRequest): StandinResponse {
    const auth = jsonBody<PasswordAuthBody>(request)?.auth;
    const user = auth?.identity?.password?.user;
    const project = auth?.scope?.project;
    const valid =
      auth?.identity?.methods?.includes('password') &&
      user?.name === username &&
      user.password === password &&
      (user.domain?.name ?? user.domain?.id) === userDomainName &&
      project?.name === projectName &&
      (project.domain?.name ?? project.domain?.id) === projectDomainName;
    if (!valid) return KEYSTONE_UNAUTHORIZED;

    const token = `gAAAAA${randomBytes(24).toString('hex')}`;
    issuedTokens.push(token);
    const now = new Date();
    return {
      status: 201,
      headers: { 'x-subject-token': token },
      body: {
        token: {
          methods: ['password'],
          user: { domain: { id: 'default', name: userDomainName }, id: 'u-1', name: username },
          audit_ids: [randomBytes(8).toString('hex')],
          expires_at: new Date(now.getTime() + 3600_000).toISOString(),
          issued_at: now.toISOString(),
          project: { domain: { id: 'default', name: projectDomainName }, id: 'p-1', name: projectName },
          is_domain: false,
          roles: [{ id: 'r-1', name: 'member' }],
          catalog: [
            {
              type: 'object-store',
              name: 'swift',
              id: 's-1',
              endpoints: [
                {
                  id: 'e-1',
                  interface: 'public',
                  region: 'RegionOne',
                  region_id: 'RegionOne',
                  url: `${baseUrl}/v1/${account}`,
                },
                {
                  id: 'e-2',
                  interface: 'internal',
                  region: 'RegionOne',
                  region_id: 'RegionOne',
                  url: `${baseUrl}/v1/${account}`,
                },
              ],
            },
            {
              type: 'identity',
              name: 'keystone',
              id: 's-2',
              endpoints: [
                {
                  id: 'e-3',
                  interface: 'public',
                  region: 'RegionOne',
                  region_id: 'RegionOne',
                  url: `${baseUrl}/v3`,
                },
              ],
            },
          ],
        },
      },
    };
  }

  function listContainer(objects: Map<string, string>, query: URLSearchParams): StandinResponse {
    const prefix = query.get('prefix') ?? '';
    const marker = query.get('marker') ?? '';
    const limit = Math.min(Number(query.get('limit') ?? pageSize), pageSize);
    const names = [...objects.keys()]
      .filter((name) => name.startsWith(prefix) && name > marker)
      .sort()
      .slice(0, limit);
    const listing = names.map((name) => ({
      name,
      hash: 'd41d8cd98f00b204e9800998ecf8427e',
      bytes: Buffer.byteLength(objects.get(name)!),
      content_type: 'application/json',
      last_modified: '2025-01-01T00:00:00.000000',
    }));
    if (query.get('format') === 'json') {
      return {
        status: 200,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-container-object-count': String(objects.size),
        },
        body: listing,
      };
    }
    return listing.length === 0
      ? { status: 204 }
      : { status: 200, body: names.map((name) => `${name}\n`).join('') };
  }

  function routes(request: RecordedRequest): StandinResponse | undefined {
    if (request.method === 'POST' && request.path === '/v3/auth/tokens') return issueToken(request);

    const accountPrefix = `/v1/${account}/`;
    if (request.method !== 'GET' || !request.path.startsWith(accountPrefix)) return undefined;
    const token = request.headers['x-auth-token'];
    if (typeof token !== 'string' || !issuedTokens.includes(token)) return SWIFT_UNAUTHORIZED;

    const rest = request.path.slice(accountPrefix.length);
    const slash = rest.indexOf('/');
    const container = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    const objects = containers.get(container);
    if (!objects) return SWIFT_NOT_FOUND;
    if (slash < 0 || slash === rest.length - 1) return listContainer(objects, request.query);

    const content = objects.get(decodeURIComponent(rest.slice(slash + 1)));
    return content === undefined
      ? SWIFT_NOT_FOUND
      : {
          status: 200,
          headers: { 'content-type': 'application/json', etag: 'd41d8cd98f00b204e9800998ecf8427e' },
          body: content,
        };
  }

  const standin = await startHttpStandin('keystone/swift', routes, () => SWIFT_NOT_FOUND);
  baseUrl = standin.url;
  return Object.assign(standin, {
    authUrl: `${standin.url}/v3`,
    storageUrl: `${standin.url}/v1/${account}`,
    username,
    password,
    projectName,
    issuedTokens,
    createContainer(container: string) {
      if (!containers.has(container)) containers.set(container, new Map<string, string>());
    },
    putObject(container: string, name: string, content: string | object) {
      const objects = containers.get(container) ?? new Map<string, string>();
      objects.set(name, typeof content === 'string' ? content : JSON.stringify(content));
      containers.set(container, objects);
    },
  });
}
