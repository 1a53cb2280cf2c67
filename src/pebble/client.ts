// A typed client of Pebble's HTTP API over its unix socket (docs/juju-pebble-contract.md §4), in the
// manner of ops.pebble.Client: one request helper that parses the response envelope
// and maps failures to PebbleConnectionError / PebbleAPIError / PebbleChangeError.
import * as http from 'node:http';
import { boundaryOf, decodeMultipart, encodeMultipart, newBoundary, type OutgoingPart } from './multipart';
import {
  PebbleAPIError,
  PebbleChangeError,
  PebbleConnectionError,
  type CheckInfo,
  type FileInfo,
  type FileToPush,
  type Layer,
  type MakeDirOptions,
  type Pebble,
  type ServiceInfo,
} from './types';
import { loadYaml } from '../yaml';

export interface PebbleClientOptions {
  /** Socket timeout of each request (ops: 5 s). */
  requestTimeoutMs?: number;
  /** Default overall deadline for waiting on a change (ops: 30 s). */
  changeTimeoutMs?: number;
}

interface Envelope {
  type: 'sync' | 'async' | 'error';
  'status-code': number;
  status: string;
  result?: unknown;
  change?: string;
}

interface RawResponse {
  statusCode: number;
  contentType: string;
  body: Buffer;
}

interface RequestOptions {
  query?: Record<string, string | undefined>;
  /** A sequence of chunks is sent chunked, each once the one before has left (see writeChunks). */
  body?: Buffer | Iterable<Buffer>;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
}

interface Task {
  kind: string;
  summary: string;
  status: string;
  log?: string[];
}

interface Change {
  id: string;
  kind: string;
  summary: string;
  status: string;
  ready: boolean;
  err?: string;
  tasks?: Task[];
}

interface PathResult {
  path: string;
  error?: { message: string; kind?: string };
}

type ServicesAction = 'replan' | 'start' | 'stop' | 'restart';

const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
const DEFAULT_CHANGE_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;

