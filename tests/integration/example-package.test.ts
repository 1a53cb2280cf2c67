// The example workflows package (examples/greeting-db), built as a team would build theirs and
// run by the real worker process against a real Temporal dev server and a real PostgreSQL,
// the database reaching the activities as the charm hands it over: TEMPORAL_DB_* in the
// secrets file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActivityFailure, ApplicationFailure, Client, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { Client as PostgresClient } from 'pg';
import type { WorkflowsManifest } from '../../workflows/scripts/package-types';
import { buildExamplePackage } from '../harness/example-package';
import { startPostgresql, type RunningPostgresql } from '../harness/postgresql';
import { TemporalDevServer } from '../harness/temporal';
import { WorkerProcess, copyWorkerRuntime } from '../harness/worker-process';

jest.setTimeout(180_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

let scratch: string;
let packageDir: string;
let manifest: WorkflowsManifest;
let runtime: string;
let postgres: RunningPostgresql;
let server: TemporalDevServer;
let client: Client;
const workers: WorkerProcess[] = [];
let queueCounter = 0;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'example-package-'));
  const tarball = path.join(scratch, 'greeting-db-workflows.tgz');
  buildExamplePackage(tarball);
  execFileSync('tar', ['xzf', tarball, '-C', scratch]);
  packageDir = path.join(scratch, 'package');
  manifest = JSON.parse(readFileSync(path.join(packageDir, 'manifest.json'), 'utf8')) as WorkflowsManifest;
  runtime = copyWorkerRuntime();
  postgres = await startPostgresql({ database: 'greetings', user: 'greeter', password: 'greeter-password' });
  server = await TemporalDevServer.start();
  client = await server.client();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.dispose()));
});

afterAll(async () => {
  await server?.shutdown();
  await postgres?.stop();
  if (runtime) rmSync(runtime, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

/** What the charm renders from the database relation and `db-name`, less the names in `without`. */
function databaseVariables(without: string[] = []): Record<string, string> {
  const variables: Record<string, string> = {
    TEMPORAL_DB_HOST: postgres.host,
    TEMPORAL_DB_PORT: String(postgres.port),
    TEMPORAL_DB_USER: postgres.user,
    TEMPORAL_DB_PASSWORD: postgres.password,
    TEMPORAL_DB_TLS: 'False',
    TEMPORAL_DB_NAME: postgres.database,
  };
  for (const name of without) delete variables[name];
  return variables;
}

/** The real worker with the example package and `secrets` in its secrets file, once it is up. */
async function startWorker(secrets: Record<string, string>) {
  const queue = `example-${++queueCounter}`;
  const secretsFile = path.join(scratch, `secrets-${queue}.json`);
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  const worker = await WorkerProcess.start(runtime, {
    TWC_HOST: server.address,
    TWC_QUEUE: queue,
    TWC_WORKFLOWS_DIR: packageDir,
    TWC_SECRETS_FILE: secretsFile,
  });
  workers.push(worker);
  await worker.waitForHealth('up');
  return { worker, queue };
}

async function greetingRows(name: string): Promise<Array<{ id: number; name: string; at: Date }>> {
  const connection = new PostgresClient({
    host: postgres.host,
    port: postgres.port,
    user: postgres.user,
    password: postgres.password,
    database: postgres.database,
  });
  await connection.connect();
  try {
    const { rows } = await connection.query<{ id: number; name: string; at: Date }>(
      'SELECT id, name, at FROM greetings WHERE name = $1 ORDER BY id',
      [name],
    );
    return rows;
  } finally {
    await connection.end();
  }
}

describe('the example workflows package (examples/greeting-db) in the real worker', () => {
  it('is built by buildWorkflowsPackage with its one workflow and one activity', () => {
    expect(manifest).toMatchObject({
      name: 'greeting-db-workflows',
      version: '0.1.0',
      workflowNames: ['GreetAndRecordWorkflow'],
      activityNames: ['recordGreeting'],
    });
  });

  it('greets and records the greeting in the related PostgreSQL database', async () => {
    const { worker, queue } = await startWorker(databaseVariables());
    expect(worker.records().find((record) => record.msg === 'loaded the workflows package')).toMatchObject({
      package: 'greeting-db-workflows',
      workflows: ['GreetAndRecordWorkflow'],
      activities: ['recordGreeting'],
    });

    const greeting = await client.workflow.execute('GreetAndRecordWorkflow', {
      taskQueue: queue,
      workflowId: `greet-${queue}`,
      args: ['juju'],
    });

    expect(greeting).toBe('Hello, juju! (greeting #1 in greetings)');
    const rows = await greetingRows('juju');
    expect(rows).toEqual([{ id: 1, name: 'juju', at: expect.any(Date) }]);
    expect(Date.now() - rows[0]!.at.getTime()).toBeLessThan(60_000);
    expect(worker.logs).not.toContain(postgres.password);
  });

  it('fails the workflow without retrying, naming TEMPORAL_DB_PASSWORD, when the worker lacks it', async () => {
    const { queue } = await startWorker(databaseVariables(['TEMPORAL_DB_PASSWORD']));

    const failure: unknown = await client.workflow
      .execute('GreetAndRecordWorkflow', {
        taskQueue: queue,
        workflowId: `no-password-${queue}`,
        args: ['nobody'],
      })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (failure as WorkflowFailedError).cause as ActivityFailure;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect(activityFailure.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
    const cause = activityFailure.cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('MissingDatabaseSetting');
    expect(cause.message).toMatch(/^TEMPORAL_DB_PASSWORD is not set/);
  });
});
