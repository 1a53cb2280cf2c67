// The rebuild itself: a workflow_dispatch of the OCI Factory's Image.yaml with the base64 image
// trigger, exactly the inputs the Python original sent, asking GitHub for the run it starts
// (`return_run_details`, docs/oci-factory-pipeline.md §8). One attempt: dispatch-once.ts decides
// whether a failed one may be sent again.
import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import type { PipelineLogger } from '../pipeline-types';
import type { GitHubSettings } from '../pipeline-settings';
import { describeGitHubError, httpStatusOf } from './github';

export const IMAGE_WORKFLOW = 'Image.yaml';

export interface RebuildDispatch {
  image: string;
  b64Trigger: string;
  externalRefId: string;
}

/** The Actions run a dispatch started. */
export interface RunLink {
  id: number;
  /** Its page on GitHub. */
  url: string;
}

/** APIs (by base URL) that refused `return_run_details`: asked once per worker, then never again. */
const refusingRunDetails = new Set<string>();

/** Forgets which servers refused run details (tests). */
export function forgetRunDetailsRefusals(): void {
  refusingRunDetails.clear();
}

/**
 * Sends the dispatch once; resolves to its run, or null when the server does not return runs.
 * A server that predates `return_run_details` refuses it with 400 or 422 naming the parameter,
 * and starts nothing: the same dispatch then goes at once without it.
 */
export async function sendDispatch(
  octokit: Octokit,
  settings: GitHubSettings,
  dispatch: RebuildDispatch,
  signal: AbortSignal,
  log: PipelineLogger,
): Promise<RunLink | null> {
  const send = (withRunDetails: boolean) =>
    octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
      owner: settings.owner,
      repo: settings.repo,
      workflow_id: IMAGE_WORKFLOW,
      ref: settings.dispatchRef,
      inputs: dispatchInputs(dispatch),
      ...(withRunDetails ? { return_run_details: true } : {}),
      request: { signal },
    });
  if (!refusingRunDetails.has(settings.apiUrl)) {
    try {
      return runLinkOf((await send(true)).data);
    } catch (error) {
      if (!refusesRunDetails(error)) throw error;
      refusingRunDetails.add(settings.apiUrl);
      log.warn(
        `GitHub at ${settings.apiUrl} refused return_run_details (${describeGitHubError(error)}): dispatching without it from now on, so the Mattermost post has no run links`,
      );
    }
  }
  await send(false);
  return null;
}

function refusesRunDetails(error: unknown): boolean {
  const status = httpStatusOf(error);
  return (status === 400 || status === 422) && describeGitHubError(error).includes('return_run_details');
}

function runLinkOf(data: unknown): RunLink | null {
  const details = data as { workflow_run_id?: unknown; html_url?: unknown } | undefined;
  return typeof details?.workflow_run_id === 'number' && typeof details.html_url === 'string'
    ? { id: details.workflow_run_id, url: details.html_url }
    : null;
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
