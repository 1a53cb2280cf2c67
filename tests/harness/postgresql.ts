// A real PostgreSQL (Debian's `postgresql` package, which `npm run setup` installs): a throwaway
// cluster in a temp dir, listening on a free port of 127.0.0.1 only, its unix socket in that
// dir, with one role that logs in over TCP by password (scram-sha-256) and owns one database.
// initdb and postgres refuse to run as root: as root they run as the package's `postgres` user,
// which owns the temp dir.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../workflows/tests/harness/ports';

const HOW_TO_INSTALL = "run `npm run setup` (it installs Debian's postgresql package)";
const SERVER_BINARIES = '/usr/lib/postgresql';
const SUPERUSER = 'postgres';

export interface PostgresqlOptions {
  database: string;
  user: string;
  password: string;
}

export interface RunningPostgresql {
  host: '127.0.0.1';
  port: number;
  database: string;
  user: string;
  password: string;
  /** Fast shutdown (SIGINT), then removes the cluster's dir. */
  stop(): Promise<void>;
}

/** `/usr/lib/postgresql/<major>/bin` of the newest installed major version, or an error saying how to get it. */
export function postgresqlBinDir(): string {
  const majors = existsSync(SERVER_BINARIES)
    ? readdirSync(SERVER_BINARIES)
        .filter((entry) => /^\d+$/.test(entry))
        .filter((major) =>
          ['initdb', 'postgres'].every((binary) =>
            existsSync(path.join(SERVER_BINARIES, major, 'bin', binary)),
          ),
        )
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(
      `PostgreSQL's server (${SERVER_BINARIES}/<major>/bin/initdb) is not installed: ${HOW_TO_INSTALL}`,
    );
  }
  return path.join(SERVER_BINARIES, majors[0]!, 'bin');
}

/** The uid and gid the server runs as: the `postgres` user when we are root, else our own. */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => {
    try {
      return Number(execFileSync('id', [flag, SUPERUSER], { encoding: 'utf8' }).trim());
    } catch {
      throw new Error(
        `the ${SUPERUSER} user, which runs PostgreSQL when tests run as root, is missing: ${HOW_TO_INSTALL}`,
      );
    }
  };
  return { uid: id('-u'), gid: id('-g') };
}

const execFileAsync = promisify(execFile);

export async function startPostgresql(options: PostgresqlOptions): Promise<RunningPostgresql> {
  const bin = postgresqlBinDir();
  const identity = serverIdentity();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postgresql-'));
  try {
    if (identity) chownSync(dir, identity.uid, identity.gid);
    const dataDir = path.join(dir, 'data');
    const spawnOptions = { cwd: dir, env: { PATH: process.env.PATH, LC_ALL: 'C' }, ...identity };
    await execFileAsync(
      path.join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        `--username=${SUPERUSER}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      spawnOptions,
    ).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`initdb failed: ${error.stderr || error.message}`);
    });

    // A free port can be taken by another process before the server binds it: try fresh ones.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = new PostgresqlServer(bin, dataDir, dir, port, spawnOptions);
      try {
        await server.waitUntilReady();
        await server.createRoleAndDatabase(options);
      } catch (error) {
        await server.shutDown();
        if (attempt >= 3 || !/could not bind|already in use/i.test(String(error))) throw error;
        continue;
      }
      return {
        host: '127.0.0.1',
        port,
        ...options,
        stop: async () => {
          await server.shutDown();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

class PostgresqlServer {
  private readonly child: ChildProcess;
  private output = '';
  private readonly exited: Promise<void>;

  constructor(
    bin: string,
    dataDir: string,
    private readonly socketDir: string,
    private readonly port: number,
    spawnOptions: { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number },
  ) {
    this.child = spawn(
      path.join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${socketDir}`,
        // Throwaway data: durability only slows the tests down.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20000);
    };
    this.child.stdout!.on('data', append);
    this.child.stderr!.on('data', append);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** The superuser over the unix socket (trusted): only the tests' own process reaches it. */
  private superuserClient(): Client {
    return new Client({ host: this.socketDir, port: this.port, user: SUPERUSER, database: 'postgres' });
  }

  async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `postgres exited with ${this.child.exitCode ?? this.child.signalCode}:\n${this.output}`,
        );
      }
      const client = this.superuserClient();
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    throw new Error(`postgres did not accept connections: ${String(lastError)}\n${this.output}`);
  }

  async createRoleAndDatabase({ database, user, password }: PostgresqlOptions): Promise<void> {
    const client = this.superuserClient();
    await client.connect();
    try {
      const role = client.escapeIdentifier(user);
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${role}`);
    } finally {
      await client.end();
    }
  }

  async shutDown(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGINT'); // fast shutdown: clients are disconnected, no checkpoint wait
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
