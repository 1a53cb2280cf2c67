// A signal that aborts after a time, or with the caller's signal, whose timer and listener end
// with the work it limits.
//
// Not AbortSignal.timeout and AbortSignal.any: fetch leaves its abort listener on the signal it
// is given until the request is collected, and Node keeps a timeout or combined signal that has a
// listener alive until it aborts. Each call held its timer, and through the timer the activity's
// context (its logger, its heartbeat details, the whole event), for the full timeout and past it
// until several collections had run: the soak saw the worker's RSS climb by megabytes a minute
// under a steady stream of events (docs/performance.md §3).

export class TimeLimitError extends Error {
  override readonly name = 'TimeLimitError';
}

export interface TimeLimit {
  signal: AbortSignal;
  /** Whether it was the time that ran out (not the caller's signal). */
  readonly expired: boolean;
  /** Clears the timer and the listener on the caller's signal. */
  end(): void;
}

export function timeLimit(ms: number, parent?: AbortSignal): TimeLimit {
  const controller = new AbortController();
  let expired = false;
  const onParentAbort = () => controller.abort(parent!.reason);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new TimeLimitError(`no answer within ${ms} ms`));
  }, ms);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    end() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
