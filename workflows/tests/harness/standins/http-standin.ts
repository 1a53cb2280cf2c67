// The common part of every stand-in: an HTTP server on 127.0.0.1 (free port) that
// records each request it receives and answers through the service's own routes.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, still percent-encoded as sent. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** When it was received (Date.now()). */
  at: number;
}

export interface StandinResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and Buffers as they are; undefined sends no body. */
  body?: unknown;
  /** Never answers (the connection stays open until the client gives up or the stand-in stops). */
  hang?: boolean;
}

/** Returns undefined when the request is not one of its routes (the stand-in then answers 404). */
export type RequestHandler = (request: RecordedRequest) => StandinResponse | undefined;

/** A failure answered for a while: `until` is a time (Date.now()). */
export function during(
  until: number,
  response: StandinResponse,
  when: (request: RecordedRequest) => boolean = () => true,
): RequestHandler {
  return (request) => (Date.now() < until && when(request) ? response : undefined);
}

export interface HttpStandin {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Answers matching requests before the service's routes do (to inject failures); undefined passes on. */
  intercept(handler: RequestHandler): void;
  /** Removes every interceptor. */
  clearIntercepts(): void;
  /** Every answer waits this long first (a realistic service's latency). */
  setLatency(ms: number): void;
  /** Closes the port (connections refused) for `ms`, then listens on the same port again. */
  refuseConnectionsFor(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export function jsonBody<T = unknown>(request: RecordedRequest): T | undefined {
  if (request.body === '') return undefined;
  try {
    return JSON.parse(request.body) as T;
  } catch {
    return undefined;
  }
}

export async function startHttpStandin(
  name: string,
  routes: RequestHandler,
  notFound: (request: RecordedRequest) => StandinResponse = () => ({
    status: 404,
    body: { message: 'Not Found' },
  }),
): Promise<HttpStandin> {
  const requests: RecordedRequest[] = [];
  const interceptors: RequestHandler[] = [];
  let latencyMs = 0;
  let reopening: NodeJS.Timeout | undefined;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = new URL(req.url ?? '/', 'http://standin');
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        path: target.pathname,
        query: target.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(request);
      let response: StandinResponse;
      try {
        response =
          interceptors.map((handler) => handler(request)).find((answer) => answer !== undefined) ??
          routes(request) ??
          notFound(request);
      } catch (error) {
        response = { status: 500, body: { message: `${name} stand-in failed: ${String(error)}` } };
      }
      if (response.hang) return;
      const headers: Record<string, string> = { ...response.headers };
      let payload: string | Buffer | undefined;
      if (Buffer.isBuffer(response.body)) {
        payload = response.body;
        headers['content-type'] ??= 'application/octet-stream';
      } else if (typeof response.body === 'string') {
        payload = response.body;
        headers['content-type'] ??= 'text/plain; charset=utf-8';
      } else if (response.body !== undefined) {
        payload = JSON.stringify(response.body);
        headers['content-type'] ??= 'application/json';
      }
      const send = () => {
        res.writeHead(response.status, headers);
        res.end(payload);
      };
      if (latencyMs > 0) setTimeout(send, latencyMs);
      else send();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    intercept: (handler) => interceptors.push(handler),
    clearIntercepts: () => interceptors.splice(0),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    refuseConnectionsFor: async (ms) => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      reopening = setTimeout(() => server.listen(port, '127.0.0.1'), ms);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        clearTimeout(reopening);
        server.closeAllConnections();
        // Already closed when its connections are being refused.
        server.close(() => resolve());
      }),
  };
}
