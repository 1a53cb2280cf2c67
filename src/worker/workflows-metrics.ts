// The workflows package's own metrics (`oci_factory_*`): its activities record them in
// prom-client's default registry, which is the worker's own (shared-modules.ts), and the
// worker serves that registry for Prometheus beside the Temporal runtime's exporter.
import * as http from 'node:http';
import { getHeapStatistics } from 'node:v8';
import { Gauge, register } from 'prom-client';

export const WORKFLOWS_METRICS_PATH = '/metrics';

/**
 * The main isolate's V8 heap in use, read at each scrape, under prom-client's default name (its
 * collectDefaultMetrics would also start an event-loop timer and a dozen series nobody reads).
 */
function declareHeapUsed(): void {
  const name = 'nodejs_heap_size_used_bytes';
  if (register.getSingleMetric(name)) return;
  new Gauge({
    name,
    help: 'V8 heap used by the worker’s main isolate, in bytes.',
    collect() {
      this.set(getHeapStatistics().used_heap_size);
    },
  });
}

export async function startWorkflowsMetricsServer(address: string, port: number): Promise<http.Server> {
  declareHeapUsed();
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
