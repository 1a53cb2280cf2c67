import type * as http from 'node:http';
import { type HealthSnapshot, boundPort, startHealthServer } from '../../../src/worker/health';

describe('the health endpoint', () => {
  let snapshot: HealthSnapshot;
  let server: http.Server;
  beforeAll(async () => {
    server = await startHealthServer(0, () => snapshot);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  const get = (route: string) => fetch(`http://127.0.0.1:${boundPort(server)}${route}`);

  it('answers 200 up when connected and polling', async () => {
    snapshot = { up: true, namespace: 'rocks', queue: 'q' };
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'up', namespace: 'rocks', queue: 'q' });
  });

  it('answers 503 down with the reason otherwise', async () => {
    snapshot = { up: false, error: 'connection refused', namespace: 'rocks', queue: 'q' };
    const response = await get('/health');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'down', error: 'connection refused' });
  });

  it('answers 200 alive on /live whether or not Temporal is reachable', async () => {
    snapshot = { up: false, error: 'connection refused', namespace: 'rocks', queue: 'q' };
    const response = await get('/live');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'alive' });
  });

  it('knows no other path', async () => {
    expect((await get('/other')).status).toBe(404);
  });
});
