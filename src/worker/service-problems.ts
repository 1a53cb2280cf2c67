// The outside services the workflows package reports failing (docs/workflows-package.md §8):
// each one's problem, held from the package's report of a failed call being retried until its
// report of a call that succeeded, or until nothing reported it for a while: then nothing is
// retrying it any more (the event gave up, or the service is not called again), and a unit left
// waiting on it would wait for nothing. The worker shows them in its status while it is otherwise up.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/** The channel the package publishes on. */
export const SERVICE_STATUS_CHANNEL = 'temporal-worker:service-status';
/** One problem in the status file; the charm shows the first 200 characters of the whole message. */
const MAX_PROBLEM = 200;
/**
 * A problem not reported again for this long is dropped. Whatever retries a service reports each
 * failure: kafkajs at each reconnect (seconds apart), the pipeline at each retry (backoff under a
 * minute) and each redelivery of an event (the activity's retries, minutes apart at most).
 */
export const PROBLEM_HELD_MS = 10 * 60_000;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_PROBLEM ? `${line.slice(0, MAX_PROBLEM - 1)}…` : line;
}

export class ServiceProblems {
  private readonly problems = new Map<string, string>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  // Called inside the package's publish: it must not throw.
  private readonly receive = (message: unknown): void => {
    const { service, problem } = (message ?? {}) as { service?: unknown; problem?: unknown };
    const name = typeof service === 'string' ? oneLine(service) : '';
    if (!name) return;
    if (typeof problem === 'string') {
      this.holdFor(name);
      const reason = oneLine(problem) || 'failing';
      if (this.problems.get(name) === reason) return;
      this.problems.set(name, reason);
      this.changed();
    } else {
      this.drop(name);
    }
  };

  /** `changed` is called whenever a service's problem appears, changes or goes. */
  constructor(private readonly changed: () => void) {}

  subscribe(): void {
    subscribe(SERVICE_STATUS_CHANNEL, this.receive);
  }

  unsubscribe(): void {
    unsubscribe(SERVICE_STATUS_CHANNEL, this.receive);
    for (const timer of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
  }

  private holdFor(service: string): void {
    clearTimeout(this.expiries.get(service));
    this.expiries.set(service, setTimeout(() => this.drop(service), PROBLEM_HELD_MS).unref());
  }

  private drop(service: string): void {
    clearTimeout(this.expiries.get(service));
    this.expiries.delete(service);
    if (this.problems.delete(service)) this.changed();
  }

  /** `retrying <service>: <problem>; <service>: <problem>` by service name, or undefined when none fails. */
  get message(): string | undefined {
    if (this.problems.size === 0) return undefined;
    const services = [...this.problems.keys()].sort();
    return `retrying ${services.map((service) => `${service}: ${this.problems.get(service)}`).join('; ')}`;
  }
}
