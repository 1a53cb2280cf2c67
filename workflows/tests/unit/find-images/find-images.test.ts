// find-images run in-process against the HTTP stand-ins seeded with the OCI Factory scenario:
// the same dispatches as the consume path, the summary, the exit status and the bad inputs.
import YAML from 'yaml';
import { createProcessEvent } from '../../../src/activities/process-event';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runFindImages } from '../../../src/find-images/run';
import type { FindImagesSummary } from '../../../src/find-images/summary';
import { type Standins, startStandins } from '../../harness/standins';
import {
  EXPECTED_TRIGGERS_22_04,
  SCENARIO_NOW,
  seedOciFactoryScenario,
  UNRELEASED_IMAGE,
} from '../../harness/standins/oci-factory-scenario';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

describe('find-images', () => {
  let standins: Standins;
  let env: Record<string, string | undefined>;

  beforeEach(async () => {
    standins = await startStandins({ swift: { pageSize: 4 }, registryTags: { pageSize: 3 } });
    seedOciFactoryScenario(standins);
    env = { ...standins.env, GITHUB_RUN_ID: '9876543210' };
  });
  afterEach(() => standins.stop());

  async function findImages(argv: string[], runEnv = env): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const status = await runFindImages({
      argv,
      env: runEnv,
      now: () => SCENARIO_NOW,
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    return { status, stdout, stderr };
  }
  const json = (run: Run) => JSON.parse(run.stdout) as FindImagesSummary;
  const dispatchedImages = () => standins.github.dispatches.map((d) => d.inputs['oci-image-name']);
  const decoded = (b64: unknown) =>
    YAML.parse(Buffer.from(String(b64), 'base64').toString('utf8')) as unknown;

  it('dispatches for a release exactly what a release event processed by the consume path dispatches', async () => {
    const processEvent = createProcessEvent({ now: () => SCENARIO_NOW });
    await processEvent(
      {
        message_id: 'base-update-42',
        name: 'ubuntu',
        description: 'New release for the Ubuntu 22.04 container image',
        registry_tags: [],
        release: '22.04',
      },
      {
        env: { ...env, TEMPORAL_ADDRESS: 'temporal.example.com:7233' },
        log: { info: () => {}, warn: () => {}, error: () => {} },
        workflow: { namespace: 'rocks', workflowId: 'consume', runId: 'run' },
        onDispatched: async () => {},
      },
    );
    const byConsume = standins.github.dispatches.splice(0).map(({ ref, inputs }) => ({ ref, inputs }));

    const run = await findImages(['22.04', '--run-id', 'base-update-42']);

    expect(run.status).toBe(EXIT_OK);
    const byCommand = standins.github.dispatches.map(({ ref, inputs }) => ({ ref, inputs }));
    expect(byCommand).toEqual(byConsume);
    expect(byCommand.map(({ inputs }) => inputs['oci-image-name'])).toEqual(['kafka', 'mock-rock']);
    expect(
      Object.fromEntries(
        byCommand.map(({ inputs }) => [inputs['oci-image-name'], decoded(inputs['b64-image-trigger'])]),
      ),
    ).toEqual(EXPECTED_TRIGGERS_22_04);
  });

  it('prints a table of what it dispatched and skipped, with the log on stderr', async () => {
    const run = await findImages(['22.04', '--ext-ref-prefix', 'weekly-rebuild']);

    expect(run.status).toBe(EXIT_OK);
    expect(run.stdout).toBe(
      [
        'find-images: release 22.04, image *, run 9876543210',
        '',
        'IMAGE      RESULT      DETAIL',
        'grafana    skipped     nothing to rebuild',
        'kafka      dispatched  weekly-rebuild-kafka-9876543210 https://github.com/canonical/oci-factory/actions/runs/18000000001',
        'mock-rock  dispatched  weekly-rebuild-mock-rock-9876543210 https://github.com/canonical/oci-factory/actions/runs/18000000002',
        'new-rock   skipped     not released yet',
        '',
        '2 dispatched, 2 skipped, 0 failed',
        '',
      ].join('\n'),
    );
    expect(standins.github.dispatches.map((d) => d.inputs.external_ref_id)).toEqual([
      'weekly-rebuild-kafka-9876543210',
      'weekly-rebuild-mock-rock-9876543210',
    ]);
    expect(run.stderr).toContain('INFO:find-images:Checking for image * to update for release 22.04');
    // grafana's 22.04 tracks are all past their end of life.
    expect(run.stderr).toMatch(/MATCH - grafana \| revision: 76/);
  });

  it('with no release dispatches every image whatever its base', async () => {
    const run = await findImages(['--output', 'json']);

    expect(run.status).toBe(EXIT_OK);
    expect(dispatchedImages()).toEqual(['grafana', 'kafka', 'mock-rock']);
    const summary = json(run);
    expect(summary).toMatchObject({ ubuntu_release: '*', image: '*', run_id: '9876543210', dry_run: false });
    expect(summary.counts).toEqual({ dispatched: 3, 'would-dispatch': 0, skipped: 1, failed: 0 });
    const kafka = summary.images.find((image) => image.image === 'kafka');
    // 4.1 on 24.04 joins 3.9 on 22.04; 3.6 is past its end of life.
    expect(kafka?.trigger?.upload.map((upload) => upload.directory)).toEqual(['4.1', '3.9.1']);
  });

  it('--image-name reads one image and lists only its Swift objects', async () => {
    const run = await findImages(['--image-name', 'kafka', '22.04']);

    expect(run.status).toBe(EXIT_OK);
    expect(dispatchedImages()).toEqual(['kafka']);
    const listings = standins.swift.requests.filter((request) => request.query.get('format') === 'json');
    expect(listings.map((request) => request.query.get('prefix'))).toEqual(listings.map(() => 'kafka/'));
    expect(standins.registryTags.requests.map((request) => JSON.parse(request.body).repositoryName)).toEqual(
      expect.arrayContaining(['kafka']),
    );
    expect(
      standins.registryTags.requests.every((request) => JSON.parse(request.body).repositoryName === 'kafka'),
    ).toBe(true);
  });

  it('--image-name "*" (the scheduled job\'s default input) means every image', async () => {
    const run = await findImages(['--image-name', '*', '--ext-ref-prefix', 'weekly-rebuild', '22.04']);

    expect(run.status).toBe(EXIT_OK);
    expect(dispatchedImages()).toEqual(['kafka', 'mock-rock']);
  });

  it('skips an image without _releases.json and exits 0', async () => {
    const run = await findImages(['--image-name', UNRELEASED_IMAGE, '--output', 'json']);

    expect(run.status).toBe(EXIT_OK);
    expect(json(run).images).toEqual([
      { image: UNRELEASED_IMAGE, result: 'skipped', reason: 'not released yet' },
    ]);
    expect(standins.github.dispatches).toEqual([]);
  });

  it('--dry-run reads everything, dispatches nothing and prints the triggers it would send', async () => {
    const run = await findImages(['22.04', '--dry-run', '--output', 'json']);

    expect(run.status).toBe(EXIT_OK);
    expect(standins.github.requests.filter((request) => request.method === 'POST')).toEqual([]);
    const summary = json(run);
    expect(summary.dry_run).toBe(true);
    expect(summary.counts).toEqual({ dispatched: 0, 'would-dispatch': 2, skipped: 2, failed: 0 });
    const wouldSend = summary.images.filter((image) => image.result === 'would-dispatch');
    expect(Object.fromEntries(wouldSend.map((image) => [image.image, image.trigger]))).toEqual(
      EXPECTED_TRIGGERS_22_04,
    );
    expect(wouldSend.map((image) => image.inputs)).toEqual([
      {
        'oci-image-name': 'kafka',
        'b64-image-trigger': expect.any(String),
        upload: true,
        external_ref_id: 'workflow-engine-kafka-9876543210',
      },
      {
        'oci-image-name': 'mock-rock',
        'b64-image-trigger': expect.any(String),
        upload: true,
        external_ref_id: 'workflow-engine-mock-rock-9876543210',
      },
    ]);
    expect(decoded(wouldSend[0]!.inputs!['b64-image-trigger'])).toEqual(EXPECTED_TRIGGERS_22_04.kafka);
    expect(run.stderr).toContain('Dry run: kafka not dispatched');
  });

  it('--dry-run as a table shows each trigger as YAML', async () => {
    const run = await findImages(['22.04', '--dry-run', '--image-name', 'kafka']);

    expect(run.status).toBe(EXIT_OK);
    expect(run.stdout).toContain('kafka  would-dispatch  workflow-engine-kafka-9876543210');
    expect(run.stdout).toContain('0 dispatched, 1 would be dispatched, 0 skipped, 0 failed');
    expect(run.stdout).toContain(
      '# kafka: external_ref_id workflow-engine-kafka-9876543210\nupload:\n- commit: 9d8c7b6a',
    );
  });

  it('retries a dispatch answered 500 and sends it once more, then exits 0', async () => {
    let failed = false;
    standins.github.intercept((request) => {
      if (request.method !== 'POST' || failed) return undefined;
      failed = true;
      return { status: 500, body: { message: 'Server Error' } };
    });

    const run = await findImages(['22.04', '--image-name', 'kafka']);

    expect(run.status).toBe(EXIT_OK);
    const posts = standins.github.requests.filter((request) => request.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(dispatchedImages()).toEqual(['kafka']);
    // A 500 may have started a run: it is looked for before the dispatch is sent again.
    expect(run.stderr).toMatch(/WARNING:find-images:kafka: the dispatch's answer was lost .*Server Error/);
    expect(run.stderr).toMatch(
      /kafka: no run carries workflow-engine-kafka-9876543210 \d+ s after it was first sent: sending it again/,
    );
  });

  it('exits 1 on a permanent dispatch failure, goes on with the other images, and names the image', async () => {
    standins.github.failDispatchFor('kafka', 422, 'Unexpected inputs provided: ["upload"]');

    const run = await findImages(['22.04']);

    expect(run.status).toBe(EXIT_FAILED);
    expect(dispatchedImages()).toEqual(['mock-rock']);
    expect(run.stdout).toMatch(
      /\nkafka +failed +workflow dispatch failed: HTTP 422 Unexpected inputs provided: \["upload"\]\n/,
    );
    expect(run.stdout).toContain('1 dispatched, 2 skipped, 1 failed');
    expect(run.stderr).toContain('ERROR:find-images:Failed to rebuild kafka');
  });

  it('exits 1 with what it did so far when a read still fails after its retries', async () => {
    standins.registryTags.intercept((request) =>
      JSON.parse(request.body).repositoryName === 'mock-rock'
        ? { status: 503, body: 'unavailable' }
        : undefined,
    );

    const run = await findImages(['22.04', '--output', 'json'], { ...env, RETRY_BUDGET_SECONDS: '1' });

    expect(run.status).toBe(EXIT_FAILED);
    const summary = json(run);
    expect(summary.images.map(({ image, result }) => [image, result])).toEqual([
      ['grafana', 'skipped'],
      ['kafka', 'dispatched'],
    ]);
    expect(summary.stopped).toMatch(/registry-tags/);
  });

  describe('bad input: exit 2 naming the argument or the variable', () => {
    it.each([
      [['jammy'], /ubuntu_release 'jammy' is neither \* nor a YY\.MM version/],
      [['ubuntu@22.04'], /ubuntu_release 'ubuntu@22.04'/],
      [['22.04', '24.04'], /one ubuntu_release at most/],
      [['--output', 'xml'], /--output 'xml' is neither table nor json/],
      [['--image'], /Unknown option '--image'/],
      [['--image-name', 'a/b'], /--image-name 'a\/b' is not an image name/],
    ])('%j', async (argv, message) => {
      const run = await findImages(argv);

      expect(run.status).toBe(EXIT_USAGE);
      expect(run.stderr).toMatch(message);
      expect(standins.github.requests).toEqual([]);
    });

    it.each(['GITHUB_TOKEN', 'OS_PASSWORD', 'OS_AUTH_URL'])('a missing %s', async (name) => {
      const run = await findImages(['22.04'], { ...env, [name]: undefined });

      expect(run.status).toBe(EXIT_USAGE);
      expect(run.stderr).toContain(`missing environment: ${name} not set`);
      expect(standins.swift.requests).toEqual([]);
    });

    it('an unknown image', async () => {
      const run = await findImages(['--image-name', 'no-such-rock']);

      expect(run.status).toBe(EXIT_USAGE);
      expect(run.stderr).toContain(
        "--image-name: unknown image 'no-such-rock': the releases branch has no folder oci/no-such-rock/ (it has grafana, kafka, mock-rock, new-rock)",
      );
      expect(standins.github.dispatches).toEqual([]);
    });
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await findImages(['--help']);

    expect(run.status).toBe(EXIT_OK);
    expect(run.stdout).toContain('Usage: oci-factory-find-images [ubuntu_release] [options]');
  });

  it('takes the run id from GITHUB_RUN_ID, else the time in seconds', async () => {
    const { GITHUB_RUN_ID: _, ...withoutRunId } = env;
    const run = await findImages(
      ['22.04', '--dry-run', '--output', 'json', '--image-name', 'kafka'],
      withoutRunId,
    );

    expect(json(run).run_id).toBe(String(SCENARIO_NOW.getTime() / 1000));
  });
});
