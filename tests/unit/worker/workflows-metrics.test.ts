// The workflows' metrics endpoint serves the registry, with the main isolate's heap in use.
import type { AddressInfo } from 'node:net';
import { startWorkflowsMetricsServer, WORKFLOWS_METRICS_PATH } from '../../../src/worker/workflows-metrics';

test('serves nodejs_heap_size_used_bytes, read at the scrape', async () => {
  const server = await startWorkflowsMetricsServer('127.0.0.1', 0);
  try {
    const { port } = server.address() as AddressInfo;
    const text = await (await fetch(`http://127.0.0.1:${port}${WORKFLOWS_METRICS_PATH}`)).text();
    const used = Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(text)?.[1]);
    expect(used).toBeGreaterThan(1024 * 1024);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
