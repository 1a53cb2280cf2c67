// The rebuild itself: a workflow_dispatch of the OCI Factory's Image.yaml with the
// base64 image trigger, exactly the inputs the Python original sent.
import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import { callOutside, type CallPolicy } from '../outside-call';
import type { GitHubSettings } from '../pipeline-settings';

export const IMAGE_WORKFLOW = 'Image.yaml';

export interface RebuildDispatch {
  image: string;
  b64Trigger: string;
  externalRefId: string;
}

export async function dispatchImageWorkflow(
  octokit: Octokit,
  settings: GitHubSettings,
  dispatch: RebuildDispatch,
  policy: CallPolicy,
): Promise<void> {
  // A dispatch whose answer is lost (timeout, reset) is sent again: GitHub may then run it twice,
  // with the same external_ref_id (the window the README's guarantees name).
  await callOutside('github', `dispatch of ${dispatch.image}`, policy, (signal) =>
    octokit.rest.actions.createWorkflowDispatch({
      owner: settings.owner,
      repo: settings.repo,
      workflow_id: IMAGE_WORKFLOW,
      ref: settings.dispatchRef,
      inputs: dispatchInputs(dispatch),
      request: { signal },
    }),
  );
}

/** Image.yaml's inputs for one rebuild. */
export function dispatchInputs(dispatch: RebuildDispatch) {
  return {
    'oci-image-name': dispatch.image,
    'b64-image-trigger': dispatch.b64Trigger,
    upload: true,
    external_ref_id: dispatch.externalRefId,
  };
}

/**
 * `<prefix>-<image>-<event>`: the same for every delivery of one event's rebuild of one image, so
 * a repeat can be recognised downstream. <event> is the message_id when it is a short plain
 * token, else the first 16 hex digits of its SHA-256.
 */
export function externalRefId(prefix: string, image: string, messageId: string): string {
  const event = /^[A-Za-z0-9._-]{1,64}$/.test(messageId)
    ? messageId
    : createHash('sha256').update(messageId).digest('hex').slice(0, 16);
  return `${prefix}-${image}-${event}`;
}
