// The COS relations through the fake Juju with the real Pebble and a real worker:
// metrics-endpoint (joined, changed, scale-out, broken) scraped by a real Prometheus with the
// job the charm published; the shipped alert rules through promtool; the dashboard decoded as
// the grafana_dashboard consumer decodes it (Python's lzma) with every panel's metric known to
// that Prometheus; logging through Pebble's log targets to a local Loki push receiver.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { CharmUnitOnHost } from '../harness/charm-unit';
import { FakeJujuModel } from '../harness/fake-juju';
import { LokiReceiver } from '../harness/loki-receiver';
import { RunningPrometheus, prometheusTool, scrapeConfigsFromRelation } from '../harness/prometheus';
import { PROJECT_ROOT } from '../harness/tools';

jest.setTimeout(240_000);

const NAMESPACE = 'cos';
const QUEUE = 'oci-factory';
const APP = 'temporal-worker-k8s';

let unit: CharmUnitOnHost;
let prometheus: RunningPrometheus | undefined;
let scrapeRelation: string;

beforeAll(async () => {
  prometheusTool('prometheus');
  prometheusTool('promtool');
  unit = await CharmUnitOnHost.start({ namespace: NAMESPACE, name: 'charm-cos', address: '127.0.0.1' });
  unit.model.setConfig({ host: unit.temporal.address, namespace: NAMESPACE, queue: QUEUE });
  await unit.dispatch('config-changed');
  await unit.updateStatusUntil('active');
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await unit?.stop();
});

/** A Python one-liner is the consumer's own decoding: base64, then lzma.decompress. */
function decodeLikeTheConsumer(content: string): unknown {
  const script =
    'import base64,lzma,sys;sys.stdout.write(lzma.decompress(base64.b64decode(sys.stdin.read())).decode())';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: content, encoding: 'utf8' }));
}

/** Metric names a PromQL expression uses: identifiers left once strings, label sets, ranges,
 * grouping clauses, function calls and keywords are taken out. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const match of bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) names.add(match[1]!);
  return [...names].filter((name) => !['and', 'or', 'unless', 'offset', 'bool'].includes(name));
}

/**
 * Series that exist only once the worker ran a workflow task or a consume activity read the
 * event bus; the demo's test (tests/integration/demo.test.ts) sees them after an event.
 */
const AFTER_WORK = new Set([
  'temporal_request_failure',
  'temporal_workflow_task_queue_poll_succeed',
  'temporal_workflow_task_queue_poll_empty',
  'temporal_workflow_task_execution_latency_bucket',
  'temporal_activity_execution_failed',
  'oci_factory_events_consumed_total',
  'oci_factory_events_skipped_total',
  'oci_factory_consumer_lag',
  'oci_factory_last_event_processed_timestamp_seconds',
]);

