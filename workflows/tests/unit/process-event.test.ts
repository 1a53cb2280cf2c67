import YAML from 'yaml';
import { createProcessEvent } from '../../src/activities/process-event';
import { TransientError } from '../../src/activities/outside-call';
import type { OciEvent, PipelineContext } from '../../src/activities/pipeline-types';
import { metricValue } from '../harness/metrics';
import { type Standins, startStandins } from '../harness/standins';
import {
  EXPECTED_TRIGGERS_22_04,
  expectedTriggers2204,
  SCENARIO_NOW,
  seedOciFactoryScenario,
} from '../harness/standins/oci-factory-scenario';

const processEvent = createProcessEvent({ now: () => SCENARIO_NOW });
const WORKFLOW = {
  namespace: 'rocks',
  workflowId: 'consume-rocks-events',
  runId: '8d7c4c38-3a4e-4b8f-9d7f-3c2b1a0f9e8d',
};
const runUrl = (n: number) => `https://github.com/canonical/oci-factory/actions/runs/${18000000000 + n}`;
const HISTORY_LINK = `https://web.temporal.example.com/namespaces/rocks/workflows/${WORKFLOW.workflowId}/${WORKFLOW.runId}/history`;

function ociEvent(fields: Partial<OciEvent> = {}): OciEvent {
  return {
    message_id: '8105e87b-038a-46cd-a0bb-e2e512c89023',
    name: 'ubuntu',
    description: 'New release for the Ubuntu 22.04 container image',
    registry_tags: ['public.ecr.aws/ubuntu/ubuntu:22.04', 'docker.io/ubuntu:jammy'],
    release: '22.04',
    ...fields,
  };
}

interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

function pipelineContext(env: Record<string, string | undefined>, doneThrough?: string) {
  const logs: LogLine[] = [];
  const recorded: string[] = [];
  const ctx: PipelineContext = {
    env,
    log: {
      info: (message, fields) => logs.push({ level: 'info', message, fields }),
      warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
      error: (message, fields) => logs.push({ level: 'error', message, fields }),
    },
    workflow: WORKFLOW,
    doneThrough,
    onDispatched: async (image) => {
      recorded.push(image);
    },
  };
  return { ctx, logs, recorded };
}

