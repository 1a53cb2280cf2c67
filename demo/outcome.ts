// What the pipeline did, as the outside services saw it: the workflow_dispatch requests the
// GitHub stand-in accepted (image and decoded trigger YAML) and the Mattermost post with
// its update.
import type { RecordedDispatch } from '../workflows/tests/harness/standins/github';
import type { MattermostStandin } from '../workflows/tests/harness/standins';
import { jsonBody } from '../workflows/tests/harness/standins/http-standin';

interface Attachment {
  title?: string;
  text?: string;
  color?: string;
}

export interface PostHistory {
  id: string;
  title: string;
  /** The status line of each version of the post, first the one posted, then each update. */
  statuses: string[];
  text: string;
  color: string;
}

function attachmentOf(props: unknown): Attachment {
  const attachments = (props as { attachments?: Attachment[] } | undefined)?.attachments;
  return attachments?.[0] ?? {};
}

export function statusOfText(text: string | undefined): string {
  return /\*\*Status:\*\*\s*([^\n]+)/.exec(text ?? '')?.[1]?.trim() ?? '?';
}

/** Each post with the statuses it went through, from the requests the stand-in recorded. */
export function postHistories(mattermost: MattermostStandin): PostHistory[] {
  // The stand-in creates one post per accepted POST, in order; rejected ones name another channel.
  const creations = mattermost.requests.filter(
    (request) =>
      request.method === 'POST' &&
      request.path === '/api/v4/posts' &&
      jsonBody<{ channel_id?: string }>(request)?.channel_id === mattermost.channelId,
  );
  return mattermost.posts.map((post, index) => {
    const created = creations[index];
    const updates = mattermost.requests.filter(
      (request) => request.method === 'PUT' && request.path === `/api/v4/posts/${post.id}/patch`,
    );
    const versions = [
      ...(created ? [jsonBody<{ props?: unknown }>(created)?.props] : []),
      ...updates.map((request) => jsonBody<{ props?: unknown }>(request)?.props),
    ];
    const current = attachmentOf(post.props);
    return {
      id: post.id,
      title: current.title ?? post.message,
      // An update per dispatch keeps the status: each status once, in order.
      statuses: versions
        .map((props) => statusOfText(attachmentOf(props).text))
        .filter((status, index, all) => index === 0 || status !== all[index - 1]),
      text: current.text ?? post.message,
      color: current.color ?? '',
    };
  });
}

export function decodedTrigger(dispatch: RecordedDispatch): string {
  const encoded = dispatch.inputs['b64-image-trigger'];
  return typeof encoded === 'string'
    ? Buffer.from(encoded, 'base64').toString('utf8')
    : '(no b64-image-trigger)';
}

export function describeDispatch(dispatch: RecordedDispatch): string[] {
  const { inputs } = dispatch;
  return [
    `image ${String(inputs['oci-image-name'])}: POST /repos/${dispatch.repository}/actions/workflows/${dispatch.workflow}/dispatches` +
      ` (ref ${dispatch.ref}, upload ${String(inputs.upload)}, external_ref_id ${String(inputs.external_ref_id)})`,
    '  trigger (b64-image-trigger, decoded):',
    ...decodedTrigger(dispatch)
      .trimEnd()
      .split('\n')
      .map((line) => `    ${line}`),
  ];
}

export function describePost(post: PostHistory): string[] {
  return [
    `post ${post.id}: "${post.title}"`,
    `  status: ${post.statuses.join(' → ')} (colour ${post.color})`,
    ...post.text.split('\n').map((line) => `  | ${line}`),
  ];
}