describe('metrics-endpoint', () => {
  it('publishes the unit address on joined and the jobs, topology and rules as leader', async () => {
    scrapeRelation = unit.model.addRelation('metrics-endpoint', 'prometheus', {
      remoteUnits: { 'prometheus/0': {} },
    });
    await unit.dispatch('metrics-endpoint-relation-joined', { relationId: scrapeRelation });
    const relation = unit.model.relation(scrapeRelation)!;
    expect(relation.localUnit).toEqual({
      prometheus_scrape_unit_address: '127.0.0.1',
      prometheus_scrape_unit_name: `${APP}/0`,
    });
    expect(JSON.parse(relation.localApp.scrape_jobs!)).toEqual([
      {
        job_name: 'temporal-worker',
        metrics_path: '/metrics',
        static_configs: [{ targets: [`*:${unit.seams.CHARM_PROMETHEUS_PORT}`] }],
      },
      {
        job_name: 'oci-factory-workflows',
        metrics_path: '/metrics',
        static_configs: [{ targets: [`*:${unit.seams.CHARM_WORKFLOWS_METRICS_PORT}`] }],
      },
    ]);
    const metadata = JSON.parse(relation.localApp.scrape_metadata!) as Record<string, string>;
    expect(metadata).toMatchObject({ application: APP, unit: `${APP}/0`, charm_name: APP });
    const rules = JSON.parse(relation.localApp.alert_rules!) as { groups: Array<{ name: string }> };
    expect(rules.groups.map((group) => group.name)).toContain(
      // The consumer's group names are metric-name safe: `-` becomes `_`.
      `${metadata.model}_${metadata.model_uuid!.slice(0, 8)}_${APP}_temporal-worker_rules`.replace(/-/g, '_'),
    );
  });

  it('sends alert rules promtool accepts', () => {
    const relation = unit.model.relation(scrapeRelation)!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rules-'));
    const file = path.join(dir, 'rules.yaml');
    writeFileSync(file, stringify(JSON.parse(relation.localApp.alert_rules!)));
    const out = execFileSync(prometheusTool('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
    // And the shipped file as it is, with its placeholders filled the way the charm fills them.
    expect(parseYaml(relation.localApp.alert_rules!)).toBeTruthy();
  });

  it('takes the no-event alert period from no-event-alert-period, without touching the worker', async () => {
    const noEventRule = () => {
      const rules = JSON.parse(unit.model.relation(scrapeRelation)!.localApp.alert_rules!) as {
        groups: Array<{ rules: Array<{ alert?: string; expr: string }> }>;
      };
      return rules.groups
        .flatMap((group) => group.rules)
        .find((r) => r.alert === 'OciFactoryNoEventProcessed')!;
    };
    expect(noEventRule().expr).toMatch(/\[1209600s\]\)\) > 604800$/); // the default, 7d
    const plan = await unit.pebbleCli(['plan']);
    unit.model.setConfig({ 'no-event-alert-period': '36h' });
    await unit.dispatch('config-changed');
    expect(noEventRule().expr).toMatch(/\[259200s\]\)\) > 129600$/);
    expect(await unit.pebbleCli(['plan'])).toBe(plan);

    unit.model.setConfig({ 'no-event-alert-period': 'a week' });
    await unit.dispatch('config-changed');
    expect(unit.model.status()).toEqual({
      status: 'blocked',
      message: expect.stringMatching(/^invalid config: no-event-alert-period must be a period such as 36h/),
    });
    // Blocked: the leader leaves the rules it published as they were.
    expect(noEventRule().expr).toMatch(/ > 129600$/);
    unit.model.setConfig({ 'no-event-alert-period': null });
    await unit.dispatch('config-changed');
    expect(noEventRule().expr).toMatch(/ > 604800$/);
  });

  it('is scraped by a real Prometheus with the published job', async () => {
    const relation = unit.model.relation(scrapeRelation)!;
    const configs = scrapeConfigsFromRelation(relation.localApp, { [`${APP}/0`]: relation.localUnit });
    prometheus = await RunningPrometheus.start(configs);
    const up = await prometheus.until('the worker target up', async () => {
      const result = await prometheus!.query('up');
      return result.find((series) => series.value[1] === '1');
    });
    expect(up.metric).toMatchObject({ juju_application: APP, juju_unit: `${APP}/0`, juju_charm: APP });
    // Both jobs: Temporal's metrics and the workflows' own, whose counters start at 0.
    const names = await prometheus.until('Temporal and workflows metrics', async () => {
      const all = await prometheus!.metricNames();
      return all.some((name) => name.startsWith('temporal_')) &&
        all.includes('oci_factory_outside_call_failures_total')
        ? all
        : undefined;
    });
    const targets = await prometheus.query('up');
    expect(
      targets
        .filter((series) => series.value[1] === '1')
        .map((series) => series.metric.job)
        .sort(),
    ).toEqual([
      expect.stringMatching(/_oci-factory-workflows-0$/),
      expect.stringMatching(/_temporal-worker-0$/),
    ]);
    expect(names).toContain('oci_factory_dispatches_total');
    process.stderr.write(`metric names: ${names.join(' ')}\n`);
  });

  it('adds a target for a new unit (scale-out) and keeps the address on changed', async () => {
    // A second unit: its own fake Juju, no workload needed to publish its address.
    const second = new FakeJujuModel({
      charmDir: PROJECT_ROOT,
      unit: `${APP}/1`,
      leader: false,
      config: { host: unit.temporal.address, namespace: NAMESPACE, queue: QUEUE },
    });
    try {
      const id = second.addRelation('metrics-endpoint', 'prometheus', {
        remoteUnits: { 'prometheus/0': {} },
      });
      const emptyContainers = mkdtempSync(path.join(os.tmpdir(), 'no-pebble-'));
      const result = await second.dispatch('metrics-endpoint-relation-joined', {
        relationId: id,
        env: { ...unit.seams, CHARM_CONTAINERS_DIR: emptyContainers },
      });
      expect(result.exitCode).toBe(0);
      const theirs = second.relation(id)!;
      expect(theirs.localUnit.prometheus_scrape_unit_address).toBe('10.1.0.11');
      expect(theirs.localApp).toEqual({}); // not the leader
      const ours = unit.model.relation(scrapeRelation)!;
      const configs = scrapeConfigsFromRelation(ours.localApp, {
        [`${APP}/0`]: ours.localUnit,
        [`${APP}/1`]: theirs.localUnit,
      }) as Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
      expect(configs.map((job) => job.static_configs[0]!.targets[0])).toEqual([
        `127.0.0.1:${unit.seams.CHARM_PROMETHEUS_PORT}`,
        `10.1.0.11:${unit.seams.CHARM_PROMETHEUS_PORT}`,
        `127.0.0.1:${unit.seams.CHARM_WORKFLOWS_METRICS_PORT}`,
        `10.1.0.11:${unit.seams.CHARM_WORKFLOWS_METRICS_PORT}`,
      ]);
    } finally {
      second.cleanup();
    }
    await unit.dispatch('metrics-endpoint-relation-changed', { relationId: scrapeRelation });
    expect(unit.model.relation(scrapeRelation)!.localUnit.prometheus_scrape_unit_address).toBe('127.0.0.1');
  });

  it('writes nothing to a broken relation', async () => {
    const before = unit.model.calls().length;
    await unit.dispatch('metrics-endpoint-relation-broken', { relationId: scrapeRelation });
    const calls = unit.model.calls().slice(before);
    expect(calls.filter((call) => call.tool === 'relation-set')).toEqual([]);
    unit.model.removeRelation(scrapeRelation);
    await unit.dispatch('config-changed');
  });
});