/** Go duration string as ops formats it: seconds with three decimals. */
function goDuration(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

export class PebbleClient implements Pebble {
  /** HTTP requests made so far (the benchmark reports it per hook). */
  requestCount = 0;
  private readonly requestTimeoutMs: number;
  private readonly changeTimeoutMs: number;

  constructor(
    readonly socketPath: string,
    options: PebbleClientOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.changeTimeoutMs = options.changeTimeoutMs ?? DEFAULT_CHANGE_TIMEOUT_MS;
  }

  async systemInfo(): Promise<{ version: string; 'boot-id': string }> {
    return (await this.sync('GET', '/v1/system-info')) as { version: string; 'boot-id': string };
  }

  /** `POST /v1/notices`: records a custom notice (the worker tells Juju its status changed). */
  async addCustomNotice(key: string): Promise<void> {
    await this.sync('POST', '/v1/notices', {
      body: json({ action: 'add', type: 'custom', key }),
      timeoutMs: 2_000,
    });
  }

  async getPlan(): Promise<Layer> {
    const yaml = (await this.sync('GET', '/v1/plan', { query: { format: 'yaml' } })) as string;
    return (loadYaml().parse(yaml) as Layer | null) ?? {};
  }

  async addLayer(label: string, layer: Layer): Promise<void> {
    await this.sync('POST', '/v1/layers', {
      body: json({ action: 'add', combine: true, label, format: 'yaml', layer: loadYaml().stringify(layer) }),
    });
  }

  async replan(timeoutMs?: number): Promise<void> {
    await this.servicesAction('replan', [], timeoutMs);
  }

  async startServices(names: string[], timeoutMs?: number): Promise<void> {
    await this.servicesAction('start', names, timeoutMs);
  }

  async stopServices(names: string[], timeoutMs?: number): Promise<void> {
    await this.servicesAction('stop', names, timeoutMs);
  }

  async restartServices(names: string[], timeoutMs?: number): Promise<void> {
    await this.servicesAction('restart', names, timeoutMs);
  }

  async getServices(names?: string[]): Promise<ServiceInfo[]> {
    const query = { names: names?.length ? names.join(',') : undefined };
    return ((await this.sync('GET', '/v1/services', { query })) as ServiceInfo[] | null) ?? [];
  }

  async getChecks(names?: string[]): Promise<CheckInfo[]> {
    const query = { names: names?.length ? names.join(',') : undefined };
    const checks = ((await this.sync('GET', '/v1/checks', { query })) as CheckInfo[] | null) ?? [];
    // Pebble leaves `failures` out when it is zero.
    return checks.map((check) => ({ ...check, failures: check.failures ?? 0 }));
  }

  async push(files: FileToPush[]): Promise<void> {
    if (files.length === 0) return;
    const metadata = {
      action: 'write',
      files: files.map((file) => ({
        path: file.path,
        ...(file.makeDirs ? { 'make-dirs': true } : {}),
        ...(file.permissions ? { permissions: file.permissions } : {}),
        ...(file.user ? { user: file.user } : {}),
        ...(file.group ? { group: file.group } : {}),
      })),
    };
    const parts: OutgoingPart[] = [
      { name: 'request', contentType: 'application/json', body: json(metadata) },
      ...files.map((file) => ({
        name: 'files',
        filename: file.path,
        contentType: 'application/octet-stream',
        body: typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content,
      })),
    ];
    const boundary = newBoundary();
    const result = await this.sync('POST', '/v1/files', {
      body: encodeMultipart(parts, boundary),
      contentType: `multipart/form-data; boundary="${boundary}"`,
    });
    throwOnPathErrors('write', result as PathResult[]);
  }

  async pull(path: string): Promise<Buffer | null> {
    const response = await this.request('GET', '/v1/files', {
      query: { action: 'read', path },
      accept: 'multipart/form-data',
    });
    const boundary = boundaryOf(response.contentType);
    if (boundary === null) {
      // Errors before any file is read (e.g. a relative path) come back as a JSON envelope.
      this.parseEnvelope('GET /v1/files', response);
      throw new Error(`Pebble answered a file read with content type '${response.contentType}'`);
    }
    const parts = decodeMultipart(response.body, boundary);
    const summary = parts.find((part) => part.name === 'response');
    if (!summary) throw new Error(`Pebble's answer to reading '${path}' has no response part`);
    const envelope = JSON.parse(summary.body.toString('utf8')) as Envelope;
    const results = (envelope.result ?? []) as PathResult[];
    const error = results.find((entry) => entry.path === path)?.error;
    if (error?.kind === 'not-found') return null;
    throwOnPathErrors('read', results);
    const file = parts.find((part) => part.name === 'files' && part.filename === path);
    if (!file) throw new Error(`Pebble's answer to reading '${path}' has no content for it`);
    return Buffer.from(file.body);
  }

  async listFiles(path: string): Promise<FileInfo[]> {
    return (
      ((await this.sync('GET', '/v1/files', { query: { action: 'list', path } })) as FileInfo[] | null) ?? []
    );
  }

  async makeDir(path: string, options: MakeDirOptions = {}): Promise<void> {
    const dir = {
      path,
      ...(options.makeParents ? { 'make-parents': true } : {}),
      ...(options.permissions ? { permissions: options.permissions } : {}),
      ...(options.user ? { user: options.user } : {}),
      ...(options.group ? { group: options.group } : {}),
    };
    const result = await this.sync('POST', '/v1/files', { body: json({ action: 'make-dirs', dirs: [dir] }) });
    throwOnPathErrors('make directory', result as PathResult[]);
  }

  async remove(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    const entry = { path, ...(options.recursive ? { recursive: true } : {}) };
    const result = await this.sync('POST', '/v1/files', { body: json({ action: 'remove', paths: [entry] }) });
    throwOnPathErrors('remove', result as PathResult[]);
  }

  private async servicesAction(
    action: ServicesAction,
    services: string[],
    timeoutMs?: number,
  ): Promise<void> {
    const response = await this.request('POST', '/v1/services', { body: json({ action, services }) });
    const envelope = this.parseEnvelope('POST /v1/services', response);
    if (envelope.type !== 'async' || !envelope.change) {
      throw new Error(`Pebble answered ${action} without a change id`);
    }
    await this.waitChange(envelope.change, timeoutMs ?? this.changeTimeoutMs);
  }

  private async waitChange(changeId: string, timeoutMs: number): Promise<Change> {
    const deadline = Date.now() + timeoutMs;
    let change: Change | undefined;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const waitMs = Math.min(remaining, this.requestTimeoutMs - 1000);
      try {
        change = (await this.sync('GET', `/v1/changes/${changeId}/wait`, {
          query: { timeout: goDuration(waitMs) },
        })) as Change;
        break;
      } catch (err) {
        if (err instanceof PebbleAPIError && err.statusCode === 504) continue;
        if (err instanceof PebbleAPIError && err.statusCode === 404) {
          change = await this.pollChange(changeId, deadline);
          break;
        }
        throw err;
      }
    }
    if (!change?.ready) {
      throw new PebbleChangeError(
        changeId,
        `change ${changeId}${change ? ` (${change.summary})` : ''} was not ready after ${timeoutMs / 1000} s`,
      );
    }
    if (change.err) throw new PebbleChangeError(changeId, describeFailedChange(change));
    return change;
  }

  // Pebble without the /wait endpoint (ops treats its 404 the same way).
  private async pollChange(changeId: string, deadline: number): Promise<Change | undefined> {
    let change: Change | undefined;
    while (Date.now() < deadline) {
      change = (await this.sync('GET', `/v1/changes/${changeId}`)) as Change;
      if (change.ready) return change;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    return change;
  }

  private async sync(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const response = await this.request(method, path, {
      ...options,
      contentType: options.contentType ?? (options.body ? 'application/json' : undefined),
    });
    return this.parseEnvelope(`${method} ${path}`, response).result;
  }

  private parseEnvelope(what: string, response: RawResponse): Envelope {
    if (!/^application\/json\b/i.test(response.contentType)) {
      throw new PebbleAPIError(
        response.statusCode,
        `${what}: expected a JSON answer, got content type '${response.contentType}'`,
      );
    }
    let envelope: Envelope;
    try {
      envelope = JSON.parse(response.body.toString('utf8')) as Envelope;
    } catch {
      throw new PebbleAPIError(response.statusCode, `${what}: Pebble's answer is not valid JSON`);
    }
    if (response.statusCode >= 400 || envelope.type === 'error') {
      const result = (envelope.result ?? {}) as { message?: string; kind?: string };
      throw new PebbleAPIError(
        response.statusCode,
        result.message ?? `${what} failed with HTTP ${response.statusCode}`,
        result.kind,
      );
    }
    return envelope;
  }

  private request(method: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    this.requestCount += 1;
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(key, value);
    }
    const search = query.size ? `?${query.toString()}` : '';
    const headers: Record<string, string | number> = { Accept: options.accept ?? 'application/json' };
    if (options.body) headers['Content-Type'] = options.contentType ?? 'application/json';
    if (Buffer.isBuffer(options.body)) headers['Content-Length'] = options.body.length;
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          socketPath: this.socketPath,
          method,
          path: path + search,
          headers,
          agent: false,
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (err) => reject(this.connectionError(err)));
          response.on('end', () =>
            resolve({
              statusCode: response.statusCode ?? 0,
              contentType: response.headers['content-type'] ?? '',
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      request.on('timeout', () => {
        request.destroy(
          new PebbleConnectionError(
            `Pebble at '${this.socketPath}' did not answer ${method} ${path} within ${timeoutMs / 1000} s`,
          ),
        );
      });
      // A local file that cannot be read fails the request with its own error, not as Pebble's.
      let bodyError: Error | undefined;
      request.on('error', (err) => reject(bodyError ?? this.connectionError(err)));
      const body = options.body;
      if (body === undefined || Buffer.isBuffer(body)) {
        request.end(body);
        return;
      }
      writeChunks(request, body).catch((err: Error) => {
        bodyError = err;
        request.destroy(err);
      });
    });
  }

  private connectionError(err: Error): PebbleConnectionError {
    if (err instanceof PebbleConnectionError) return err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return new PebbleConnectionError(
        `cannot connect to Pebble: socket not found at '${this.socketPath}' (container restarted?)`,
      );
    }
    return new PebbleConnectionError(`cannot connect to Pebble at '${this.socketPath}': ${err.message}`);
  }
}

