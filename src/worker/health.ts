// The Pebble checks' endpoints. Readiness, /health: 200 {"status":"up"} only when connected
// and polling, 503 {"status":"down","error":…} otherwise. Liveness, /live: 200 whenever the
// process answers at all (an unreachable Temporal is no reason to restart it).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HEALTH_PATH, LIVE_PATH } from '../contract/container';

export interface HealthSnapshot {
  up: boolean;
  /** Why the worker is not up; never holds a secret. */
  error?: string;
  namespace: string;
  queue: string;
}

export async function startHealthServer(port: number, snapshot: () => HealthSnapshot): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const route = request.url?.split('?')[0];
    if (request.method === 'GET' && route === LIVE_PATH) {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"alive"}');
      return;
    }
    if (request.method !== 'GET' || route !== HEALTH_PATH) {
      response.writeHead(404).end();
      return;
    }
    const health = snapshot();
    const body = health.up
      ? { status: 'up', namespace: health.namespace, queue: health.queue }
      : {
          status: 'down',
          error: health.error ?? 'unknown',
          namespace: health.namespace,
          queue: health.queue,
        };
    response.writeHead(health.up ? 200 : 503, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

export function boundPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
