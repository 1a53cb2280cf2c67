// A real Prometheus (Debian's `prometheus` package, which `npm run setup` installs) on a free
// loopback port, scraping what a `metrics-endpoint` relation publishes, turned into
// Prometheus jobs the way the prometheus_scrape consumer reads them
// (docs/juju-pebble-contract.md §2.6): job names prefixed with `juju_<identifier>_prometheus_scrape`,
// the `*` of a target replaced by each unit's address in a job of its own (`-<unit number>`),
// the topology and `juju_unit` as target labels.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../workflows/tests/harness/ports';

const HOW_TO_INSTALL = "run `npm run setup` (it installs Debian's prometheus package, which has promtool)";

export function prometheusTool(name: 'prometheus' | 'promtool'): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/bin')) {
    const file = path.join(dir, name);
    if (dir && existsSync(file)) return file;
  }
  throw new Error(`${name} is not installed: ${HOW_TO_INSTALL}`);
}

interface Topology {
  model: string;
  model_uuid: string;
  application: string;
  charm_name?: string;
}

/** The consumer's view of one relation: the app databag and each unit's databag. */
export function scrapeConfigsFromRelation(
  appData: Record<string, string>,
  unitData: Record<string, Record<string, string>>,
): object[] {
  const meta = JSON.parse(appData.scrape_metadata!) as Topology;
  const identifier = `${meta.model}_${meta.model_uuid.slice(0, 8)}_${meta.application}`;
  const labels = {
    juju_model: meta.model,
    juju_model_uuid: meta.model_uuid,
    juju_application: meta.application,
    ...(meta.charm_name ? { juju_charm: meta.charm_name } : {}),
  };
  const jobs = JSON.parse(appData.scrape_jobs!) as Array<Record<string, unknown>>;
  const out: object[] = [];
  for (const job of jobs) {
    const name = `juju_${identifier}_prometheus_scrape${job.job_name ? `_${String(job.job_name)}` : ''}`;
    for (const config of job.static_configs as Array<{ targets: string[] }>) {
      for (const data of Object.values(unitData)) {
        const unit = data.prometheus_scrape_unit_name;
        const address = data.prometheus_scrape_unit_address;
        if (!unit || !address) continue;
        out.push({
          ...job,
          job_name: `${name}-${unit.split('/')[1]}`,
          metrics_path: `${data.prometheus_scrape_unit_path ?? ''}${String(job.metrics_path ?? '/metrics')}`,
          scrape_interval: '1s',
          static_configs: [
            {
              targets: config.targets.map((target) => target.replace('*', address)),
              labels: { ...labels, juju_unit: unit },
            },
          ],
        });
      }
    }
  }
  return out;
}

export class RunningPrometheus {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly output: string[],
  ) {}

  static async start(scrapeConfigs: object[], ruleFile?: string): Promise<RunningPrometheus> {
    const binary = prometheusTool('prometheus');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        ...(ruleFile ? { rule_files: [ruleFile] } : {}),
        scrape_configs: scrapeConfigs,
      }),
    );
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const running = new RunningPrometheus(`http://127.0.0.1:${port}`, child, dir, output);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${output.join('')}`);
      const ready = await fetch(`${running.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return running;
      if (Date.now() > deadline) throw new Error(`prometheus not ready: ${output.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async api<T>(pathAndQuery: string): Promise<T> {
    const response = await fetch(`${this.url}/api/v1/${pathAndQuery}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${pathAndQuery}: ${body.error}`);
    return body.data;
  }

  /** Instant query: each series' labels and value. */
  async query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const data = await this.api<{
      result: Array<{ metric: Record<string, string>; value: [number, string] }>;
    }>(`query?query=${encodeURIComponent(promql)}`);
    return data.result;
  }

  async metricNames(): Promise<string[]> {
    return this.api<string[]>('label/__name__/values');
  }

  /** Polls `check` until it returns a value, or fails after `ms`. */
  async until<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`prometheus: ${what} did not happen in ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
