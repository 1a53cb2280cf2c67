// The activities' reports of an outside service failing and working again, on the diagnostics
// channel the worker subscribes to (docs/workflows-package.md §8).
import { channel } from 'node:diagnostics_channel';
import {
  reportServiceProblem,
  reportServiceWorking,
  SERVICE_STATUS_CHANNEL,
} from '../../src/activities/service-status';
import { recordServiceStatus } from '../harness/service-status';

test('a problem and a recovery are published on temporal-worker:service-status', () => {
  const recorder = recordServiceStatus();
  try {
    reportServiceProblem('github', 'HTTP 503 Service Unavailable');
    reportServiceWorking('github');
  } finally {
    recorder.stop();
  }

  expect(SERVICE_STATUS_CHANNEL).toBe('temporal-worker:service-status');
  expect(recorder.messages).toEqual([
    { service: 'github', problem: 'HTTP 503 Service Unavailable' },
    { service: 'github' },
  ]);
});

test('with no subscriber (the find-images command) reporting does nothing', () => {
  expect(channel(SERVICE_STATUS_CHANNEL).hasSubscribers).toBe(false);
  expect(() => reportServiceProblem('swift', 'fetch failed (ECONNREFUSED)')).not.toThrow();
  expect(() => reportServiceWorking('swift')).not.toThrow();
});
