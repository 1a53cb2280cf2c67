// Pebble's HTTP API as the charm sees it. `src/pebble/client.ts` implements it over
// the unix socket; tests use an in-memory fake. Nothing else opens sockets.

export interface ServiceLayer {
  override: 'merge' | 'replace';
  command?: string;
  summary?: string;
  startup?: 'enabled' | 'disabled';
  environment?: Record<string, string>;
  'working-dir'?: string;
  /** Who the service runs as (docs/juju-pebble-contract.md §4.7); an unknown name fails its start. */
  user?: string;
  group?: string;
  'kill-delay'?: string;
  'backoff-delay'?: string;
  'backoff-limit'?: string;
  'on-check-failure'?: Record<string, 'restart' | 'shutdown' | 'success-shutdown' | 'ignore'>;
}

export interface CheckLayer {
  override: 'merge' | 'replace';
  level?: 'alive' | 'ready';
  startup?: 'enabled' | 'disabled';
  period?: string;
  timeout?: string;
  threshold?: number;
  http?: { url: string; headers?: Record<string, string> };
  tcp?: { port: number; host?: string };
  exec?: { command: string };
}

export interface Layer {
  summary?: string;
  description?: string;
  services?: Record<string, ServiceLayer>;
  checks?: Record<string, CheckLayer>;
  'log-targets'?: Record<string, LogTargetLayer>;
}

/** A log target (docs/juju-pebble-contract.md §4.9): where Pebble forwards services' output. */
export interface LogTargetLayer {
  override: 'merge' | 'replace';
  type: 'loki' | 'syslog' | 'opentelemetry';
  location: string;
  /** Service names, `all`; `-name` or `-all` removes them. */
  services: string[];
  labels?: Record<string, string>;
}

export interface ServiceInfo {
  name: string;
  startup: 'enabled' | 'disabled';
  current: 'active' | 'inactive' | 'backoff' | 'error';
}

export interface CheckInfo {
  name: string;
  level?: string;
  status: 'up' | 'down' | 'inactive';
  failures: number;
  threshold: number;
}

/** A local file, read only as the request streams it. */
export interface LocalFile {
  localPath: string;
}

export interface FileToPush {
  path: string;
  content: Buffer | string | LocalFile;
  /** Octal string, e.g. "600"; Pebble's default is 644. */
  permissions?: string;
  makeDirs?: boolean;
  /** Owner by name; without a group, the user's primary group (docs/juju-pebble-contract.md §4.5). */
  user?: string;
  group?: string;
}

export interface MakeDirOptions {
  makeParents?: boolean;
  permissions?: string;
  /** Owner of the folder (not of parents it makes); an unknown name is an error, as for push. */
  user?: string;
  group?: string;
}

export interface FileInfo {
  path: string;
  name: string;
  type: string;
  size?: number;
  permissions: string;
}

export interface Pebble {
  systemInfo(): Promise<{ version: string; 'boot-id': string }>;
  /** The combined plan (`GET /v1/plan?format=yaml`), parsed. */
  getPlan(): Promise<Layer>;
  /** `POST /v1/layers` with combine:true. */
  addLayer(label: string, layer: Layer): Promise<void>;
  /** replan/start/stop/restart, then wait for the change; a failed change throws ChangeError. */
  replan(timeoutMs?: number): Promise<void>;
  startServices(names: string[], timeoutMs?: number): Promise<void>;
  stopServices(names: string[], timeoutMs?: number): Promise<void>;
  restartServices(names: string[], timeoutMs?: number): Promise<void>;
  getServices(names?: string[]): Promise<ServiceInfo[]>;
  getChecks(names?: string[]): Promise<CheckInfo[]>;
  /** Several files in one multipart request. */
  push(files: FileToPush[]): Promise<void>;
  /** Returns null when the file does not exist. */
  pull(path: string): Promise<Buffer | null>;
  listFiles(path: string): Promise<FileInfo[]>;
  makeDir(path: string, options?: MakeDirOptions): Promise<void>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
}

/** The socket is missing or refuses connections: the container is not up yet. */
export class PebbleConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PebbleConnectionError';
  }
}

/** Pebble answered with an HTTP error. */
export class PebbleAPIError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly kind?: string,
  ) {
    super(message);
    this.name = 'PebbleAPIError';
  }
}

/** A change (replan, start, restart …) ended in error; `message` carries Pebble's err and task logs. */
export class PebbleChangeError extends Error {
  constructor(
    readonly changeId: string,
    message: string,
  ) {
    super(message);
    this.name = 'PebbleChangeError';
  }
}
