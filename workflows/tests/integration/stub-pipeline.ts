// A rebuild pipeline stand-in for the consumer tests: "dispatches" a fixed list of images by
// appending `<message_id> <image>` lines to a file, honouring doneThrough/onDispatched
// as the real pipeline does.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { EventOutcome, ProcessEvent } from '../../src/activities/pipeline-types';

export interface StubPipelineOptions {
  images: string[];
  dispatchLog: string;
  /** Called after the first image dispatched in this process (e.g. to hang until killed). */
  afterFirstDispatch?: () => Promise<void>;
}

export function stubPipeline({ images, dispatchLog, afterFirstDispatch }: StubPipelineOptions): ProcessEvent {
  let dispatchedHere = 0;
  return async (event, ctx): Promise<EventOutcome> => {
    const rebuilds = [];
    for (const image of [...images].sort()) {
      if (ctx.doneThrough !== undefined && image <= ctx.doneThrough) {
        rebuilds.push({ image, dispatched: true, reason: 'dispatched by an earlier delivery' });
        continue;
      }
      appendFileSync(dispatchLog, `${event.message_id} ${image}\n`);
      await ctx.onDispatched(image, null);
      rebuilds.push({ image, dispatched: true, reason: 'dispatched' });
      dispatchedHere += 1;
      if (dispatchedHere === 1) await afterFirstDispatch?.();
    }
    return { eventbus_message: event, release: event.release ?? null, status: 'Success', rebuilds };
  };
}

/** The dispatch log as `<message_id> <image>` lines. */
export function dispatchedLines(dispatchLog: string): string[] {
  return existsSync(dispatchLog) ? readFileSync(dispatchLog, 'utf8').split('\n').filter(Boolean) : [];
}
