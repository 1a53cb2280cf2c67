// The one reading of outside failures, and the retry loop that honours it.
import {
  callOutside,
  classify,
  HttpStatusError,
  retryAfterMs,
  TransientError,
  UnexpectedAnswerError,
} from '../../src/activities/outside-call';
import { metricValue } from '../harness/metrics';
import { recordServiceStatus, type ServiceStatusRecorder } from '../harness/service-status';

describe('classify', () => {
  it.each([
    [500, {}, true],
    [503, {}, true],
    [429, { 'retry-after': '3' }, true],
    [403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0' }, true],
    [403, {}, false],
    [404, {}, false],
    [422, {}, false],
    [401, {}, false],
  ])('HTTP %i %j: transient %s', (status, headers, transient) => {
    expect(classify(new HttpStatusError('x', status, headers)).transient).toBe(transient);
  });

  it('reads a refused connection, a reset and an answer that is not JSON as transient', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    expect(classify(refused).transient).toBe(true);
    expect(classify(Object.assign(new Error('x'), { code: 'ECONNRESET' })).transient).toBe(true);
    expect(classify(new UnexpectedAnswerError('<html>')).transient).toBe(true);
    expect(classify(new Error('OS_PASSWORD not set')).transient).toBe(false);
  });

  it('takes Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6_000);
    expect(retryAfterMs({})).toBeUndefined();
  });
});

describe('callOutside', () => {
  const policy = { timeoutMs: 200, retryBudgetMs: 5_000 };

  it('waits at least Retry-After before the next attempt', async () => {
    const times: number[] = [];
    const result = await callOutside('registry-tags', 'tags', policy, async () => {
      times.push(Date.now());
      if (times.length === 1) throw new HttpStatusError('busy', 429, { 'retry-after': '1' });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_000);
  });

  it('times an attempt out and retries it', async () => {
    let attempts = 0;
    const result = await callOutside('github', 'dispatch', policy, (signal) => {
      attempts += 1;
      if (attempts === 1)
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      return Promise.resolve('answered');
    });
    expect(result).toBe('answered');
    expect(attempts).toBe(2);
  });

  it('throws a permanent failure at once, and a TransientError once the budget is spent', async () => {
    let attempts = 0;
    await expect(
      callOutside('swift', 'object', policy, async () => {
        attempts += 1;
        throw new HttpStatusError('gone', 404);
      }),
    ).rejects.toThrow('gone');
    expect(attempts).toBe(1);
    await expect(
      callOutside('keystone', 'auth', { timeoutMs: 100, retryBudgetMs: 600 }, async () => {
        throw new HttpStatusError('down', 503);
      }),
    ).rejects.toThrow(TransientError);
  });

  it('counts every failed attempt by service and kind', async () => {
    const count = (service: string, kind: string) =>
      metricValue('oci_factory_outside_call_failures_total', { service, kind });
    const before = await Promise.all([count('mattermost', 'transient'), count('mattermost', 'permanent')]);
    let attempts = 0;
    await callOutside('mattermost', 'post', policy, async () => {
      attempts += 1;
      if (attempts === 1) throw new HttpStatusError('down', 502);
      return 'posted';
    });
    await expect(
      callOutside('mattermost', 'post', policy, async () => {
        throw new HttpStatusError('no such channel', 404);
      }),
    ).rejects.toThrow('no such channel');
    const timeouts = await count('registry-tags', 'timeout');
    let tagAttempts = 0;
    await callOutside('registry-tags', 'tags', policy, (signal) => {
      tagAttempts += 1;
      if (tagAttempts === 1)
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      return Promise.resolve('answered');
    });

    expect(await count('mattermost', 'transient')).toBe(before[0]! + 1);
    expect(await count('mattermost', 'permanent')).toBe(before[1]! + 1);
    expect(await count('registry-tags', 'timeout')).toBe(timeouts + 1);
  });

  describe('tells the worker', () => {
    let recorder: ServiceStatusRecorder;
    beforeEach(() => (recorder = recordServiceStatus()));
    afterEach(() => recorder.stop());

    it('of a retried 503 as a problem of the service, of the next success as working, of a 404 nothing', async () => {
      // The service answered a 404: the request was wrong, the service is no outage.
      await expect(
        callOutside('github', 'tags of x', policy, async () => {
          throw new HttpStatusError('no such image', 404);
        }),
      ).rejects.toThrow('no such image');
      let attempts = 0;
      const result = await callOutside('github', 'head of main', policy, async () => {
        attempts += 1;
        // A real 503's body differs at each attempt (a request id): the problem does not.
        if (attempts <= 2)
          throw new HttpStatusError(`GitHub head of main failed: HTTP 503 request ${attempts}`, 503);
        return 'sha';
      });

      expect(result).toBe('sha');
      // The same text at each attempt: no count, no time, no body.
      // Another test's call may still be retrying in the background: only github's messages count.
      expect(recorder.of('github')).toEqual([
        { service: 'github', problem: 'HTTP 503 Service Unavailable' },
        { service: 'github', problem: 'HTTP 503 Service Unavailable' },
        { service: 'github' },
      ]);
    });

    it('of the failure behind the TransientError once the budget is spent, naming a refused connection', async () => {
      const refused = new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      });
      await expect(
        callOutside('swift', 'object x', { timeoutMs: 100, retryBudgetMs: 0 }, async () => {
          throw refused;
        }),
      ).rejects.toThrow(TransientError);

      expect(recorder.of('swift')).toEqual([{ service: 'swift', problem: 'fetch failed (ECONNREFUSED)' }]);
    });
  });
});
