// Mattermost notifications as the Python notifier sends them: one post with a single
// attachment (title, text, colour), later patched to the final status and colour.
import type { MattermostSettings } from './pipeline-settings';

export const MATTERMOST_COLORS = { success: '#33CC33', failure: '#CC0000', unknown: '#B0B0B0' } as const;

const REQUEST_TIMEOUT_MS = 10_000;

interface Attachment {
  fallback?: string;
  title?: string;
  text?: string;
  color?: string;
  [field: string]: unknown;
}

interface Post {
  id: string;
  props?: { attachments?: Attachment[]; [prop: string]: unknown };
}

export interface MattermostNotifier {
  /** Posts a new message in the unknown colour and returns the post id. */
  sendMessage(title: string, text: string): Promise<string>;
  /** Recolours a post for success or failure and, when given, replaces its text. */
  updateStatusAndMessage(postId: string, success: boolean, text?: string): Promise<void>;
}

export function mattermostNotifier(settings: MattermostSettings, signal?: AbortSignal): MattermostNotifier {
  const postsUrl = `${settings.server}/api/v4/posts`;

  async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${settings.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `Mattermost ${method} ${url} failed: HTTP ${response.status} ${mattermostMessage(text)}`,
      );
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  return {
    async sendMessage(title, text) {
      const post = await call<Post>('POST', postsUrl, {
        channel_id: settings.channelId,
        props: { attachments: [{ fallback: text, title, text, color: MATTERMOST_COLORS.unknown }] },
      });
      return post.id;
    },

    async updateStatusAndMessage(postId, success, text) {
      const post = await call<Post>('GET', `${postsUrl}/${encodeURIComponent(postId)}`);
      const props = post.props ?? {};
      const attachments = props.attachments?.length ? props.attachments : [{}];
      const first = attachments[0]!;
      first.color = success ? MATTERMOST_COLORS.success : MATTERMOST_COLORS.failure;
      if (text) first.text = text;
      await call('PUT', `${postsUrl}/${encodeURIComponent(postId)}/patch`, {
        id: postId,
        props: { ...props, attachments },
      });
    },
  };
}

function mattermostMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}
