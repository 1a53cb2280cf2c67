// One rebuild dispatched at most once, even when an answer is lost or the worker dies between
// GitHub accepting the dispatch and the record of it (docs/oci-factory-pipeline.md §8):
// - before the first send, the image is marked "sending" with the time, durably;
// - a send whose answer is lost, or an image found "sending" by a redelivery, is looked up by
//   its external_ref_id before anything is sent again;
// - found: dispatched. Not found: sent again only once GitHub has had the settle time to list
//   the run. A candidate run still queued (its steps not listed yet) is waited for, within a
//   bound; past it the event is left for later, looked up again, never sent twice.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Octokit } from '@octokit/rest';
import { errorMessage } from '../error-message';
import { callOutside, type CallPolicy, classify, TransientError } from '../outside-call';
import type { PipelineLogger } from '../pipeline-types';
import type { GitHubSettings, RunLookupSettings } from '../pipeline-settings';
import { type RebuildDispatch, type RunLink, sendDispatch } from './dispatch';
import { lookUpRun } from './run-lookup';

export interface DispatchJob {
  octokit: Octokit;
  github: GitHubSettings;
  lookup: RunLookupSettings;
  dispatch: RebuildDispatch;
  /** When an earlier delivery first sent this dispatch, without the answer being recorded. */
  sentBefore?: number;
  /** Records, durably, that the image is being sent and since when; before anything is sent. */
  markSending(since: number): Promise<void>;
  /** The GitHub calls' timeout, retry budget and signal. */
  policy: CallPolicy;
  /** Told what the dispatch waits for (the heartbeat reports it). */
  onWait?(reason: string): void;
  log: PipelineLogger;
  now?: () => number;
}

export interface DispatchedRun {
  /** The run, when GitHub said which it is. */
  run: RunLink | null;
  /** True when an earlier send had started it (found by the lookup): nothing was sent now. */
  sentEarlier: boolean;
}

export async function dispatchOnce(job: DispatchJob): Promise<DispatchedRun> {
  const { dispatch, policy, log, lookup } = job;
  const now = job.now ?? Date.now;
  const { image, externalRefId } = dispatch;
  const notOurs = new Set<number>();
  const wait = async (ms: number, reason: string) => {
    job.onWait?.(reason);
    await sleep(ms, undefined, policy.signal ? { signal: policy.signal } : undefined);
  };
  let since = job.sentBefore;
  let lookingSince = now();
  let firstFailure: number | undefined;

  for (;;) {
    policy.signal?.throwIfAborted();
    if (since !== undefined) {
      const found = await lookUpRun(
        job.octokit,
        job.github,
        { image, externalRefId, since, notOurs },
        policy,
      );
      if ('found' in found) {
        log.info(
          `${image}: run ${found.found.id} carries ${externalRefId}: dispatched by an earlier send, not sent again`,
          {
            image,
          },
        );
        return { run: found.found, sentEarlier: true };
      }
      if ('undecided' in found) {
        const waited = now() - lookingSince;
        const runs = found.undecided.join(', ');
        if (waited >= lookup.queuedWaitMs) {
          throw new TransientError(
            `github: ${image}'s run ${runs} still queued after ${Math.round(waited / 1000)} s, so whether it carries ${externalRefId} is unknown: the event is left for later, and looked up again before any send`,
            'github',
          );
        }
        await wait(lookup.pollMs, `waiting for queued run ${runs} of ${image} to list its steps`);
        continue;
      }
      const settleLeft = since + lookup.settleMs - now();
      if (settleLeft > 0) {
        await wait(Math.min(settleLeft, lookup.pollMs), `looking for the run of ${externalRefId}`);
        continue;
      }
      log.warn(
        `${image}: no run carries ${externalRefId} ${Math.round((now() - since) / 1000)} s after it was first sent: sending it again`,
        { image },
      );
    }

    since ??= now();
    await job.markSending(since);
    try {
      // One attempt: a lost answer may still have started a run, so it is looked up, never just resent.
      const run = await callOutside(
        'github',
        `dispatch of ${image}`,
        { ...policy, retryBudgetMs: 0 },
        (signal) => sendDispatch(job.octokit, job.github, dispatch, signal, log),
      );
      return { run, sentEarlier: false };
    } catch (error) {
      if (policy.signal?.aborted || !classify(error).transient) throw error;
      firstFailure ??= now();
      if (now() - firstFailure > policy.retryBudgetMs) throw error;
      log.warn(
        `${image}: the dispatch's answer was lost (${errorMessage(error)}): looking for its run before sending again`,
        {
          image,
        },
      );
      lookingSince = now();
    }
  }
}
