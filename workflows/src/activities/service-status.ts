// How the activities tell the worker that an outside service they need is failing and being
// retried, and when it answers again (docs/workflows-package.md §8): messages on a Node
// diagnostics channel the worker subscribes to. With no subscriber (the find-images command)
// nothing is published.
import { channel } from 'node:diagnostics_channel';

export const SERVICE_STATUS_CHANNEL = 'temporal-worker:service-status';

export interface ServiceStatusMessage {
  service: string;
  /** Absent once a call to the service succeeded again. */
  problem?: string;
}

const serviceStatus = channel(SERVICE_STATUS_CHANNEL);

/**
 * A call to `service` failed and is retried. `problem` is short, holds no secret, and neither
 * an attempt count nor a time, so that repeated failures say the same.
 */
export function reportServiceProblem(service: string, problem: string): void {
  if (serviceStatus.hasSubscribers)
    serviceStatus.publish({ service, problem } satisfies ServiceStatusMessage);
}

/** A call to `service` succeeded. */
export function reportServiceWorking(service: string): void {
  if (serviceStatus.hasSubscribers) serviceStatus.publish({ service } satisfies ServiceStatusMessage);
}
