// A local stand-in for Loki's push API (POST /loki/api/v1/push, the JSON body Pebble's loki
// log target sends: `{"streams": [{"stream": {labels}, "values": [[ns, line], …]}]}`), on a
// free loopback port, keeping every line with its labels.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushedLine {
  labels: Record<string, string>;
  line: string;
}

export class LokiReceiver {
  readonly lines: PushedLine[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<LokiReceiver> {
    const server = createServer();
    const receiver = new LokiReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method !== 'POST' || request.url !== '/loki/api/v1/push') {
          response.writeHead(404).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }>;
        };
        for (const stream of body.streams) {
          for (const [, line] of stream.values) receiver.lines.push({ labels: stream.stream, line });
        }
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get pushUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/loki/api/v1/push`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}
