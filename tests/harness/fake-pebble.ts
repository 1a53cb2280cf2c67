// The in-memory Pebble of the charm's unit tests (src/pebble/types.ts): it records what
// was asked of it, holds the state a test sets up and asserts on, and can be told to fail
// the way the real thing does ("cannot connect", a failed change).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  PebbleChangeError,
  PebbleConnectionError,
  type CheckInfo,
  type FileInfo,
  type FileToPush,
  type Layer,
  type Pebble,
  type ServiceInfo,
} from '../../src/pebble/types';

export interface FakeFile {
  content: Buffer;
  permissions: string;
}

type ServiceState = ServiceInfo['current'];

/**
 * A Pebble with one plan, services that "run" when replanned, and a file system.
 * `startOutcome` says what the next starts do: 'runs' (active), 'exits' (the change
 * fails with "exited quickly" and the service ends in backoff).
 */
export class FakePebble implements Pebble {
  reachable = true;
  plan: Layer = {};
  services = new Map<string, ServiceState>();
  files = new Map<string, FakeFile>();
  dirs = new Set<string>();
  checks: CheckInfo[] = [];
  startOutcome: 'runs' | 'exits' = 'runs';
  /** Service name → how many times it was (re)started. */
  starts = new Map<string, number>();
  /** Every request, as `<method> <detail>`, in order. */
  calls: string[] = [];
  /** Every file written by push, in order (path only). */
  pushed: string[] = [];
  private startedWith = new Map<string, string>();

  private request(call: string): void {
    this.calls.push(call);
    if (!this.reachable) {
      throw new PebbleConnectionError('socket not found at /charm/containers/temporal-worker/pebble.socket');
    }
  }

  /** Simulates the container restarting: Pebble comes back with an empty plan; files stay. */
  restartContainer(): void {
    this.plan = {};
    this.services.clear();
    this.startedWith.clear();
  }

  writeFile(filePath: string, content: string | Buffer, permissions = '644'): void {
    this.files.set(filePath, { content: Buffer.from(content), permissions });
  }

  fileText(filePath: string): string | undefined {
    return this.files.get(filePath)?.content.toString('utf8');
  }

  async systemInfo() {
    this.request('system-info');
    return { version: 'fake', 'boot-id': 'fake-boot' };
  }

  async getPlan(): Promise<Layer> {
    this.request('get-plan');
    return structuredClone(this.plan);
  }

  async addLayer(label: string, layer: Layer): Promise<void> {
    this.request(`add-layer ${label}`);
    const plan = structuredClone(this.plan);
    for (const [name, service] of Object.entries(layer.services ?? {})) {
      plan.services ??= {};
      plan.services[name] =
        service.override === 'replace' ? structuredClone(service) : { ...plan.services[name], ...service };
    }
    for (const [name, check] of Object.entries(layer.checks ?? {})) {
      plan.checks ??= {};
      plan.checks[name] =
        check.override === 'replace' ? structuredClone(check) : { ...plan.checks[name], ...check };
    }
    this.plan = plan;
  }

  private start(name: string): void {
    this.starts.set(name, (this.starts.get(name) ?? 0) + 1);
    this.startedWith.set(name, JSON.stringify(this.plan.services?.[name]));
    if (this.startOutcome === 'exits') {
      this.services.set(name, 'backoff');
      throw new PebbleChangeError('1', `cannot start service: exited quickly with code 1`);
    }
    this.services.set(name, 'active');
  }

  async replan(): Promise<void> {
    this.request('replan');
    for (const [name, service] of Object.entries(this.plan.services ?? {})) {
      if (service.startup !== 'enabled') continue;
      const changed = this.startedWith.get(name) !== JSON.stringify(service);
      if (changed || this.services.get(name) !== 'active') this.start(name);
    }
  }

  async startServices(names: string[]): Promise<void> {
    this.request(`start ${names.join(',')}`);
    for (const name of names) if (this.services.get(name) !== 'active') this.start(name);
  }

  async stopServices(names: string[]): Promise<void> {
    this.request(`stop ${names.join(',')}`);
    for (const name of names) this.services.set(name, 'inactive');
  }

  async restartServices(names: string[]): Promise<void> {
    this.request(`restart ${names.join(',')}`);
    for (const name of names) {
      if (!this.plan.services?.[name]) throw new PebbleChangeError('2', `service "${name}" does not exist`);
      this.start(name);
    }
  }

  async getServices(names?: string[]): Promise<ServiceInfo[]> {
    this.request(`get-services ${names?.join(',') ?? ''}`);
    return Object.entries(this.plan.services ?? {})
      .filter(([name]) => !names || names.includes(name))
      .map(([name, service]) => ({
        name,
        startup: service.startup ?? 'disabled',
        current: this.services.get(name) ?? 'inactive',
      }));
  }

  async getChecks(names?: string[]): Promise<CheckInfo[]> {
    this.request('get-checks');
    return this.checks.filter((check) => !names || names.includes(check.name));
  }

  async push(files: FileToPush[]): Promise<void> {
    this.request(`push ${files.length}`);
    for (const file of files) {
      if (!path.posix.isAbsolute(file.path)) throw new Error(`paths must be absolute: ${file.path}`);
      const content =
        typeof file.content === 'object' && 'localPath' in file.content
          ? readFileSync(file.content.localPath)
          : file.content;
      this.writeFile(file.path, content, file.permissions ?? '644');
      this.pushed.push(file.path);
    }
  }

  async pull(filePath: string): Promise<Buffer | null> {
    this.request(`pull ${filePath}`);
    return this.files.get(filePath)?.content ?? null;
  }

  private allDirs(): Set<string> {
    const dirs = new Set(this.dirs);
    for (const filePath of this.files.keys()) {
      for (let dir = path.posix.dirname(filePath); dir !== '/'; dir = path.posix.dirname(dir)) dirs.add(dir);
    }
    return dirs;
  }

  async listFiles(dirPath: string): Promise<FileInfo[]> {
    this.request(`list ${dirPath}`);
    const entries: FileInfo[] = [];
    for (const dir of this.allDirs()) {
      if (path.posix.dirname(dir) === dirPath) {
        entries.push({ path: dir, name: path.posix.basename(dir), type: 'directory', permissions: '755' });
      }
    }
    for (const [filePath, file] of this.files) {
      if (path.posix.dirname(filePath) === dirPath) {
        entries.push({
          path: filePath,
          name: path.posix.basename(filePath),
          type: 'file',
          size: file.content.length,
          permissions: file.permissions,
        });
      }
    }
    if (entries.length === 0 && !this.allDirs().has(dirPath)) {
      throw new Error(`stat ${dirPath}: no such file or directory`);
    }
    return entries.sort((a, b) => a.name.localeCompare(b.name));
  }

  async makeDir(dirPath: string): Promise<void> {
    this.request(`make-dir ${dirPath}`);
    this.dirs.add(dirPath);
  }

  async remove(target: string, options: { recursive?: boolean } = {}): Promise<void> {
    this.request(`remove ${target}`);
    const inside = (candidate: string) => candidate === target || candidate.startsWith(`${target}/`);
    const children = [...this.files.keys()].filter((filePath) => filePath.startsWith(`${target}/`));
    if (!options.recursive) {
      if (children.length > 0) throw new Error(`remove ${target}: directory not empty`);
      if (!this.files.has(target) && !this.dirs.has(target)) throw new Error(`remove ${target}: not found`);
    }
    for (const filePath of [...this.files.keys()]) if (inside(filePath)) this.files.delete(filePath);
    for (const dir of [...this.dirs]) if (inside(dir)) this.dirs.delete(dir);
  }
}