describe('grafana-dashboard', () => {
  it('publishes dashboards the consumer decodes, whose every query names a metric Prometheus has', async () => {
    const id = unit.model.addRelation('grafana-dashboard', 'grafana', { remoteUnits: { 'grafana/0': {} } });
    await unit.dispatch('grafana-dashboard-relation-joined', { relationId: id });
    const data = JSON.parse(unit.model.relation(id)!.localApp.dashboards!) as {
      templates: Record<string, { charm: string; content: string }>;
      uuid: string;
    };
    const template = data.templates['file:temporal-worker']!;
    expect(template.charm).toBe(APP);
    const dashboard = decodeLikeTheConsumer(template.content) as {
      uid: string;
      panels: Array<{ targets?: Array<{ expr: string }> }>;
    };
    expect(dashboard.uid).toMatch(/^[0-9a-f]{40}$/);
    const used = new Set(
      dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).flatMap((target) => metricNames(target.expr)),
      ),
    );
    expect(used.size).toBeGreaterThan(3);
    const known = new Set(await prometheus!.metricNames());
    const histogramBase = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    // Each of the rest is named in AFTER_WORK: the worker of this test polls but runs no work.
    const missing = [...used]
      .filter((name) => !AFTER_WORK.has(name))
      .filter((name) => !known.has(name) && !known.has(`${histogramBase(name)}_bucket`));
    expect(missing).toEqual([]);
  });
});

describe('logging', () => {
  let loki: LokiReceiver;
  let id: string;
  afterAll(async () => loki?.stop());

  it('forwards the worker output with the topology labels to the pushed URL', async () => {
    loki = await LokiReceiver.start();
    id = unit.model.addRelation('logging', 'loki', {
      remoteUnits: { 'loki/0': { endpoint: JSON.stringify({ url: loki.pushUrl }) } },
    });
    await unit.dispatch('logging-relation-changed', { relationId: id, remoteUnit: 'loki/0' });
    const plan = parseYaml(await unit.pebbleCli(['plan'])) as { 'log-targets': Record<string, unknown> };
    expect(plan['log-targets']['loki/0']).toMatchObject({
      type: 'loki',
      location: loki.pushUrl,
      services: ['all'],
    });
    // The restart makes the worker log its start.
    await unit.dispatch('restart', {}, false).catch(() => undefined);
    await unit.pebbleCli(['restart', 'temporal-worker']);
    const deadline = Date.now() + 60_000;
    while (loki.lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(loki.lines.length).toBeGreaterThan(0);
    const model = unit.model;
    expect(loki.lines[0]!.labels).toMatchObject({
      product: 'Juju',
      charm: APP,
      juju_application: APP,
      juju_unit: `${APP}/0`,
      juju_model: expect.any(String),
      juju_model_uuid: expect.any(String),
      pebble_service: 'temporal-worker',
    });
    expect(model.status().status).toBe('active');
  });

  it('switches the target off on relation-broken', async () => {
    await unit.dispatch('logging-relation-broken', { relationId: id });
    unit.model.removeRelation(id);
    const plan = parseYaml(await unit.pebbleCli(['plan'])) as {
      'log-targets': Record<string, { services: string[] }>;
    };
    expect(plan['log-targets']['loki/0']!.services).toEqual(['-all']);
  });
});
