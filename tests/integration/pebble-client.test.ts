// PebbleClient against a real Pebble daemon (tests/harness/pebble.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  PebbleAPIError,
  PebbleChangeError,
  PebbleClient,
  PebbleConnectionError,
  type Layer,
} from '../../src/pebble';
import { startPebble, type RunningPebble } from '../harness/pebble';

// The project-level testTimeout in jest.config.js is not applied (it is a global option).
jest.setTimeout(60_000);

const SLEEPER: Layer = {
  summary: 'test layer',
  services: {
    sleeper: { override: 'replace', command: '/bin/sleep 600', startup: 'enabled', 'kill-delay': '1s' },
  },
  checks: {
    sleeper: { override: 'replace', level: 'alive', period: '10s', exec: { command: '/bin/true' } },
  },
};

describe('PebbleClient against a real Pebble', () => {
  let pebble: RunningPebble;
  let client: PebbleClient;
  let filesDir: string;

  beforeAll(async () => {
    pebble = await startPebble();
    client = new PebbleClient(pebble.socketPath);
    filesDir = mkdtempSync(path.join(os.tmpdir(), 'pebble-files-'));
  });

  afterAll(async () => {
    await pebble?.stop();
    rmSync(filesDir, { recursive: true, force: true });
  });

  it('answers system-info', async () => {
    const info = await client.systemInfo();

    expect(info.version).toMatch(/^v?\d+\.\d+/);
    expect(info['boot-id']).toBeTruthy();
  });

  it('adds a layer and reads it back in the combined plan', async () => {
    await client.addLayer('test', SLEEPER);

    const plan = await client.getPlan();

    expect(plan.services?.sleeper).toMatchObject({
      override: 'replace',
      command: '/bin/sleep 600',
      startup: 'enabled',
    });
    expect(plan.checks?.sleeper).toMatchObject({ level: 'alive', exec: { command: '/bin/true' } });
  });

  it('replans, starting the enabled service, and waits for the change', async () => {
    await client.replan();

    await expect(client.getServices(['sleeper'])).resolves.toEqual([
      expect.objectContaining({ name: 'sleeper', startup: 'enabled', current: 'active' }),
    ]);
  });

  it('stops, starts and restarts services, waiting on each change', async () => {
    await client.stopServices(['sleeper']);
    expect((await client.getServices(['sleeper']))[0]?.current).toBe('inactive');

    await client.startServices(['sleeper']);
    expect((await client.getServices(['sleeper']))[0]?.current).toBe('active');

    const since = async () =>
      ((await client.getServices(['sleeper']))[0] as unknown as { 'current-since': string })['current-since'];
    const before = await since();
    await client.restartServices(['sleeper']);
    expect((await client.getServices(['sleeper']))[0]?.current).toBe('active');
    expect(await since()).not.toEqual(before);
  });

  it('keeps waiting across several /wait rounds for a change slower than one request', async () => {
    // Ignores SIGTERM, so stopping it lasts the whole 6 s kill-delay: more than one 4 s wait.
    await client.addLayer('stubborn', {
      services: {
        stubborn: {
          override: 'replace',
          command: `/bin/sh -c 'trap "" TERM; exec /bin/sleep 600'`,
          'kill-delay': '6s',
        },
      },
    });
    await client.startServices(['stubborn']);
    const requestsBefore = client.requestCount;

    await client.stopServices(['stubborn']);

    expect(client.requestCount - requestsBefore).toBeGreaterThanOrEqual(3);
    expect((await client.getServices(['stubborn']))[0]?.current).toBe('inactive');
  });

  it('gives up with PebbleChangeError at the overall deadline', async () => {
    await client.startServices(['stubborn']);

    const error = await client.stopServices(['stubborn'], 1000).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(PebbleChangeError);
    expect((error as Error).message).toMatch(/was not ready after 1 s/);
  });

  it('lists checks', async () => {
    const checks = await client.getChecks();

    expect(checks).toEqual([
      expect.objectContaining({ name: 'sleeper', level: 'alive', threshold: 3, failures: 0 }),
    ]);
    expect(['up', 'down']).toContain(checks[0]!.status);
  });

  it('throws PebbleChangeError with the task log when a service exits at once', async () => {
    await client.addLayer('quitter', {
      services: { quitter: { override: 'replace', command: '/bin/sh -c "echo bye; exit 3"' } },
    });

    const error = await client.startServices(['quitter']).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(PebbleChangeError);
    expect((error as PebbleChangeError).message.split('\n')[0]).toMatch(
      /^Start service "quitter": .*exited quickly with code 3/,
    );
    expect((error as PebbleChangeError).message).toContain('cannot perform the following tasks:');
    expect((error as PebbleChangeError).message).toMatch(/Logs from task 0[\s\S]*bye/);
    expect((error as PebbleChangeError).changeId).toMatch(/^\d+$/);
  });

  it('pushes several files in one request with permissions and parent dirs, then pulls, lists and removes them', async () => {
    const dir = path.join(filesDir, 'a', 'b');
    const binary = Buffer.from([0, 1, 2, 255, 13, 10, 45, 45]);
    const requestsBefore = client.requestCount;

    await client.push([
      { path: `${dir}/secrets.json`, content: '{"KEY":"value"}', permissions: '600', makeDirs: true },
      { path: `${dir}/blob.bin`, content: binary, makeDirs: true },
    ]);

    expect(client.requestCount - requestsBefore).toBe(1);
    expect(statSync(`${dir}/secrets.json`).mode & 0o777).toBe(0o600);
    await expect(client.pull(`${dir}/secrets.json`)).resolves.toEqual(Buffer.from('{"KEY":"value"}'));
    await expect(client.pull(`${dir}/blob.bin`)).resolves.toEqual(binary);
    const listing = await client.listFiles(dir);
    expect(listing.map((file) => [file.name, file.type, file.permissions]).sort()).toEqual([
      ['blob.bin', 'file', '644'],
      ['secrets.json', 'file', '600'],
    ]);

    await client.remove(`${dir}/blob.bin`);
    expect((await client.listFiles(dir)).map((file) => file.name)).toEqual(['secrets.json']);
    await client.remove(path.join(filesDir, 'a'), { recursive: true });
    await expect(client.listFiles(dir)).rejects.toMatchObject({ statusCode: 404, kind: 'not-found' });
  });

  it('streams local files into the push, beside in-memory content, in one request', async () => {
    const dir = path.join(filesDir, 'streamed');
    const local = path.join(filesDir, 'local-source.bin');
    // Larger than a read stream's chunk and than a socket buffer: the body goes out in many writes.
    const large = Buffer.alloc(5 * 1024 * 1024 + 17);
    for (let i = 0; i < large.length; i += 4096) large.writeUInt32BE((i * 2654435761) >>> 0, i);
    writeFileSync(local, large);
    const requestsBefore = client.requestCount;

    await client.push([
      { path: `${dir}/large.bin`, content: { localPath: local }, makeDirs: true },
      { path: `${dir}/small.txt`, content: 'after the stream', makeDirs: true },
    ]);

    expect(client.requestCount - requestsBefore).toBe(1);
    expect(readFileSync(`${dir}/large.bin`).equals(large)).toBe(true);
    expect(readFileSync(`${dir}/small.txt`, 'utf8')).toBe('after the stream');
  });

  it("fails a push whose local file cannot be read with the file's own error, writing nothing of it", async () => {
    const missing = path.join(filesDir, 'no-such-source.bin');
    const target = path.join(filesDir, 'never', 'written.bin');

    const error = await client
      .push([{ path: target, content: { localPath: missing }, makeDirs: true }])
      .catch((err: unknown) => err);

    expect(error).not.toBeInstanceOf(PebbleConnectionError);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((error as Error).message).toContain(missing);
    expect(existsSync(target)).toBe(false);
    // The client is still usable: the failed request took no state with it.
    await expect(client.systemInfo()).resolves.toMatchObject({ version: expect.any(String) });
  });

  it('makes directories with the given permissions', async () => {
    const dir = path.join(filesDir, 'x', 'y');

    await client.makeDir(dir, { makeParents: true, permissions: '750' });

    expect(statSync(dir).mode & 0o777).toBe(0o750);
  });

  it('returns null when pulling a missing file', async () => {
    await expect(client.pull(path.join(filesDir, 'missing.txt'))).resolves.toBeNull();
  });

  it('reports per-path push errors', async () => {
    const error = await client
      .push([{ path: path.join(filesDir, 'no', 'such', 'dir', 'f.txt'), content: 'x' }])
      .catch((err: unknown) => err);

    expect(error).toBeInstanceOf(PebbleAPIError);
    expect((error as PebbleAPIError).message).toMatch(/cannot write .*f\.txt/);
  });

  it('raises PebbleAPIError with status and kind for API errors', async () => {
    const error = await client.listFiles(path.join(filesDir, 'nope')).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(PebbleAPIError);
    expect(error).toMatchObject({ statusCode: 404, kind: 'not-found' });

    const badLayer = await client
      .addLayer('bad', { services: { x: { command: '/bin/true' } as never } })
      .catch((err: unknown) => err);
    expect(badLayer).toBeInstanceOf(PebbleAPIError);
    expect(badLayer).toMatchObject({ statusCode: 400 });
    expect((badLayer as Error).message).toMatch(/override/);
  });

  it('raises PebbleConnectionError when the socket is missing', async () => {
    const missing = new PebbleClient(path.join(pebble.containersDir, 'gone', 'pebble.socket'));

    const error = await missing.systemInfo().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(PebbleConnectionError);
    expect((error as Error).message).toBe(
      `cannot connect to Pebble: socket not found at '${path.join(pebble.containersDir, 'gone', 'pebble.socket')}' (container restarted?)`,
    );
  });
});

