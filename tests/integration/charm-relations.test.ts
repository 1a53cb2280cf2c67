// The relations of the built charm (./dispatch with the fake hook tools on PATH) against a real
// Pebble, a real Temporal dev server and a real PostgreSQL, with another team's workflows
// package attached (examples/greeting-db): the server's address from temporal-host-info, the
// database's from the `database` relation and its granted secret (as postgresql-k8s shares
// them, docs/relations.md §3.7), the worker's queue published to a consumer, and the package's
// workflow run on the dev server, writing to the database with the credentials delivered.
import { Client as PostgresClient } from 'pg';
import { CharmUnitOnHost } from '../harness/charm-unit';
import { buildExamplePackage } from '../harness/example-package';
import { startPostgresql, type RunningPostgresql } from '../harness/postgresql';

jest.setTimeout(240_000);

const NAMESPACE = 'rocks';
const QUEUE = 'greetings';
const MODEL_UUID = '7c1e4a52-3b7d-4f0e-9a61-2d5b8f3c9e10';
const USER_SECRET_ID = 'd1kq2l7mp25c77di8nm0';
const TLS_SECRET_ID = 'd1kq2l7mp25c77di8nm1';
const ACTIVE = `worker listening to namespace '${NAMESPACE}' on queue '${QUEUE}' (host from temporal-host-info: temporal-k8s)`;

let unit: CharmUnitOnHost;
let postgres: RunningPostgresql;
let hostInfo: string;
let database: string;
let consumer: string;

beforeAll(async () => {
  [unit, postgres] = await Promise.all([
    CharmUnitOnHost.start({ namespace: NAMESPACE, name: 'charm-relations' }),
    startPostgresql({ database: 'greetings', user: 'relation_id_1', password: 'first-password-0001' }),
  ]);
  const tarball = unit.workFile('greeting-db-workflows-0.1.0.tgz', '');
  buildExamplePackage(tarball);
  const { model } = unit;
  model.setLeader(true);
  model.setConfig({ namespace: NAMESPACE, queue: QUEUE, 'db-name': 'greetings' });
  model.attachResource('workflows-file', tarball);
  const [host, port] = unit.temporal.address.split(':');
  hostInfo = model.addRelation('temporal-host-info', 'temporal-k8s', {
    remoteAppData: { host: host!, port: port! },
  });
  consumer = model.addRelation('temporal-worker-consumer', 'greeting-scheduler');
  database = model.addRelation('database', 'postgresql-k8s');
});

afterAll(async () => {
  await unit?.stop();
  await postgres?.stop();
});

async function greetingsIn(password: string): Promise<string[]> {
  const client = new PostgresClient({ ...postgres, password });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM greetings ORDER BY id');
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

async function greet(name: string): Promise<string> {
  const client = await unit.temporal.client();
  return client.workflow.execute('GreetAndRecordWorkflow', {
    taskQueue: QUEUE,
    workflowId: `greet-${name}-${Date.now()}`,
    args: [name],
  });
}

describe('the charm related to a Temporal server, a database and a consumer', () => {
  it('asks for the database, and waits for it, naming the relation', async () => {
    await unit.dispatch('install');
    await unit.dispatch('database-relation-joined', { relationId: database });

    expect(unit.model.relation(database)?.localApp).toEqual({
      database: 'greetings',
      'requested-secrets': JSON.stringify([
        'username',
        'password',
        'tls',
        'tls-ca',
        'uris',
        'read-only-uris',
      ]),
    });
    expect(unit.model.status()).toEqual({
      status: 'waiting',
      message: "waiting for database: postgresql-k8s has not shared its endpoints for 'greetings' yet",
    });
  });

  it('runs the package against the related server and database, and publishes its queue', async () => {
    const { model } = unit;
    model.putSecret(`secret:${USER_SECRET_ID}`, {
      username: postgres.user,
      password: postgres.password,
      uris: `postgresql://${postgres.user}:${postgres.password}@${postgres.host}:${postgres.port}/greetings`,
    });
    model.putSecret(`secret:${TLS_SECRET_ID}`, { tls: 'False' });
    model.grantSecret(`secret:${USER_SECRET_ID}`, true);
    model.grantSecret(`secret:${TLS_SECRET_ID}`, true);
    model.setRemoteUnit(database, 'postgresql-k8s/0', {});
    model.setRemoteAppData(database, {
      database: 'greetings',
      endpoints: `${postgres.host}:${postgres.port}`,
      'read-only-endpoints': `${postgres.host}:${postgres.port}`,
      version: '15',
      'secret-user': `secret://${MODEL_UUID}/${USER_SECRET_ID}`,
      'secret-tls': `secret://${MODEL_UUID}/${TLS_SECRET_ID}`,
    });
    await unit.dispatch('database-relation-changed', { relationId: database });
    await unit.dispatch('temporal-host-info-relation-changed', { relationId: hostInfo });
    await unit.dispatch('temporal-worker-consumer-relation-joined', { relationId: consumer });

    await unit.updateStatusUntil('active', ACTIVE);
    expect(model.relation(consumer)?.localApp).toEqual({ namespace: NAMESPACE, queue: QUEUE });
    expect(await greet('juju')).toBe('Hello, juju! (greeting #1 in greetings)');
    expect(await greetingsIn(postgres.password)).toEqual(['juju']);
    const plan = await unit.pebbleCli(['plan']);
    expect(plan).not.toContain(postgres.password);
    expect(JSON.stringify(model.logs())).not.toContain(postgres.password);
  });

  it('restarts the worker with rotated credentials on secret-changed', async () => {
    const client = new PostgresClient({ ...postgres });
    await client.connect();
    await client.query(`ALTER ROLE ${postgres.user} PASSWORD 'second-password-0002'`);
    await client.end();
    unit.model.putSecret(`secret:${USER_SECRET_ID}`, {
      username: postgres.user,
      password: 'second-password-0002',
    });

    await unit.dispatch('secret-changed');

    await unit.updateStatusUntil('active', ACTIVE);
    expect(await greet('pebble')).toBe('Hello, pebble! (greeting #2 in greetings)');
    expect(await greetingsIn('second-password-0002')).toEqual(['juju', 'pebble']);
  });

  it('blocks on a second database, leaving the running worker alone', async () => {
    const second = unit.model.addRelation('database', 'postgresql-k8s-b');

    await unit.dispatch('database-relation-joined', { relationId: second });

    expect(unit.model.status()).toEqual({
      status: 'blocked',
      message:
        'database: related to postgresql-k8s, postgresql-k8s-b: remove all but one (juju remove-relation)',
    });
    expect(await unit.serviceState()).toBe('active');
    expect(await greet('still-running')).toMatch(/^Hello, still-running!/);

    await unit.dispatch('database-relation-broken', { relationId: second });
    unit.model.removeRelation(second);
    await unit.updateStatusUntil('active', ACTIVE);
  });

  it("blocks, naming the host, once the server's relation is broken and no host is set", async () => {
    await unit.dispatch('temporal-host-info-relation-broken', { relationId: hostInfo });
    unit.model.removeRelation(hostInfo);

    expect(unit.model.status().status).toBe('blocked');
    expect(unit.model.status().message).toMatch(/host/);
    expect(await unit.serviceState()).toBe('active');
  });
});
