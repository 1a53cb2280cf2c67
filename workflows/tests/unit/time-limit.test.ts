// A call's time limit ends with the call: nothing of the activity that made it is held after.
// The soak found AbortSignal.timeout/any holding each call's activity context for minutes.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { callOutside } from '../../src/activities/outside-call';
import { timeLimit, TimeLimitError } from '../../src/activities/time-limit';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What fetch does with the signal it is given: a listener left on it until the request is collected. */
function fetchLike(signal: AbortSignal): Promise<string> {
  signal.addEventListener('abort', () => undefined);
  return Promise.resolve('answer');
}

/** Whether `ref`'s target is collected; a deref keeps it alive to the end of its turn, so gc runs in the next. */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let round = 0; round < 5; round++) {
    await nextTurn();
    gc();
    await nextTurn();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

/** Starts a call in an activity's context; the promise awaited is made outside it, as Temporal's is. */
function callInContext(run: AbortSignal): { held: WeakRef<object>; answered: Promise<void> } {
  const activityContext = new AsyncLocalStorage<object>();
  const context = { event: 'x'.repeat(1_000_000) };
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  activityContext.run(context, () => {
    void callOutside(
      'github',
      'a call',
      { timeoutMs: 600_000, retryBudgetMs: 0, signal: run },
      fetchLike,
    ).then(() => answer());
  });
  return { held: new WeakRef(context), answered };
}

test('a call leaves nothing of its caller’s context held once it answered', async () => {
  const run = new AbortController();
  const { held, answered } = callInContext(run.signal);
  await answered;

  expect(await collected(held)).toBe(true);
  expect(run.signal.aborted).toBe(false);
});

test('the limit aborts with the caller’s signal or at its time, saying which', async () => {
  const caller = new AbortController();
  const limit = timeLimit(60_000, caller.signal);
  caller.abort(new Error('cancelled'));
  expect(limit.signal.aborted).toBe(true);
  expect(limit.expired).toBe(false);
  limit.end();

  const short = timeLimit(10);
  await new Promise((resolve) => short.signal.addEventListener('abort', resolve));
  expect(short.expired).toBe(true);
  expect(short.signal.reason).toBeInstanceOf(TimeLimitError);
});
