// Mattermost notifications as the Python notifier sends them: one post with a single
// attachment (title, text, colour), later patched to the final status and colour.
import { callOutside, type CallPolicy, HttpStatusError, parseAnswer } from './outside-call';
import { DEFAULT_TIMEOUT_SECONDS, type MattermostSettings } from './pipeline-settings';

export const MATTERMOST_COLORS = { success: '#33CC33', failure: '#CC0000', unknown: '#B0B0B0' } as const;

/** A notification is not worth holding an event long: its transient failures are retried this long at most. */
export const MATTERMOST_RETRY_BUDGET_MS = 20_000;

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
  /**
   * Reads the post, then patches it: recoloured for success or failure when `success` is given,
   * its text replaced by what `text` makes of the current one when given.
   */
  updatePost(
    postId: string,
    change: { success?: boolean; text?: (current: string) => string },
  ): Promise<void>;
}

export function mattermostNotifier(
  settings: MattermostSettings,
  policy: CallPolicy = {
    timeoutMs: DEFAULT_TIMEOUT_SECONDS.mattermost * 1000,
    retryBudgetMs: MATTERMOST_RETRY_BUDGET_MS,
  },
): MattermostNotifier {
  const postsUrl = `${settings.server}/api/v4/posts`;
  const budget = { ...policy, retryBudgetMs: Math.min(policy.retryBudgetMs, MATTERMOST_RETRY_BUDGET_MS) };

  function call<T>(method: string, url: string, body?: unknown): Promise<T> {
    return callOutside('mattermost', `${method} ${url}`, budget, async (signal) => {
      const response = await fetch(url, {
        method,
        headers: { Authorization: `Bearer ${settings.token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      const text = await response.text();
      if (!response.ok) {
        throw new HttpStatusError(
          `Mattermost ${method} ${url} failed: HTTP ${response.status} ${mattermostMessage(text)}`,
          response.status,
          response.headers,
        );
      }
      return (text ? parseAnswer<T>(text, `Mattermost ${method} ${url}`) : {}) as T;
    });
  }

  return {
    async sendMessage(title, text) {
      const post = await call<Post>('POST', postsUrl, {
        channel_id: settings.channelId,
        props: { attachments: [{ fallback: text, title, text, color: MATTERMOST_COLORS.unknown }] },
      });
      return post.id;
    },

    async updatePost(postId, { success, text }) {
      const post = await call<Post>('GET', `${postsUrl}/${encodeURIComponent(postId)}`);
      const props = post.props ?? {};
      const attachments = props.attachments?.length ? props.attachments : [{}];
      const first = attachments[0]!;
      if (success !== undefined)
        first.color = success ? MATTERMOST_COLORS.success : MATTERMOST_COLORS.failure;
      if (text) first.text = text(first.text ?? '');
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
