// The rebuild itself: a workflow_dispatch of the OCI Factory's Image.yaml with the
// base64 image trigger, exactly the inputs the Python original sent.
import type { Octokit } from '@octokit/rest';
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
): Promise<void> {
  await octokit.rest.actions.createWorkflowDispatch({
    owner: settings.owner,
    repo: settings.repo,
    workflow_id: IMAGE_WORKFLOW,
    ref: settings.dispatchRef,
    inputs: {
      'oci-image-name': dispatch.image,
      'b64-image-trigger': dispatch.b64Trigger,
      upload: true,
      external_ref_id: dispatch.externalRefId,
    },
  });
}

export function externalRefId(prefix: string, image: string, now: Date): string {
  return `${prefix}-${image}-${Math.floor(now.getTime() / 1000)}`;
}
