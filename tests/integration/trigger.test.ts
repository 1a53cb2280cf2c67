// `npm run trigger` against a real Temporal dev server: the command starts
// ConsumeEventsWorkflow(topic, group) on the queue, with an encryption key the history
// holds only `binary/encrypted` payloads, and --wait follows the workflow's runs.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as tar from 'tar';
import { TemporalDevServer } from '../harness/temporal';
import { makeCertificates, startTlsProxy } from '../harness/tls-frontend';
import { PROJECT_ROOT, distFile } from '../harness/tools';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../src/temporal/codec';

jest.setTimeout(120_000);

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const TRIGGER = path.join(PROJECT_ROOT, 'src', 'trigger', 'main.ts');
const KEY = 'HLCeMJLLiyLrUOukdThNgRfyraIXZk918rtp5VX/uwI=';

let server: TemporalDevServer;
let client: Client;
let tempDir: string;

beforeAll(async () => {
  Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  server = await TemporalDevServer.start();
  client = await server.client();
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'trigger-test-'));
});

afterAll(async () => {
  await server?.shutdown();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

function triggerArgs(...extra: string[]): string[] {
  return ['--address', server.address, '--namespace', server.namespace, ...extra];
}

/** `run id: <id>` from the command's output. */
function runIdIn(stdout: string): string {
  const match = /^run id: (\S+)$/m.exec(stdout);
  if (!match) throw new Error(`no run id in the output:\n${stdout}`);
  return match[1]!;
}

async function startedInput(workflowId: string): Promise<Payload[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`no WorkflowExecutionStarted event for ${workflowId}`);
  return (started.input?.payloads ?? []) as Payload[];
}

function encodingOf(payload: Payload): string {
  return Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString();
}

describe('npm run trigger', () => {
  it('starts ConsumeEventsWorkflow(topic, group) on the queue and prints its ids', async () => {
    const { stdout } = await run(
      'npm',
      [
        'run',
        '--silent',
        'trigger',
        '--',
        ...triggerArgs('--topic', 'ubuntu-releases', '--group', 'g1', '--queue', 'q1'),
      ],
      { cwd: PROJECT_ROOT },
    );
    expect(stdout).toContain('workflow id: consume-events-ubuntu-releases-g1');
    const runId = runIdIn(stdout);

    const description = await client.workflow.getHandle('consume-events-ubuntu-releases-g1').describe();
    expect(description).toMatchObject({
      type: 'ConsumeEventsWorkflow',
      taskQueue: 'q1',
      runId,
      status: { name: 'RUNNING' },
    });
    const input = await startedInput('consume-events-ubuntu-releases-g1');
    expect(input.map((payload) => encodingOf(payload))).toEqual(['json/plain', 'json/plain']);
    expect(input.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([
      'ubuntu-releases',
      'g1',
    ]);
  });

  it('refuses to start a second workflow with the same id, naming the running one', async () => {
    const args = triggerArgs('--topic', 't2', '--group', 'g2', '--queue', 'q2');
    const first = await run(process.execPath, [TSX, TRIGGER, ...args], { cwd: PROJECT_ROOT });
    const runId = runIdIn(first.stdout);
    const second = await run(process.execPath, [TSX, TRIGGER, ...args], { cwd: PROJECT_ROOT }).then(
      () => {
        throw new Error('the second start succeeded');
      },
      (error: { code: number; stderr: string }) => error,
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`workflow consume-events-t2-g2 is already running (run ${runId})`);
  });

  it('reads its settings from a config.yml and, with an encryption key, leaves only encrypted payloads in the history', async () => {
    const configFile = path.join(tempDir, 'config.yml');
    writeFileSync(
      configFile,
      [
        'temporal-worker-k8s:',
        `  host: "${server.address}"`,
        `  namespace: "${server.namespace}"`,
        '  queue: "encrypted-queue"',
        `  encryption-key: "${KEY}"`,
        '',
      ].join('\n'),
    );
    const { stdout } = await run(
      process.execPath,
      [
        TSX,
        TRIGGER,
        '--config',
        configFile,
        '--topic',
        'secret-topic',
        '--group',
        'secret-group',
        '--workflow-id',
        'enc-1',
      ],
      { cwd: PROJECT_ROOT },
    );
    expect(stdout).toContain('encrypted payloads');
    expect(stdout).not.toContain(KEY);

    const description = await client.workflow.getHandle('enc-1').describe();
    expect(description).toMatchObject({ type: 'ConsumeEventsWorkflow', taskQueue: 'encrypted-queue' });
    const input = await startedInput('enc-1');
    expect(input).toHaveLength(2);
    expect(input.map((payload) => encodingOf(payload))).toEqual([ENCRYPTED_ENCODING, ENCRYPTED_ENCODING]);
    for (const payload of input) {
      expect(Buffer.from(payload.data ?? new Uint8Array()).toString('latin1')).not.toContain('secret-');
    }
    const decrypted = await new EncryptionCodec(Buffer.from(KEY, 'base64')).decode(input);
    expect(decrypted.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([
      'secret-topic',
      'secret-group',
    ]);
  });

  it("with --auth google gets a token from the service account's token URI and starts the workflow over TLS", async () => {
    const grants: URLSearchParams[] = [];
    const tokenServer = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        grants.push(new URLSearchParams(body));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ access_token: 'token-from-google', expires_in: 3600, token_type: 'Bearer' }),
        );
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    // The trigger sends a token only over TLS: a TLS frontend before the dev server.
    const tlsDir = mkdtempSync(path.join(tempDir, 'tls-'));
    const certificates = makeCertificates(tlsDir);
    const frontend = await startTlsProxy(server, certificates.key, certificates.cert);
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const credentialsFile = path.join(tempDir, 'service-account.json');
      writeFileSync(
        credentialsFile,
        // Every field of a service-account key file as Google issues it.
        JSON.stringify({
          type: 'service_account',
          project_id: 'project',
          private_key_id: 'kid-1',
          private_key: privateKeyPem,
          client_email: 'worker@project.iam.gserviceaccount.com',
          client_id: '1234',
          auth_uri: 'https://accounts.google.com/o/oauth2/auth',
          token_uri: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`,
          auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
          client_x509_cert_url: 'https://www.googleapis.com/robot/v1/metadata/x509/worker',
        }),
        { mode: 0o600 },
      );
      const { stdout, stderr } = await run(
        process.execPath,
        [
          TSX,
          TRIGGER,
          '--address',
          `127.0.0.1:${frontend.port}`,
          '--namespace',
          server.namespace,
          '--tls-root-cas',
          path.join(tlsDir, 'ca.pem'),
          ...['--topic', 'ta', '--group', 'ga', '--queue', 'auth-queue'],
          '--auth',
          'google',
          '--oidc-credentials-file',
          credentialsFile,
        ],
        { cwd: PROJECT_ROOT },
      );
      expect(stdout).toContain('Google auth');
      expect(`${stdout}${stderr}`).not.toContain('token-from-google');
      expect(`${stdout}${stderr}`).not.toContain('PRIVATE KEY');
      expect(grants).toHaveLength(1);
      expect(grants[0]!.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
      const [header, claims] = grants[0]!
        .get('assertion')!
        .split('.')
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
      expect(header).toMatchObject({ alg: 'RS256' });
      expect(claims).toMatchObject({
        iss: 'worker@project.iam.gserviceaccount.com',
        scope: 'email profile openid',
      });
      const description = await client.workflow.getHandle('consume-events-ta-ga').describe();
      expect(description).toMatchObject({ type: 'ConsumeEventsWorkflow', taskQueue: 'auth-queue' });
      expect(frontend.handshakes()).toBeGreaterThan(0);
    } finally {
      await frontend.close();
      await new Promise((resolve) => tokenServer.close(resolve));
    }
  });

  it('with --wait follows the workflow from run to run until interrupted, and the workflow keeps running', async () => {
    await tar.x({ file: distFile('oci-factory-workflows-0.0.1.tgz'), cwd: tempDir });
    const workflowBundle = path.join(tempDir, 'package', 'workflow-bundle.js');
    const consumed: string[][] = [];
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection,
      namespace: server.namespace,
      taskQueue: 'wait-queue',
      workflowBundle: { codePath: workflowBundle },
      dataConverter: { payloadCodecs: [new EncryptionCodec(Buffer.from(KEY, 'base64'))] },
      activities: {
        async consume(topic: string, group: string) {
          consumed.push([topic, group]);
          return { eventbus_message: null };
        },
      },
    });
    const keyFile = path.join(tempDir, 'key');
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });

    let child: ChildProcess | undefined;
    try {
      await worker.runUntil(async () => {
        child = spawn(
          process.execPath,
          [
            TSX,
            TRIGGER,
            ...triggerArgs('--topic', 'tw', '--group', 'gw', '--queue', 'wait-queue'),
            '--encryption-key-file',
            keyFile,
            '--wait',
          ],
          { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
        // Two consumes, so at least one continue-as-new was followed.
        while (!/continued as new: run id \S+\n[\s\S]*continued as new/.test(stdout)) {
          if (child.exitCode !== null) throw new Error(`the trigger exited early:\n${stdout}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        child.kill('SIGINT');
        const code = await exited;
        expect(stdout).toContain('stopped following; the workflow keeps running');
        expect(code).toBe(130);
        expect(stdout).not.toContain(KEY);
      });
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await connection.close();
    }
    expect(consumed.length).toBeGreaterThanOrEqual(2);
    expect(consumed[0]).toEqual(['tw', 'gw']);
    const description = await client.workflow.getHandle('consume-events-tw-gw').describe();
    expect(description.status.name).toBe('RUNNING');
  });
});
