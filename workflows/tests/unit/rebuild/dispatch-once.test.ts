// Exactly one dispatch per image per event, through processEvent against the GitHub stand-in
// that lists runs and their jobs' steps as GitHub does: lost answers, redeliveries that find an
// image "sending", runs listed late or still queued, other runs beside ours, and a server that
// refuses return_run_details.
import { createProcessEvent } from '../../../src/activities/process-event';
import { TransientError } from '../../../src/activities/outside-call';
import type { OciEvent, PipelineContext } from '../../../src/activities/pipeline-types';
import { forgetRunDetailsRefusals } from '../../../src/activities/rebuild/dispatch';
import { type Standins, startStandins } from '../../harness/standins';
import { SCENARIO_NOW, seedOciFactoryScenario } from '../../harness/standins/oci-factory-scenario';

const MESSAGE_ID = 'e5a1c7d0-redelivered';
const KAFKA_REF = `workflow-engine-kafka-${MESSAGE_ID}`;
const processEvent = createProcessEvent({ now: () => SCENARIO_NOW });
const event: OciEvent = {
  message_id: MESSAGE_ID,
  name: 'ubuntu',
  description: 'New release for the Ubuntu 22.04 container image',
  registry_tags: [],
  release: '22.04',
};

describe('a dispatch sent at most once', () => {
  let standins: Standins;
  let logs: string[];
  let recorded: { image: string; run: string | null }[];
  let sendingMarks: string[];

  beforeEach(async () => {
    forgetRunDetailsRefusals();
    standins = await startStandins();
    seedOciFactoryScenario(standins);
    logs = [];
    recorded = [];
    sendingMarks = [];
  });
  afterEach(() => standins.stop());

  function context(env: Record<string, string> = {}, sending?: PipelineContext['sending']): PipelineContext {
    const line = (level: string) => (message: string) => logs.push(`${level} ${message}`);
    return {
      env: { ...standins.env, TEMPORAL_ADDRESS: 'temporal.example.com:7233', ...env },
      log: { info: line('info'), warn: line('warn'), error: line('error') },
      workflow: { namespace: 'rocks', workflowId: 'consume', runId: 'run-1' },
      sending,
      onSending: async (image) => {
        sendingMarks.push(image);
      },
      onDispatched: async (image, run) => {
        recorded.push({ image, run: run?.url ?? null });
      },
    };
  }
  const accepted = (image: string) =>
    standins.github.dispatches.filter((dispatch) => dispatch.inputs['oci-image-name'] === image);
  const sends = (image: string) =>
    standins.github.requests.filter(
      (request) => request.method === 'POST' && request.body.includes(`"oci-image-name":"${image}"`),
    );
  const runUrl = (id: number) => `https://github.com/canonical/oci-factory/actions/runs/${id}`;

  it('takes the run of a lost answer as dispatched, found by its external_ref_id, and never sends it again', async () => {
    standins.github.loseDispatchAnswers('kafka');

    const outcome = await processEvent(event, context({ GITHUB_TIMEOUT_SECONDS: '1' }));

    expect(sends('kafka')).toHaveLength(1);
    expect(accepted('kafka')).toHaveLength(1);
    const [kafka] = accepted('kafka');
    expect(outcome.rebuilds).toContainEqual({
      image: 'kafka',
      dispatched: true,
      reason: 'dispatched',
      run_url: runUrl(kafka!.runId),
    });
    expect(recorded.map((r) => r.image)).toEqual(['kafka', 'mock-rock']);
    expect(sendingMarks).toEqual(['kafka', 'mock-rock']);
    expect(logs.join('\n')).toContain(
      `kafka: run ${kafka!.runId} carries ${KAFKA_REF}: dispatched by an earlier send`,
    );
    // The lookup asked for Image.yaml's dispatch runs since (about) the first send.
    const listing = standins.github.requests.find((request) => request.path.endsWith('/Image.yaml/runs'));
    expect(listing?.query.get('event')).toBe('workflow_dispatch');
    expect(listing?.query.get('created')).toMatch(/^>=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('waits for a run GitHub lists late, within the settle time, instead of sending again', async () => {
    standins.github.loseDispatchAnswers('kafka');
    standins.github.listRunsAfter(3_000);

    await processEvent(event, context({ GITHUB_TIMEOUT_SECONDS: '1', RUN_SETTLE_SECONDS: '8' }));

    expect(sends('kafka')).toHaveLength(1);
    expect(accepted('kafka')).toHaveLength(1);
    expect(logs.join('\n')).toContain(`kafka: looking for the run of ${KAFKA_REF}`);
  });

  it('on redelivery, finds the run an image "sending" started and records it without sending', async () => {
    const earlier = standins.github.addRun({
      image: 'kafka',
      externalRefId: KAFKA_REF,
      status: 'in_progress',
    });

    const outcome = await processEvent(event, context({}, { image: 'kafka', since: Date.now() - 5_000 }));

    expect(sends('kafka')).toHaveLength(0);
    expect(accepted('mock-rock')).toHaveLength(1);
    expect(recorded[0]).toEqual({ image: 'kafka', run: runUrl(earlier.id) });
    expect(outcome.rebuilds.find((r) => r.image === 'kafka')?.run_url).toBe(runUrl(earlier.id));
    const post = standins.mattermost.posts[0]!.props as { attachments: { text: string }[] };
    expect(post.attachments[0]!.text).toContain(`- kafka: [GitHub run ${earlier.id}](${runUrl(earlier.id)})`);
  });

  it('on redelivery, sends an image "sending" whose run is not listed once the settle time has passed', async () => {
    const since = Date.now();

    await processEvent(event, context({ RUN_SETTLE_SECONDS: '2' }, { image: 'kafka', since }));

    expect(accepted('kafka')).toHaveLength(1);
    expect(accepted('kafka')[0]!.at - since).toBeGreaterThanOrEqual(2_000);
    expect(logs.join('\n')).toMatch(/kafka: no run carries .* after it was first sent: sending it again/);
  });

  it('tells our run apart from others of Image.yaml: other images, a manual run of the same image, pushes, page after page', async () => {
    for (let n = 0; n < 120; n += 1) {
      standins.github.addRun({
        image: `other-rock-${n}`,
        externalRefId: `weekly-rebuild-other-rock-${n}-1`,
        status: 'completed',
      });
    }
    const ours = standins.github.addRun({ image: 'kafka', externalRefId: KAFKA_REF, status: 'completed' });
    standins.github.addRun({ image: 'kafka', event: 'push', status: 'in_progress' });
    // Newer than ours, so listed (newest first) and opened before it.
    const manual = standins.github.addRun({
      image: 'kafka',
      externalRefId: 'default-id',
      status: 'in_progress',
    });
    for (let n = 0; n < 10; n += 1) standins.github.addRun({ image: `late-rock-${n}`, status: 'completed' });

    await processEvent(event, context({}, { image: 'kafka', since: Date.now() - 1_000 }));

    expect(sends('kafka')).toHaveLength(0);
    expect(recorded[0]).toEqual({ image: 'kafka', run: runUrl(ours.id) });
    const jobReads = standins.github.requests.filter((request) => request.path.endsWith('/jobs'));
    // Only the runs titled for kafka are opened: the manual one (not ours) and ours.
    expect(jobReads.map((request) => request.path.split('/')[6]).sort()).toEqual(
      [String(manual.id), String(ours.id)].sort(),
    );
    const pages = standins.github.requests.filter((request) => request.path.endsWith('/Image.yaml/runs'));
    expect(pages.map((request) => request.query.get('page'))).toEqual(['1', '2']);
  });

  it('waits for a queued run of the image to show its steps, then takes it', async () => {
    const queued = standins.github.addRun({ image: 'kafka', externalRefId: KAFKA_REF, status: 'queued' });
    setTimeout(() => standins.github.setRunStatus(queued.id, 'in_progress'), 1_500);
    const progress: (string | undefined)[] = [];

    await processEvent(event, {
      ...context({ RUN_SETTLE_SECONDS: '1' }, { image: 'kafka', since: Date.now() }),
      progress: (p) => progress.push(p.waiting),
    });

    expect(sends('kafka')).toHaveLength(0);
    expect(recorded[0]).toEqual({ image: 'kafka', run: runUrl(queued.id) });
    // The heartbeat said what the dispatch was waiting for.
    expect(progress).toContain(`waiting for queued run ${queued.id} of kafka to list its steps`);
  });

  it('leaves the event for later, sending nothing, when a run of the image stays queued past the bound', async () => {
    standins.github.addRun({ image: 'kafka', externalRefId: KAFKA_REF, status: 'queued' });

    const processing = processEvent(
      event,
      context(
        { RUN_SETTLE_SECONDS: '1', RUN_QUEUED_WAIT_SECONDS: '2' },
        { image: 'kafka', since: Date.now() },
      ),
    );

    await expect(processing).rejects.toThrow(TransientError);
    await expect(processing).rejects.toThrow(/kafka's run \d+ still queued after 2 s/);
    expect(sends('kafka')).toHaveLength(0);
    expect(recorded).toEqual([]);
  });

  it('falls back once per worker when the server refuses return_run_details, and says the post has no run', async () => {
    standins.github.refuseRunDetails(true);

    const outcome = await processEvent(event, context());

    const bodies = standins.github.requests
      .filter((request) => request.method === 'POST')
      .map(
        (request) =>
          JSON.parse(request.body) as { inputs: Record<string, unknown>; return_run_details?: boolean },
      );
    expect(bodies.map((body) => [body.inputs['oci-image-name'], body.return_run_details])).toEqual([
      ['kafka', true],
      ['kafka', undefined],
      ['mock-rock', undefined],
    ]);
    expect(accepted('kafka')).toHaveLength(1);
    expect(outcome.status).toBe('Success');
    expect(outcome.rebuilds.filter((r) => r.dispatched).map((r) => r.run_url)).toEqual([
      undefined,
      undefined,
    ]);
    expect(logs.filter((line) => line.includes('refused return_run_details'))).toHaveLength(1);
    const post = standins.mattermost.posts[0]!.props as { attachments: { text: string }[] };
    expect(post.attachments[0]!.text).toContain('- kafka: dispatched (GitHub gave no run link)');
  });
});
