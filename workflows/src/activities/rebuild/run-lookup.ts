// Finds the Actions run a dispatch started, by its external_ref_id: Image.yaml names the first
// step of its first job after that input (docs/oci-factory-pipeline.md §8). Only the
// workflow_dispatch runs of Image.yaml created since the first send, whose title names the
// image, are candidates; a candidate whose steps are not listed yet (queued) cannot be told.
import type { Octokit } from '@octokit/rest';
import { callOutside, type CallPolicy } from '../outside-call';
import type { GitHubSettings } from '../pipeline-settings';
import { IMAGE_WORKFLOW, type RunLink } from './dispatch';

/** GitHub's clock and ours may differ: runs created this long before our first send are listed too. */
export const CLOCK_MARGIN_MS = 120_000;
/** Pages of 100 runs read at most: more than a few minutes of Image.yaml runs, whatever the load. */
export const MAX_RUN_PAGES = 5;
const PER_PAGE = 100;

export interface RunSearch {
  image: string;
  externalRefId: string;
  /** When the dispatch was first sent (ms since the epoch). */
  since: number;
  /** Runs already seen to be someone else's: not read again. */
  notOurs: Set<number>;
}

export type RunLookup = { found: RunLink } | { undecided: number[] } | { none: true };

interface WorkflowRun {
  id: number;
  display_title?: string;
  status?: string | null;
  html_url: string;
}

interface Job {
  steps?: { name: string }[];
}

export async function lookUpRun(
  octokit: Octokit,
  settings: GitHubSettings,
  search: RunSearch,
  policy: CallPolicy,
): Promise<RunLookup> {
  const created = `>=${new Date(search.since - CLOCK_MARGIN_MS).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  const title = `Image - ${search.image} - `;
  const candidates: WorkflowRun[] = [];
  for (let page = 1; page <= MAX_RUN_PAGES; page += 1) {
    const runs = await callOutside(
      'github',
      `runs of ${IMAGE_WORKFLOW} since ${created}`,
      policy,
      async (signal) => {
        const { data } = await octokit.rest.actions.listWorkflowRuns({
          owner: settings.owner,
          repo: settings.repo,
          workflow_id: IMAGE_WORKFLOW,
          event: 'workflow_dispatch',
          created,
          per_page: PER_PAGE,
          page,
          request: { signal },
        });
        return data.workflow_runs as WorkflowRun[];
      },
    );
    candidates.push(
      ...runs.filter((run) => run.display_title?.startsWith(title) && !search.notOurs.has(run.id)),
    );
    if (runs.length < PER_PAGE) break;
  }

  const undecided: number[] = [];
  for (const run of candidates) {
    const steps = await stepsOf(octokit, settings, run, policy);
    if (steps.length === 0) {
      undecided.push(run.id);
    } else if (steps.includes(search.externalRefId)) {
      return { found: { id: run.id, url: run.html_url } };
    } else {
      search.notOurs.add(run.id);
    }
  }
  return undecided.length > 0 ? { undecided } : { none: true };
}

/** The step names of the run's jobs; none while it is queued (GitHub lists steps of started jobs only). */
async function stepsOf(
  octokit: Octokit,
  settings: GitHubSettings,
  run: WorkflowRun,
  policy: CallPolicy,
): Promise<string[]> {
  if (
    run.status === 'queued' ||
    run.status === 'waiting' ||
    run.status === 'requested' ||
    run.status === 'pending'
  ) {
    return [];
  }
  const jobs = await callOutside('github', `jobs of run ${run.id}`, policy, async (signal) => {
    const { data } = await octokit.rest.actions.listJobsForWorkflowRun({
      owner: settings.owner,
      repo: settings.repo,
      run_id: run.id,
      per_page: 100,
      request: { signal },
    });
    return data.jobs as Job[];
  });
  return jobs.flatMap((job) => (job.steps ?? []).map((step) => step.name));
}