describe('PebbleClient after Pebble stopped', () => {
  it('raises PebbleConnectionError', async () => {
    const pebble = await startPebble();
    const client = new PebbleClient(pebble.socketPath);
    await client.systemInfo();

    await pebble.stop();

    await expect(client.systemInfo()).rejects.toBeInstanceOf(PebbleConnectionError);
  });
});

// Answers a real Pebble never gives here (an old daemon without /wait, a stale socket
// file), served by a stub on a unix socket.
describe('PebbleClient protocol edge cases', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pebble-stub-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function serve(handler: http.RequestListener): Promise<{ socketPath: string; close(): Promise<void> }> {
    const socketPath = path.join(dir, 'pebble.socket');
    const server = http.createServer(handler);
    return new Promise((resolve) =>
      server.listen(socketPath, () =>
        resolve({ socketPath, close: () => new Promise((done) => server.close(() => done())) }),
      ),
    );
  }

  function reply(response: http.ServerResponse, status: number, body: unknown) {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  it('polls the change when /wait is not there (404), as ops does', async () => {
    let polls = 0;
    const stub = await serve((request, response) => {
      if (request.method === 'POST' && request.url === '/v1/services') {
        return reply(response, 202, { type: 'async', 'status-code': 202, status: 'Accepted', change: '7' });
      }
      if (request.url?.startsWith('/v1/changes/7/wait')) {
        return reply(response, 404, { type: 'error', 'status-code': 404, result: { message: 'not found' } });
      }
      if (request.url === '/v1/changes/7') {
        polls += 1;
        const ready = polls >= 2;
        return reply(response, 200, {
          type: 'sync',
          'status-code': 200,
          result: { id: '7', kind: 'restart', summary: 'Restart', status: ready ? 'Done' : 'Doing', ready },
        });
      }
      reply(response, 500, { type: 'error', result: { message: `unexpected ${request.url}` } });
    });
    try {
      await new PebbleClient(stub.socketPath).restartServices(['svc']);

      expect(polls).toBe(2);
    } finally {
      await stub.close();
    }
  });

  it('rejects an answer that is not JSON', async () => {
    const stub = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<html></html>');
    });
    try {
      await expect(new PebbleClient(stub.socketPath).systemInfo()).rejects.toThrow(/expected a JSON answer/);
    } finally {
      await stub.close();
    }
  });

  it('sends Accept: application/json and JSON bodies', async () => {
    const seen: { accept?: string; contentType?: string; body: string }[] = [];
    const stub = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ accept: request.headers.accept, contentType: request.headers['content-type'], body });
        reply(response, 200, { type: 'sync', 'status-code': 200, result: true });
      });
    });
    try {
      await new PebbleClient(stub.socketPath).addLayer('label', { services: {} });

      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ accept: 'application/json', contentType: 'application/json' });
      expect(JSON.parse(seen[0]!.body)).toMatchObject({
        action: 'add',
        combine: true,
        label: 'label',
        format: 'yaml',
      });
    } finally {
      await stub.close();
    }
  });

  it('raises PebbleConnectionError when nothing listens on the socket path', async () => {
    const socketPath = path.join(dir, 'stale.socket');
    writeFileSync(socketPath, '');

    const error = await new PebbleClient(socketPath).systemInfo().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(PebbleConnectionError);
    expect((error as Error).message).toMatch(
      /^cannot connect to Pebble at '.*stale\.socket': .*ECONNREFUSED/,
    );
  });
});
