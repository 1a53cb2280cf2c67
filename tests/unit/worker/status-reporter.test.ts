import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { StatusReporter } from '../../../src/worker/status-reporter';
import { STATUS_NOTICE_KEY } from '../../../src/contract/container';

describe('StatusReporter', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'status-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rewrites the status file and records a Pebble custom notice on every change', async () => {
    const socketPath = path.join(dir, 'pebble.socket');
    const notices: unknown[] = [];
    const pebble = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        notices.push({ method: request.method, url: request.url, body: JSON.parse(body) });
        response
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end('{"type":"sync","result":{"id":"1"}}');
      });
    });
    await new Promise<void>((resolve) => pebble.listen(socketPath, resolve));
    try {
      const statusFile = path.join(dir, 'status.json');
      const reporter = new StatusReporter({
        namespace: 'rocks',
        queue: 'oci-factory',
        statusFile,
        pebbleSocket: socketPath,
        logger: pino({ level: 'silent' }),
      });
      await reporter.set('starting', 'worker starting');
      await reporter.set('up', "worker listening to namespace 'rocks' on queue 'oci-factory'");
      await reporter.set('up', "worker listening to namespace 'rocks' on queue 'oci-factory'");

      expect(JSON.parse(readFileSync(statusFile, 'utf8'))).toMatchObject({
        state: 'up',
        message: "worker listening to namespace 'rocks' on queue 'oci-factory'",
        namespace: 'rocks',
        queue: 'oci-factory',
        pid: process.pid,
      });
      const notice = {
        method: 'POST',
        url: '/v1/notices',
        body: { action: 'add', type: 'custom', key: STATUS_NOTICE_KEY },
      };
      expect(notices).toEqual([notice, notice]);
    } finally {
      await new Promise((resolve) => pebble.close(resolve));
    }
  });

  it('carries on when Pebble is not there', async () => {
    const reporter = new StatusReporter({
      namespace: 'n',
      queue: 'q',
      pebbleSocket: path.join(dir, 'missing.socket'),
      logger: pino({ level: 'silent' }),
    });
    await reporter.set('down', 'worker not connected: x');
    expect(reporter.state).toBe('down');
  });
});
