// Stand-in for the Mattermost API v4 posts endpoints: create, get, patch (Bearer token).
import { randomBytes } from 'node:crypto';
import {
  type HttpStandin,
  type RecordedRequest,
  type StandinResponse,
  jsonBody,
  startHttpStandin,
} from './http-standin';

export interface MattermostPost {
  id: string;
  channel_id: string;
  message: string;
  props: Record<string, unknown>;
  create_at: number;
  update_at: number;
  edit_at: number;
  user_id: string;
  type: string;
}

export interface MattermostOptions {
  token?: string;
  channelId?: string;
}

export interface MattermostStandin extends HttpStandin {
  readonly token: string;
  readonly channelId: string;
  /** Posts as they are now, in creation order. */
  readonly posts: MattermostPost[];
}

const UNAUTHORIZED: StandinResponse = {
  status: 401,
  body: {
    id: 'api.context.session_expired.app_error',
    message: 'Invalid or expired session, please login again.',
    detailed_error: '',
    request_id: 'standin',
    status_code: 401,
  },
};

const notFound = (id: string): StandinResponse => ({
  status: 404,
  body: {
    id: 'app.post.get.app_error',
    message: `Unable to get the post. id=${id}`,
    detailed_error: '',
    request_id: 'standin',
    status_code: 404,
  },
});

export async function startMattermost(options: MattermostOptions = {}): Promise<MattermostStandin> {
  const token = options.token ?? 'mattermost-standin-token';
  const channelId = options.channelId ?? 'oci8factory9channel0id0000';
  const posts: MattermostPost[] = [];

  function routes(request: RecordedRequest): StandinResponse | undefined {
    if (!request.path.startsWith('/api/v4/posts')) return undefined;
    if (request.headers.authorization !== `Bearer ${token}`) return UNAUTHORIZED;

    if (request.method === 'POST' && request.path === '/api/v4/posts') {
      const body = jsonBody<{ channel_id?: string; message?: string; props?: Record<string, unknown> }>(
        request,
      );
      if (body?.channel_id !== channelId) {
        return {
          status: 403,
          body: {
            id: 'api.context.permissions.app_error',
            message: 'You do not have the appropriate permissions.',
            status_code: 403,
          },
        };
      }
      const now = Date.now();
      const post: MattermostPost = {
        id: randomBytes(13).toString('hex').slice(0, 26),
        channel_id: channelId,
        message: body.message ?? '',
        props: body.props ?? {},
        create_at: now,
        update_at: now,
        edit_at: 0,
        user_id: 'rocksbot0user0id000000000',
        type: '',
      };
      posts.push(post);
      return { status: 201, body: post };
    }

    const match = /^\/api\/v4\/posts\/([^/]+)(\/patch)?$/.exec(request.path);
    if (!match) return undefined;
    const post = posts.find((known) => known.id === match[1]);
    if (!post) return notFound(match[1]!);
    if (request.method === 'GET' && !match[2]) return { status: 200, body: post };
    if (request.method === 'PUT' && match[2]) {
      const patch = jsonBody<{ message?: string; props?: Record<string, unknown> }>(request) ?? {};
      if (patch.message !== undefined) post.message = patch.message;
      if (patch.props !== undefined) post.props = patch.props;
      post.update_at = post.edit_at = Date.now();
      return { status: 200, body: post };
    }
    return undefined;
  }

  const standin = await startHttpStandin('mattermost', routes);
  return Object.assign(standin, { token, channelId, posts });
}
