// The event bus as the service `kafka` the worker shows (service-status.ts), from what kafkajs
// tells of the broker. While the broker is away kafkajs retries its connection for about 10 s
// before the consumer crashes and restarts, and says so meanwhile only in its log; joining the
// group and each fetch say that the broker answers again.
import { logLevel, type Consumer } from 'kafkajs';
import { errorMessage } from '../error-message';
import { reportServiceProblem, reportServiceWorking } from '../service-status';

export const KAFKA_SERVICE = 'kafka';

/** The messages of kafkajs' KafkaJSConnectionError, logged by its `Connection` namespace. */
const CONNECTION_FAILURE = /^Connection (error|timeout)\b/;

/** A line of kafkajs' log: a connection to the broker failing (kafkajs retries it) fails the broker. */
export function reportBrokerLog(namespace: string, level: logLevel, message: string): void {
  if (level === logLevel.ERROR && namespace === 'Connection' && CONNECTION_FAILURE.test(message)) {
    reportServiceProblem(KAFKA_SERVICE, message);
  }
}

/** The consumer's events: a crash (restarted or not) fails the broker, a join or a fetch clears it. */
export function watchBroker(consumer: Pick<Consumer, 'on' | 'events'>): void {
  consumer.on(consumer.events.CRASH, ({ payload }) =>
    reportServiceProblem(KAFKA_SERVICE, errorMessage(payload.error)),
  );
  consumer.on(consumer.events.GROUP_JOIN, () => reportServiceWorking(KAFKA_SERVICE));
  consumer.on(consumer.events.FETCH, () => reportServiceWorking(KAFKA_SERVICE));
}
