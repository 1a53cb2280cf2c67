// A real Candid server (tools/bin/candidsrv, pinned in tools/go.mod) with the memory store
// and an admin agent, on a free loopback port; agents are created with its own client
// (tools/bin/candid). And the Temporal side of candid auth (bakery_service.py, run with
// the macaroonbakery and temporal-lib-py that `npm run setup` installs into tools/).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../workflows/tests/harness/ports';
import { installedTool } from '../../workflows/tests/harness/tools';

const run = promisify(execFile);

export interface AgentIdentity {
  username: string;
  privateKey: string;
  publicKey: string;
}

interface AgentFile {
  key: { public: string; private: string };
  agents: { url: string; username: string }[];
}

async function untilAnswers(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} never answered; output:\n${output()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export class CandidServer {
  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<CandidServer> {
    const candid = installedTool(path.join('bin', 'candid'), 'The Candid client');
    const candidsrv = installedTool(path.join('bin', 'candidsrv'), 'The Candid server');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'candid-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // `create-agent --admin` writes a key pair locally without a server: one for the admin
    // agent, one for the server itself.
    const keys = async (file: string) => {
      await run(candid, ['create-agent', '--admin', '--candid-url', url, '-f', path.join(dir, file)]);
      return (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as AgentFile).key;
    };
    const admin = await keys('admin.agent');
    const server = await keys('server.agent');
    const config = [
      `listen-address: 127.0.0.1:${port}`,
      `location: ${url}`,
      'private-addr: 127.0.0.1',
      'storage:',
      '  type: memory',
      `private-key: ${server.private}`,
      `public-key: ${server.public}`,
      `admin-agent-public-key: ${admin.public}`,
      `access-log: ${path.join(dir, 'access.log')}`,
    ].join('\n');
    writeFileSync(path.join(dir, 'config.yaml'), config, { mode: 0o600 });
    const child = spawn(candidsrv, [path.join(dir, 'config.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await untilAnswers(`${url}/discharge/info`, child, () => output);
    return new CandidServer(url, dir, child);
  }

  /** A new agent identity, created by the admin agent with `candid create-agent`. */
  async createAgent(name: string): Promise<AgentIdentity> {
    const file = path.join(this.dir, `${name}.agent`);
    await run(
      installedTool(path.join('bin', 'candid'), 'The Candid client'),
      ['create-agent', '--name', name, '-f', file],
      {
        env: { ...process.env, CANDID_URL: this.url, BAKERY_AGENT_FILE: path.join(this.dir, 'admin.agent') },
      },
    );
    const agent = JSON.parse(readFileSync(file, 'utf8')) as AgentFile;
    return {
      username: agent.agents[0]!.username,
      privateKey: agent.key.private,
      publicKey: agent.key.public,
    };
  }

  /** Candid's access log: one line per request. */
  accessLog(): string {
    try {
      return readFileSync(path.join(this.dir, 'access.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The Temporal side: its macaroon endpoint (candid-url), a bakery checker, and temporal-lib-py's header. */
export class BakeryService {
  private constructor(
    readonly base: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(candidUrl: string): Promise<BakeryService> {
    const libraries = installedTool(path.join('temporal-lib-py', 'temporallib'), 'temporal-lib-py');
    const child = spawn('python3', [path.join(__dirname, 'bakery_service.py'), candidUrl], {
      env: { ...process.env, PYTHONPATH: path.dirname(libraries) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /port (\d+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`bakery_service.py exited:\n${output}`)));
    });
    return new BakeryService(`http://127.0.0.1:${port}`, child);
  }

  /** The candid-url: GET answers a macaroon that expires after `expirySeconds`. */
  macaroonUrl(expirySeconds = 3600): string {
    return `${this.base}/macaroon?expiry=${expirySeconds}`;
  }

  /** The username a bakery checker authenticates from an `authorization` value; throws with its reason. */
  async check(authorization: string): Promise<string> {
    const response = await fetch(`${this.base}/check`, { method: 'POST', body: authorization });
    const body = (await response.json()) as { username?: string; error?: string };
    if (response.status !== 200) throw new Error(`the bakery checker refused: ${body.error}`);
    return body.username!;
  }

  /** The `authorization` value temporal-lib-py's get_macaroon_headers makes from these settings. */
  async temporalLibPyHeader(settings: { url: string; agent: AgentIdentity }): Promise<string> {
    const response = await fetch(`${this.base}/temporal-lib-py`, {
      method: 'POST',
      body: JSON.stringify({
        url: settings.url,
        username: settings.agent.username,
        private: settings.agent.privateKey,
        public: settings.agent.publicKey,
      }),
    });
    const body = (await response.json()) as { authorization?: string; error?: string };
    if (response.status !== 200) throw new Error(`temporal-lib-py failed: ${body.error}`);
    return body.authorization!;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
