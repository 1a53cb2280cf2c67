// The outside services the workflows package reports failing, held by the worker for its status:
// published as the package publishes them (its own reportServiceProblem/-Working).
import { channel } from 'node:diagnostics_channel';
import {
  PROBLEM_HELD_MS,
  ServiceProblems,
  SERVICE_STATUS_CHANNEL,
} from '../../../src/worker/service-problems';
import { reportServiceProblem, reportServiceWorking } from '../../../workflows/src/activities/service-status';

const REFUSED = 'Connection error: connect ECONNREFUSED 127.0.0.1:9093';

let problems: ServiceProblems;
let changes: number;

beforeEach(() => {
  changes = 0;
  problems = new ServiceProblems(() => (changes += 1));
  problems.subscribe();
});

afterEach(() => problems.unsubscribe());

test('a problem is held until a call to the service succeeds; the message names it', () => {
  expect(problems.message).toBeUndefined();

  reportServiceProblem('github', 'Service Unavailable');
  expect(problems.message).toBe('retrying github: Service Unavailable');

  reportServiceWorking('github');
  expect(problems.message).toBeUndefined();
  expect(changes).toBe(2);
});

test('the same problem again changes nothing; nor does a service working that had none', () => {
  reportServiceProblem('kafka', REFUSED);
  reportServiceProblem('kafka', REFUSED);
  reportServiceWorking('github');

  expect(changes).toBe(1);
  reportServiceProblem('kafka', 'Connection timeout');
  expect(changes).toBe(2);
  expect(problems.message).toBe('retrying kafka: Connection timeout');
});

test('several services, by name whatever their order; one line each', () => {
  reportServiceProblem('swift', 'fetch failed (ECONNREFUSED)');
  reportServiceProblem('kafka', REFUSED);
  reportServiceProblem('github', 'HTTP 503\n  <html>\n</html>');

  expect(problems.message).toBe(
    `retrying github: HTTP 503 <html> </html>; kafka: ${REFUSED}; swift: fetch failed (ECONNREFUSED)`,
  );
  reportServiceWorking('kafka');
  expect(problems.message).toBe(
    'retrying github: HTTP 503 <html> </html>; swift: fetch failed (ECONNREFUSED)',
  );
});

test('what is not a service status is ignored, and nothing is held once unsubscribed', () => {
  const serviceStatus = channel(SERVICE_STATUS_CHANNEL);
  for (const message of [
    undefined,
    'kafka',
    { problem: 'x' },
    { service: '  ', problem: 'x' },
    { service: 7 },
  ]) {
    serviceStatus.publish(message);
  }
  expect(changes).toBe(0);

  problems.unsubscribe();
  reportServiceProblem('kafka', REFUSED);
  expect(problems.message).toBeUndefined();
  expect(serviceStatus.hasSubscribers).toBe(false);
});

test('a problem nobody reports again is dropped after a while: nothing retries it any more', () => {
  jest.useFakeTimers();
  try {
    reportServiceProblem('mattermost', 'HTTP 502 Bad Gateway');
    jest.advanceTimersByTime(PROBLEM_HELD_MS - 1000);
    reportServiceProblem('mattermost', 'HTTP 502 Bad Gateway');
    jest.advanceTimersByTime(PROBLEM_HELD_MS - 1000);
    expect(problems.message).toBe('retrying mattermost: HTTP 502 Bad Gateway');

    jest.advanceTimersByTime(1000);
    expect(problems.message).toBeUndefined();
    expect(changes).toBe(2);
  } finally {
    jest.useRealTimers();
  }
});
