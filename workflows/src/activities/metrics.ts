// The workflows' own metrics, in prom-client's default registry. The worker that runs these
// activities provides prom-client (as it provides @temporalio/activity) and serves that
// registry to Prometheus; the charm's alert rules and dashboard read these names.
import { Counter, Gauge, register, type Metric } from 'prom-client';

/** Why a message of the event bus was skipped (committed without being processed). */
export type SkipReason = 'undecodable' | 'processing-failed';
/** How one image of an event ended. */
export type DispatchOutcome = 'dispatched' | 'failed' | 'not-needed' | 'already-dispatched';
/** How one attempt of an outside call failed: `timeout` and `transient` are retried. */
export type FailureKind = 'timeout' | 'transient' | 'permanent';

/** The registry's metric of that name, created once per process whoever loads this module. */
function once<T extends Metric>(name: string, create: (name: string) => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create(name);
}

const eventsConsumed = once(
  'oci_factory_events_consumed_total',
  (name) => new Counter({ name, help: 'Event bus messages processed and committed.', labelNames: ['topic'] }),
);
const eventsSkipped = once(
  'oci_factory_events_skipped_total',
  (name) =>
    new Counter({
      name,
      help: 'Event bus messages skipped (committed unprocessed), by reason.',
      labelNames: ['topic', 'reason'],
    }),
);
const dispatches = once(
  'oci_factory_dispatches_total',
  (name) =>
    new Counter({
      name,
      help: 'Images of processed events, by how their rebuild ended.',
      labelNames: ['outcome'],
    }),
);
const outsideCallFailures = once(
  'oci_factory_outside_call_failures_total',
  (name) =>
    new Counter({
      name,
      help: 'Failed attempts of calls to outside services, by service and kind.',
      labelNames: ['service', 'kind'],
    }),
);
const consumerLag = once(
  'oci_factory_consumer_lag',
  (name) =>
    new Gauge({
      name,
      help: "Messages of the partition after this consumer's position.",
      labelNames: ['topic', 'partition'],
    }),
);
// Labelled by topic so that it is absent, not 0 (1970), until an event is processed.
const lastEventProcessed = once(
  'oci_factory_last_event_processed_timestamp_seconds',
  (name) =>
    new Gauge({
      name,
      help: 'When the last event bus message was processed (Unix time).',
      labelNames: ['topic'],
    }),
);

const DISPATCH_OUTCOMES: readonly DispatchOutcome[] = [
  'dispatched',
  'failed',
  'not-needed',
  'already-dispatched',
];
const SKIP_REASONS: readonly SkipReason[] = ['undecodable', 'processing-failed'];
const FAILURE_KINDS: readonly FailureKind[] = ['timeout', 'transient', 'permanent'];

// Every series starts at 0, so that Prometheus sees its first increase (an alert on
// `increase(…) > 0` would miss a series that appears at 1).
for (const outcome of DISPATCH_OUTCOMES) dispatches.inc({ outcome }, 0);

/** The services whose failures are counted, each kind at 0 from the start. */
export function declareOutsideServices(services: readonly string[]): void {
  for (const service of services) {
    for (const kind of FAILURE_KINDS) outsideCallFailures.inc({ service, kind }, 0);
  }
}

/** A topic a consume run reads: its counters at 0 from the start. */
export function declareTopic(topic: string): void {
  eventsConsumed.inc({ topic }, 0);
  for (const reason of SKIP_REASONS) eventsSkipped.inc({ topic, reason }, 0);
}

/** An event bus message processed and committed. */
export function recordEventProcessed(topic: string, now = Date.now()): void {
  eventsConsumed.inc({ topic });
  lastEventProcessed.set({ topic }, now / 1000);
}

/** How the rebuild of one image of an event ended, once it is decided. */
export function recordDispatch(outcome: DispatchOutcome): void {
  dispatches.inc({ outcome });
}

export function recordEventSkipped(topic: string, reason: SkipReason): void {
  eventsSkipped.inc({ topic, reason });
}

export function recordOutsideCallFailure(service: string, kind: FailureKind): void {
  outsideCallFailures.inc({ service, kind });
}

export function recordConsumerLag(topic: string, partition: number, lag: number): void {
  consumerLag.set({ topic, partition: String(partition) }, Math.max(0, lag));
}