/**
 * Writes each chunk only once the one before has left the process, so the producer may reuse
 * its buffer. Only the producer throws: a failed write surfaces as the request's own error.
 */
async function writeChunks(request: http.ClientRequest, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (request.destroyed) return;
    await new Promise((resolve) => request.write(chunk, resolve));
  }
  request.end();
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function throwOnPathErrors(action: string, results: PathResult[] | null): void {
  const failed = (results ?? []).filter((entry) => entry.error);
  if (failed.length === 0) return;
  const message = failed
    .map((entry) => `cannot ${action} '${entry.path}': ${entry.error!.message}`)
    .join('; ');
  throw new PebbleAPIError(200, message, failed[0]!.error!.kind);
}

// Pebble's err reads "cannot perform the following tasks:\n- Start service "x" (reason)".
// The message leads with the failed tasks and their reasons on one line (callers show
// the first line in a status), then keeps Pebble's err and the task logs, as ops does.
function describeFailedChange(change: Change): string {
  const err = change.err ?? '';
  const failures = [...err.matchAll(/^- (.+?) \((.+)\)$/gm)].map((match) => `${match[1]}: ${match[2]}`);
  const lines = failures.length ? [failures.join('; '), err] : [err];
  (change.tasks ?? []).forEach((task, index) => {
    if (task.log?.length) lines.push(`----- Logs from task ${index} (${task.summary}) -----`, ...task.log);
  });
  return lines.join('\n');
}