describe('processEvent against the stand-ins', () => {
  let standins: Standins;
  let env: Record<string, string | undefined>;

  beforeEach(async () => {
    // Small pages, so the Swift listing and the registry tags are read across several requests.
    standins = await startStandins({ swift: { pageSize: 4 }, registryTags: { pageSize: 3 } });
    seedOciFactoryScenario(standins);
    env = { ...standins.env, TEMPORAL_ADDRESS: 'temporal.example.com:7233' };
  });
  afterEach(() => standins.stop());

  const decodedDispatches = () =>
    Object.fromEntries(
      standins.github.dispatches.map((dispatch) => [
        dispatch.inputs['oci-image-name'],
        YAML.parse(Buffer.from(String(dispatch.inputs['b64-image-trigger']), 'base64').toString('utf8')),
      ]),
    );
  const dispatchRequests = () => standins.github.requests.filter((request) => request.method === 'POST');

  it('dispatches exactly the images built on the release, each with its merged trigger', async () => {
    const { ctx, recorded } = pipelineContext(env);
    const outcomes = ['dispatched', 'not-needed', 'failed'];
    const count = () =>
      Promise.all(outcomes.map((outcome) => metricValue('oci_factory_dispatches_total', { outcome })));
    const before = await count();

    const outcome = await processEvent(ociEvent(), ctx);

    const after = await count();
    expect(after.map((value, index) => value - before[index]!)).toEqual([2, 2, 0]);

    expect(outcome.status).toBe('Success');
    expect(outcome.release).toBe('22.04');
    expect(outcome.eventbus_message.message_id).toBe('8105e87b-038a-46cd-a0bb-e2e512c89023');
    expect(outcome.rebuilds).toEqual([
      { image: 'grafana', dispatched: false, reason: 'nothing to rebuild' },
      { image: 'kafka', dispatched: true, reason: 'dispatched', run_url: runUrl(1) },
      { image: 'mock-rock', dispatched: true, reason: 'dispatched', run_url: runUrl(2) },
      { image: 'new-rock', dispatched: false, reason: 'not released yet' },
    ]);
    expect(decodedDispatches()).toEqual(EXPECTED_TRIGGERS_22_04);
    expect(recorded).toEqual(['kafka', 'mock-rock']);
  });

  it('dispatches the same images on any date when the scenario is seeded for that date', async () => {
    const later = new Date('2031-09-15T12:00:00Z');
    const laterStandins = await startStandins();
    try {
      seedOciFactoryScenario(laterStandins, { now: later });
      const laterEnv = {
        ...laterStandins.env,
        TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      };
      const { ctx } = pipelineContext(laterEnv);

      await createProcessEvent({ now: () => later })(ociEvent(), ctx);

      const decoded = Object.fromEntries(
        laterStandins.github.dispatches.map((dispatch) => [
          dispatch.inputs['oci-image-name'],
          YAML.parse(Buffer.from(String(dispatch.inputs['b64-image-trigger']), 'base64').toString('utf8')),
        ]),
      );
      expect(decoded).toEqual(expectedTriggers2204(later));
      expect(Object.keys(decoded).sort()).toEqual(Object.keys(EXPECTED_TRIGGERS_22_04).sort());
    } finally {
      await laterStandins.stop();
    }
  });

  it('sends the dispatch with the documented headers, ref and inputs', async () => {
    const { ctx } = pipelineContext(env);

    await processEvent(ociEvent(), ctx);

    const [first] = dispatchRequests();
    expect(first?.path).toBe('/repos/canonical/oci-factory/actions/workflows/Image.yaml/dispatches');
    expect(first?.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${standins.github.token}`,
      'x-github-api-version': '2022-11-28',
    });
    const event = '8105e87b-038a-46cd-a0bb-e2e512c89023';
    expect(standins.github.dispatches.map(({ ref, inputs }) => ({ ref, inputs }))).toEqual([
      {
        ref: 'main',
        inputs: {
          'oci-image-name': 'kafka',
          'b64-image-trigger': expect.any(String),
          upload: true,
          external_ref_id: `workflow-engine-kafka-${event}`,
        },
      },
      {
        ref: 'main',
        inputs: {
          'oci-image-name': 'mock-rock',
          'b64-image-trigger': expect.any(String),
          upload: true,
          external_ref_id: `workflow-engine-mock-rock-${event}`,
        },
      },
    ]);
  });

  it('writes the trigger as block-style YAML with sorted keys, as PyYAML did', async () => {
    const { ctx } = pipelineContext(env);

    await processEvent(ociEvent(), ctx);

    const kafka = standins.github.dispatches.find(
      (dispatch) => dispatch.inputs['oci-image-name'] === 'kafka',
    );
    expect(Buffer.from(String(kafka?.inputs['b64-image-trigger']), 'base64').toString('utf8')).toBe(
      [
        'upload:',
        '- commit: 9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e0049',
        '  directory: 3.9.1',
        '  ignored-vulnerabilities: []',
        '  release:',
        '    3.9-22.04:',
        "      end-of-life: '2027-06-01T00:00:00Z'",
        '      risks:',
        '      - edge',
        '    3.9.1-22.04:',
        "      end-of-life: '2027-06-01T00:00:00Z'",
        '      risks:',
        '      - edge',
        '  source: canonical/kafka-rock',
        'version: 2',
        '',
      ].join('\n'),
    );
  });

  it('authenticates with Keystone v3 and reads Swift with the token, across listing pages', async () => {
    const { ctx } = pipelineContext(env);

    await processEvent(ociEvent(), ctx);

    const [auth, ...swiftReads] = standins.swift.requests;
    expect(auth?.method).toBe('POST');
    expect(auth?.path).toBe('/v3/auth/tokens');
    expect(JSON.parse(auth!.body)).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: standins.swift.username,
              domain: { name: 'Default' },
              password: standins.swift.password,
            },
          },
        },
        scope: { project: { name: standins.swift.projectName, domain: { name: 'Default' } } },
      },
    });
    const listings = swiftReads.filter((request) => request.query.get('format') === 'json');
    expect(listings.length).toBeGreaterThan(3);
    expect(listings[0]?.query.get('marker')).toBeNull();
    expect(listings[1]?.query.get('marker')).toEqual(expect.any(String));
    expect(
      swiftReads.every((request) => request.headers['x-auth-token'] === standins.swift.issuedTokens[0]),
    ).toBe(true);
    // Only released revisions are read: not mock-rock's unreleased 3153.
    expect(swiftReads.map((request) => request.path)).not.toContain(
      '/v1/AUTH_0123456789abcdef/oci-factory/mock-rock/1.2-22.04/3153/build_metadata.json',
    );
  });

  it('asks the registry for tags under the right alias, following nextToken', async () => {
    const { ctx } = pipelineContext(env);

    await processEvent(ociEvent(), ctx);

    const bodies = standins.registryTags.requests.map((request) => JSON.parse(request.body));
    expect(bodies).toContainEqual({
      repositoryName: 'mock-rock',
      maxResults: 1000,
      registryAliasName: 'rocksdev',
    });
    expect(bodies).toContainEqual({ repositoryName: 'kafka', maxResults: 1000, registryAliasName: 'ubuntu' });
    expect(bodies).toContainEqual(
      expect.objectContaining({ repositoryName: 'mock-rock', nextToken: expect.any(String) }),
    );
  });

  it('posts "Triggered" to Mattermost, adds each run as it is dispatched, then patches it to Success in green', async () => {
    const { ctx } = pipelineContext(env);

    await processEvent(ociEvent(), ctx);

    const requests = standins.mattermost.requests;
    // The post, one update per dispatch (kafka, mock-rock), the final update.
    expect(requests.map((request) => request.method)).toEqual([
      'POST',
      'GET',
      'PUT',
      'GET',
      'PUT',
      'GET',
      'PUT',
    ]);
    expect(
      requests.every((request) => request.headers.authorization === `Bearer ${standins.mattermost.token}`),
    ).toBe(true);
    const triggered = `**Release:** 22.04\n**Status:** Triggered\n[More details](${HISTORY_LINK})`;
    expect(JSON.parse(requests[0]!.body)).toEqual({
      channel_id: standins.mattermost.channelId,
      props: {
        attachments: [
          {
            fallback: triggered,
            title: '[OCI Factory Temporal Workflow]: activity_consume_events.py: Rebuild rocks',
            text: triggered,
            color: '#B0B0B0',
          },
        ],
      },
    });
    const [post] = standins.mattermost.posts;
    expect(requests[2]!.path).toBe(`/api/v4/posts/${post!.id}/patch`);
    expect(JSON.parse(requests[2]!.body).id).toBe(post!.id);
    const kafkaLine = `- kafka: [GitHub run 18000000001](${runUrl(1)})`;
    expect(JSON.parse(requests[2]!.body).props.attachments[0]).toMatchObject({
      text: `**Release:** 22.04\n**Status:** Triggered\n**Rebuilds:**\n${kafkaLine}\n[More details](${HISTORY_LINK})`,
      color: '#B0B0B0',
    });
    expect(post!.props).toEqual({
      attachments: [
        {
          fallback: triggered,
          title: '[OCI Factory Temporal Workflow]: activity_consume_events.py: Rebuild rocks',
          text: [
            '**Release:** 22.04',
            '**Status:** Success',
            '**Rebuilds:**',
            kafkaLine,
            `- mock-rock: [GitHub run 18000000002](${runUrl(2)})`,
            `[More details](${HISTORY_LINK})`,
          ].join('\n'),
          color: '#33CC33',
        },
      ],
    });
  });

  it('dispatches nothing and succeeds when no released image is built on the release', async () => {
    const { ctx } = pipelineContext(env);

    const outcome = await processEvent(ociEvent({ release: '20.04' }), ctx);

    expect(outcome.status).toBe('Success');
    expect(standins.github.dispatches).toEqual([]);
    expect(outcome.rebuilds.filter((rebuild) => rebuild.dispatched)).toEqual([]);
    // No revision matched, so the registry was never asked.
    expect(standins.registryTags.requests).toEqual([]);
    expect(standins.mattermost.posts[0]?.props).toMatchObject({
      attachments: [{ color: '#33CC33', text: expect.stringContaining('**Status:** Success') }],
    });
  });

  it('dispatches the images built on 24.04 for a 24.04 event', async () => {
    const { ctx } = pipelineContext(env);

    const outcome = await processEvent(ociEvent({ release: 'ubuntu-24.04' }), ctx);

    expect(outcome.status).toBe('Success');
    const triggers = decodedDispatches();
    expect(Object.keys(triggers)).toEqual(['grafana', 'kafka', 'mock-rock']);
    expect(triggers.grafana.upload).toEqual([
      {
        source: 'canonical/grafana-rock',
        commit: '122b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f0122',
        directory: '12.4.2',
        'ignored-vulnerabilities': [],
        release: {
          '12-24.04': { risks: ['stable', 'candidate'], 'end-of-life': '2026-07-07T00:00:00Z' },
          '12.4-24.04': { risks: ['stable'], 'end-of-life': '2026-07-07T00:00:00Z' },
        },
      },
    ]);
    expect(triggers['mock-rock'].upload[0].release).toEqual({
      devel: { risks: ['edge'], 'end-of-life': '2030-05-01T00:00:00Z' },
    });
  });

  it('does not dispatch again the images an earlier delivery of the message dispatched', async () => {
    // Images are dispatched in name order: up to kafka, the earlier delivery did them.
    const { ctx, recorded } = pipelineContext(env, 'kafka');
    const repeats = await metricValue('oci_factory_dispatches_total', { outcome: 'already-dispatched' });

    const outcome = await processEvent(ociEvent(), ctx);

    // grafana needs no rebuild; kafka is the only image at or before the record that was built on it.
    expect(await metricValue('oci_factory_dispatches_total', { outcome: 'already-dispatched' })).toBe(
      repeats + 2,
    );

    expect(standins.github.dispatches.map((dispatch) => dispatch.inputs['oci-image-name'])).toEqual([
      'mock-rock',
    ]);
    expect(outcome.rebuilds).toContainEqual({
      image: 'kafka',
      dispatched: false,
      reason: 'already dispatched for this message',
    });
    expect(recorded).toEqual(['mock-rock']);
    expect(outcome.status).toBe('Success');
    expect(standins.swift.requests.some((request) => request.path.includes('/kafka/'))).toBe(false);
  });

  // A 5xx is transient now (retried, then the event is left for later): see the next test.
  it.each([422, 404])(
    'marks the event Failed when GitHub answers %i for one image, and dispatches the others',
    async (status) => {
      standins.github.failDispatchFor('kafka', status);
      const { ctx, recorded } = pipelineContext(env);

      const outcome = await processEvent(ociEvent(), ctx);

      expect(outcome.status).toBe('Failed');
      expect(outcome.rebuilds).toContainEqual({
        image: 'kafka',
        dispatched: false,
        reason: expect.stringContaining(`HTTP ${status}`),
      });
      expect(outcome.rebuilds).toContainEqual({
        image: 'mock-rock',
        dispatched: true,
        reason: 'dispatched',
        run_url: runUrl(1),
      });
      expect(standins.github.dispatches.map((dispatch) => dispatch.inputs['oci-image-name'])).toEqual([
        'mock-rock',
      ]);
      expect(recorded).toEqual(['mock-rock']);
      expect(standins.mattermost.posts[0]?.props).toMatchObject({
        attachments: [
          {
            color: '#CC0000',
            text: `**Release:** 22.04\n**Status:** Failed\n**Rebuilds:**\n- mock-rock: [GitHub run 18000000001](${runUrl(1)})\n[More details](${HISTORY_LINK})`,
          },
        ],
      });
    },
  );

  it('retries a dispatch GitHub answers 503 for, and dispatches it once it recovers', async () => {
    const until = Date.now() + 1_500;
    standins.github.intercept((request) =>
      request.method === 'POST' && Date.now() < until
        ? { status: 503, body: { message: 'Unavailable' } }
        : undefined,
    );
    const { ctx, recorded } = pipelineContext(env);

    const outcome = await processEvent(ociEvent(), ctx);

    expect(outcome.status).toBe('Success');
    expect(standins.github.dispatches.map((d) => d.inputs['oci-image-name'])).toEqual(['kafka', 'mock-rock']);
    expect(recorded).toEqual(['kafka', 'mock-rock']);
  });

  it('throws, leaving the event for later, once a transient failure outlasts the retry budget', async () => {
    standins.github.failDispatchFor('kafka', 503);
    const { ctx, recorded } = pipelineContext({ ...env, RETRY_BUDGET_SECONDS: '1' });

    await expect(processEvent(ociEvent(), ctx)).rejects.toThrow(TransientError);
    expect(standins.github.dispatches).toEqual([]);
    expect(recorded).toEqual([]);
  });

  it('processes the event without a post when a Mattermost variable is missing, and says why once', async () => {
    const { ctx, logs } = pipelineContext({ ...env, MATTERMOST_TOKEN: undefined });

    const outcome = await processEvent(ociEvent(), ctx);

    expect(outcome.status).toBe('Success');
    expect(standins.github.dispatches).toHaveLength(2);
    expect(standins.mattermost.requests).toEqual([]);
    const why = logs.filter((line) => line.message.includes('MATTERMOST_TOKEN'));
    expect(why).toEqual([{ level: 'warn', message: 'No Mattermost notification: MATTERMOST_TOKEN not set' }]);
  });

  it('skips an event that names no Ubuntu release, without asking GitHub or Swift', async () => {
    const { ctx } = pipelineContext(env);

    const outcome = await processEvent(
      ociEvent({ release: undefined, description: 'A new build', registry_tags: ['docker.io/ubuntu:jammy'] }),
      ctx,
    );

    expect(outcome).toMatchObject({ status: 'Skipped', release: null, rebuilds: [] });
    expect(standins.github.requests).toEqual([]);
    expect(standins.swift.requests).toEqual([]);
    expect(standins.mattermost.posts.map((post) => post.props)).toEqual([
      {
        attachments: [
          expect.objectContaining({
            text: `**Release:** unknown\n**Status:** Skipped\n[More details](${HISTORY_LINK})`,
            color: '#B0B0B0',
          }),
        ],
      },
    ]);
  });

  it('still dispatches when Mattermost is down, and logs why there is no post', async () => {
    standins.mattermost.intercept(() => ({ status: 503, body: { message: 'Service Unavailable' } }));
    const { ctx, logs } = pipelineContext({ ...env, RETRY_BUDGET_SECONDS: '1' });

    const outcome = await processEvent(ociEvent(), ctx);

    expect(outcome.status).toBe('Success');
    expect(standins.github.dispatches).toHaveLength(2);
    // The post is retried within the budget, then given up: no update of a post that does not exist.
    expect(new Set(standins.mattermost.requests.map((request) => request.method))).toEqual(new Set(['POST']));
    expect(logs).toContainEqual({
      level: 'error',
      message: expect.stringMatching(/^Mattermost notification failed: .*HTTP 503 Service Unavailable/),
    });
  });

  it('takes the release from the registry tags when the event has no release field', async () => {
    const { ctx } = pipelineContext(env);

    const outcome = await processEvent(ociEvent({ release: undefined }), ctx);

    expect(outcome.release).toBe('22.04');
    expect(standins.github.dispatches).toHaveLength(2);
  });

  it('fails the event, and says so in Mattermost, when Keystone refuses the credentials', async () => {
    const { ctx, logs } = pipelineContext({ ...env, OS_PASSWORD: 'not-the-password' });

    const outcome = await processEvent(ociEvent(), ctx);

    expect(outcome.status).toBe('Failed');
    expect(outcome.rebuilds).toEqual([
      { image: '*', dispatched: false, reason: expect.stringContaining('Keystone authentication') },
    ]);
    expect(standins.github.dispatches).toEqual([]);
    expect(standins.mattermost.posts[0]?.props).toMatchObject({ attachments: [{ color: '#CC0000' }] });
    expect(JSON.stringify(logs)).not.toContain('not-the-password');
  });

  it('never writes a token or password to the log', async () => {
    standins.github.failDispatchFor('kafka', 401, 'Bad credentials');
    const { ctx, logs } = pipelineContext(env);

    await processEvent(ociEvent(), ctx);

    const written = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(5);
    for (const secret of [
      env.GITHUB_TOKEN,
      env.OS_PASSWORD,
      env.MATTERMOST_TOKEN,
      ...standins.swift.issuedTokens,
    ]) {
      expect(written).not.toContain(secret);
    }
  });

  it('hands back to the consumer a dispatch it could not record, without going on', async () => {
    const { ctx } = pipelineContext(env);
    const recordingError = new Error('could not record the dispatch');

    await expect(
      processEvent(ociEvent(), { ...ctx, onDispatched: () => Promise.reject(recordingError) }),
    ).rejects.toBe(recordingError);
    expect(standins.github.dispatches.map((dispatch) => dispatch.inputs['oci-image-name'])).toEqual([
      'kafka',
    ]);
  });

  it('stops when the activity is cancelled', async () => {
    const { ctx } = pipelineContext(env);
    const cancellation = new AbortController();
    cancellation.abort();

    await expect(processEvent(ociEvent(), { ...ctx, signal: cancellation.signal })).rejects.toThrow();
    expect(standins.github.dispatches).toEqual([]);
  });
});
