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
}

export interface StandinResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are; undefined sends no body. */
  body?: unknown;
}

/** Returns undefined when the request is not one of its routes (the stand-in then answers 404). */
export type RequestHandler = (request: RecordedRequest) => StandinResponse | undefined;

export interface HttpStandin {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Answers matching requests before the service's routes do (to inject failures); undefined passes on. */
  intercept(handler: RequestHandler): void;
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
      const headers: Record<string, string> = { ...response.headers };
      let payload: string | undefined;
      if (typeof response.body === 'string') {
        payload = response.body;
        headers['content-type'] ??= 'text/plain; charset=utf-8';
      } else if (response.body !== undefined) {
        payload = JSON.stringify(response.body);
        headers['content-type'] ??= 'application/json';
      }
      res.writeHead(response.status, headers);
      res.end(payload);
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
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
