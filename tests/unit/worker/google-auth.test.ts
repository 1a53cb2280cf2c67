import { bearer, refreshDelay } from '../../../src/worker/google-auth';

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

describe('bearer', () => {
  it('is the lower-case authorization metadata temporal-lib-py sends', () => {
    expect(bearer('abc')).toEqual({ authorization: 'Bearer abc' });
  });
});
