import { TemporalDevServer } from '../harness/temporal';

jest.setTimeout(120_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

describe('the Temporal dev server harness', () => {
  it('serves its namespace, stops and comes back on the same address', async () => {
    const server = await TemporalDevServer.start();
    try {
      const client = await server.client();
      const first = await client.workflowService.describeNamespace({ namespace: server.namespace });
      expect(first.namespaceInfo?.name).toBe('default');
      await server.stop();
      await server.resume();
      const again = await server.client();
      const second = await again.workflowService.describeNamespace({ namespace: server.namespace });
      expect(second.namespaceInfo?.id).toBe(first.namespaceInfo?.id);
    } finally {
      await server.shutdown();
    }
  });
});
