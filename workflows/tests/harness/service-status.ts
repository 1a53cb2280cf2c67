// What the activities publish on the service status channel (src/activities/service-status.ts),
// as the worker receives it.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { SERVICE_STATUS_CHANNEL, type ServiceStatusMessage } from '../../src/activities/service-status';

export interface ServiceStatusRecorder {
  readonly messages: ServiceStatusMessage[];
  /** The messages about one service. */
  of(service: string): ServiceStatusMessage[];
  stop(): void;
}

/** Records every message published from now until `stop()`. */
export function recordServiceStatus(): ServiceStatusRecorder {
  const messages: ServiceStatusMessage[] = [];
  const listener = (message: unknown) => messages.push(message as ServiceStatusMessage);
  subscribe(SERVICE_STATUS_CHANNEL, listener);
  return {
    messages,
    of: (service) => messages.filter((message) => message.service === service),
    stop: () => unsubscribe(SERVICE_STATUS_CHANNEL, listener),
  };
}
