// The workflows' metrics endpoint serves the registry, with the main isolate's heap.
import type { AddressInfo } from 'node:net';
import { startWorkflowsMetricsServer, WORKFLOWS_METRICS_PATH } from '../../../src/worker/workflows-metrics';

test('serves the main isolate’s heap used and held, in all and by space, read at the scrape', async () => {
  const server = await startWorkflowsMetricsServer('127.0.0.1', 0);
  try {
    const { port } = server.address() as AddressInfo;
    const text = await (await fetch(`http://127.0.0.1:${port}${WORKFLOWS_METRICS_PATH}`)).text();
    const used = Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(text)?.[1]);
    expect(used).toBeGreaterThan(1024 * 1024);
    const held = Number(/^nodejs_heap_size_total_bytes (\d+)$/m.exec(text)?.[1]);
    expect(held).toBeGreaterThanOrEqual(used);
    const oldSpaceHeld = Number(/^nodejs_heap_space_size_total_bytes\{space="old"\} (\d+)$/m.exec(text)?.[1]);
    const newSpaceUsed = Number(/^nodejs_heap_space_size_used_bytes\{space="new"\} (\d+)$/m.exec(text)?.[1]);
    expect(oldSpaceHeld).toBeGreaterThan(0);
    expect(newSpaceUsed).toBeGreaterThanOrEqual(0);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
