// The workflows package's own metrics (`oci_factory_*`): its activities record them in
// prom-client's default registry, which is the worker's own (shared-modules.ts), and the
// worker serves that registry for Prometheus beside the Temporal runtime's exporter.
import * as http from 'node:http';
import { getHeapSpaceStatistics, getHeapStatistics, type HeapSpaceInfo } from 'node:v8';
import { Gauge, register } from 'prom-client';

export const WORKFLOWS_METRICS_PATH = '/metrics';

/**
 * The main isolate's V8 heap, read at each scrape, under prom-client's default names (its
 * collectDefaultMetrics would also start an event-loop timer and a dozen series nobody reads):
 * in use and held, in all and by space. What V8 holds beyond what it uses shows where a worker's
 * RSS goes (docs/soak.md §5).
 */
function declareHeapMetrics(): void {
  if (register.getSingleMetric('nodejs_heap_size_used_bytes')) return;
  new Gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'V8 heap used by the worker’s main isolate, in bytes.',
    collect() {
      this.set(getHeapStatistics().used_heap_size);
    },
  });
  new Gauge({
    name: 'nodejs_heap_size_total_bytes',
    help: 'V8 heap held by the worker’s main isolate, in bytes.',
    collect() {
      this.set(getHeapStatistics().total_heap_size);
    },
  });
  for (const [name, of] of [
    ['nodejs_heap_space_size_used_bytes', (space: HeapSpaceInfo) => space.space_used_size],
    ['nodejs_heap_space_size_total_bytes', (space: HeapSpaceInfo) => space.space_size],
  ] as const) {
    new Gauge({
      name,
      help: `V8 heap ${name.includes('used') ? 'used' : 'held'} by the worker’s main isolate, by space, in bytes.`,
      labelNames: ['space'],
      collect() {
        for (const space of getHeapSpaceStatistics()) {
          this.set({ space: space.space_name.replace(/_space$/, '') }, of(space));
        }
      },
    });
  }
}

export async function startWorkflowsMetricsServer(address: string, port: number): Promise<http.Server> {
  declareHeapMetrics();
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== WORKFLOWS_METRICS_PATH) {
      response.writeHead(404).end();
      return;
    }
    register.metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': register.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return server;
}
