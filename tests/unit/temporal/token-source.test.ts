import { RenewingAuthorization, refreshDelay, retryDelay } from '../../../src/temporal/auth/token-source';

describe('refreshDelay', () => {
  const now = 1_000_000;
  it('renews hour-long tokens after 55 minutes, as temporal-lib-py does', () => {
    expect(refreshDelay(now + 3600_000, now)).toBe(3300_000);
  });
  it('renews short-lived tokens a fifth of their lifetime before expiry', () => {
    expect(refreshDelay(now + 10_000, now)).toBe(8_000);
  });
  it('never spins on an expired token', () => {
    expect(refreshDelay(now - 5_000, now)).toBe(1_000);
  });
});

describe('RenewingAuthorization', () => {
  afterEach(() => jest.useRealTimers());

  it('renews the credentials before they expire and keeps the last good ones when renewal fails', async () => {
    jest.useFakeTimers({ now: 0 });
    const credentials = (token: string, expiresAt: number) => ({
      metadata: { authorization: `Bearer ${token}` },
      expiresAt,
    });
    const answers: (() => Promise<ReturnType<typeof credentials>>)[] = [
      async () => credentials('first', 3600_000),
      async () => {
        throw new Error('token endpoint down');
      },
      async () => credentials('second', 7200_000),
    ];
    const failures: string[] = [];
    const renewed: string[] = [];
    const authorization = new RenewingAuthorization(
      { fetch: () => answers.shift()!() },
      {
        failed: (error) => failures.push(error),
        renewed: (next) => void renewed.push(next.metadata.authorization!),
      },
    );
    await expect(authorization.start()).resolves.toEqual({ authorization: 'Bearer first' });

    await jest.advanceTimersByTimeAsync(55 * 60_000);
    expect(failures).toEqual(['cannot renew the credentials for the Temporal server: token endpoint down']);
    expect(authorization.lastError).toBe(failures[0]);
    expect(authorization.metadata()).toEqual({ authorization: 'Bearer first' });

    await jest.advanceTimersByTimeAsync(retryDelay(1));
    expect(authorization.metadata()).toEqual({ authorization: 'Bearer second' });
    expect(renewed).toEqual(['Bearer second']);
    expect(authorization.lastError).toBeUndefined();
    expect(answers).toHaveLength(0);
    authorization.stop();
  });

  it('says why the first credentials could not be had', async () => {
    const authorization = new RenewingAuthorization({
      fetch: async () => {
        throw new Error('invalid_grant');
      },
    });
    await expect(authorization.start()).rejects.toThrow(
      'cannot get credentials for the Temporal server: invalid_grant',
    );
  });

  it('backs off from 5 s to at most 10 minutes', () => {
    expect([1, 2, 3, 8, 20].map(retryDelay)).toEqual([5_000, 10_000, 20_000, 600_000, 600_000]);
  });
});
