// Exactly one rebuild per image per event when GitHub's answer to a dispatch is lost or the worker
// dies after GitHub accepted one (docs/oci-factory-pipeline.md §8): ConsumeEventsWorkflow on the
// Temporal dev server, the real `consume` activity in worker processes, a real Kafka broker, and
// the GitHub stand-in that starts, lists and describes runs as GitHub does. The four run in
// parallel; each asserts exactly one run per expected image per event, linked from the post.
import { until } from './fault-run';
import { FaultSuite, oneEventDuring } from './fault-suite';

jest.setTimeout(300_000);

const suite = new FaultSuite();
const fault = suite.fault.bind(suite);
const outcome = suite.outcome.bind(suite);

beforeAll(async () => {
  await suite.start();

  // GitHub accepts kafka's dispatch and its answer never comes back: the worker, waiting on it,
  // is SIGKILLed before it can record it. Another worker takes the event over.
  fault('killed-after-accept', { env: { GITHUB_TIMEOUT_SECONDS: '60' } }, async (run) => {
    run.standins.github.loseDispatchAnswers('kafka');
    const first = run.startWorker();
    await run.startWorkflow();
    await run.waitUntilConsuming();
    await run.produceEvents(1);
    await until(() => run.standins.github.dispatches.length > 0, 'GitHub to accept the dispatch of kafka');
    const killedAt = Date.now();
    await first.kill('SIGKILL');
    run.startWorker();
    await run.waitForCommit(1);
    return { killedAt };
  });

  fault('answer-lost', { env: { GITHUB_TIMEOUT_SECONDS: '2' } }, async (run) => {
    await oneEventDuring(run, () => run.standins.github.loseDispatchAnswers('kafka'));
  });

  // GitHub lists the new run only 6 s after accepting it: inside the settle time, so not doubled.
  fault(
    'answer-lost-listed-late',
    { env: { GITHUB_TIMEOUT_SECONDS: '2', RUN_SETTLE_SECONDS: '20' } },
    async (run) => {
      await oneEventDuring(run, () => {
        run.standins.github.loseDispatchAnswers('kafka');
        run.standins.github.listRunsAfter(6_000);
      });
    },
  );

  fault('answer-lost-no-run-details', { env: { GITHUB_TIMEOUT_SECONDS: '2' } }, async (run) => {
    await oneEventDuring(run, () => {
      run.standins.github.refuseRunDetails(true);
      run.standins.github.loseDispatchAnswers('kafka');
    });
  });
});

afterAll(() => suite.stop());

test('the worker SIGKILLed after GitHub accepted a dispatch, before recording it: the next worker finds the run and does not send it again', async () => {
  const { run, result } = await outcome<{ killedAt: number }>('killed-after-accept');
  run.expectEachEventDispatchedOnceAndCommitted();
  run.expectOneRunPerImageLinkedFromThePost();
  expect(run.dispatchRequests().filter((r) => r.image === 'kafka')).toHaveLength(1);
  const [event] = run.events;
  const mockRock = run.dispatchesOf(event!).find((d) => d.inputs['oci-image-name'] === 'mock-rock')!;
  expect(mockRock.at).toBeGreaterThan(result.killedAt);
});

test('a dispatch accepted whose answer never arrives: its run is found, nothing sent twice', async () => {
  const { run } = await outcome('answer-lost');
  run.expectEachEventDispatchedOnceAndCommitted();
  run.expectOneRunPerImageLinkedFromThePost();
  expect(run.dispatchRequests().filter((r) => r.image === 'kafka')).toHaveLength(1);
});

test('the same, with GitHub listing the new run 6 s late: looked for until it is listed, not sent again', async () => {
  const { run } = await outcome('answer-lost-listed-late');
  run.expectEachEventDispatchedOnceAndCommitted();
  run.expectOneRunPerImageLinkedFromThePost();
  expect(run.dispatchRequests().filter((r) => r.image === 'kafka')).toHaveLength(1);
  const listings = run.standins.github.requests.filter((r) => r.path.endsWith('/Image.yaml/runs'));
  expect(listings.length).toBeGreaterThan(1);
});

test('the same, on a server that refuses return_run_details: dispatched without it, the lost one found by its steps', async () => {
  const { run } = await outcome('answer-lost-no-run-details');
  run.expectEachEventDispatchedOnceAndCommitted();
  run.expectOneRunPerImageLinkedFromThePost();
  const kafkaBodies = run.standins.github.requests
    .filter((r) => r.method === 'POST' && r.body.includes('"oci-image-name":"kafka"'))
    .map((r) => JSON.parse(r.body) as { return_run_details?: boolean });
  // Refused once with the parameter (nothing started), then accepted without it, once.
  expect(kafkaBodies.map((body) => body.return_run_details)).toEqual([true, undefined]);
  const [text] = run.rebuildPostTexts();
  expect(text).toMatch(/- kafka: \[GitHub run \d+\]/);
  expect(text).toContain('- mock-rock: dispatched (GitHub gave no run link)');
});
