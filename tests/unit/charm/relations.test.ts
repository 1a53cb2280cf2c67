// The relations of issue 23 in the one reconcile, against the in-process Juju simulator with
// the relation data exactly as the providers' libraries write it (docs/relations.md §1.5,
// §2, §3.7): temporal-host-info, temporal-worker-consumer (and -info), database with secrets.
// Hooks run through dispatchEvent, so the leader's writes after the reconcile run too.
import { dispatchEvent } from '../../../src/charm/charm';
import { SERVICE_NAME } from '../../../src/contract/container';
import type { ConfigValue } from '../../../src/juju/types';
import { removeTempDirs, unit, VALID_CONFIG, workerReports, WORKER_HOME, type Unit } from './charm-fixture';

afterAll(removeTempDirs);

const MODEL_UUID = '7c1e4a52-3b7d-4f0e-9a61-2d5b8f3c9e10';
const USER_SECRET = `secret://${MODEL_UUID}/d1kq2l7mp25c77di8nm0`;
const TLS_SECRET = `secret://${MODEL_UUID}/d1kq2l7mp25c77di8nm1`;
const PASSWORD = 'Q3x9fT0aLmW2zR8k';

/** The application's leader unit (tests of a non-leader say so). */
function related(config: Record<string, ConfigValue | null> = {}): Unit {
  const u = unit({ config: { ...VALID_CONFIG, ...config } });
  u.juju.leader = true;
  return u;
}

async function hook(u: Unit, name: string, relationId?: string): Promise<void> {
  u.context.brokenRelationId = name.endsWith('-relation-broken') ? relationId : undefined;
  expect(await dispatchEvent({ kind: 'hook', name }, u.context)).toBe(0);
}

const layerEnvironment = (u: Unit) => u.pebble.plan.services?.[SERVICE_NAME]?.environment ?? {};
const secretsFile = (u: Unit) =>
  JSON.parse(u.pebble.fileText(`${WORKER_HOME}/secrets.json`) ?? '{}') as Record<string, string>;

function putSecret(u: Unit, uri: string, content: Record<string, string>, granted = true): void {
  const id = `secret:${uri.split('/').pop()}`;
  const secret = (u.juju.unitState.secrets[id] ??= { revisions: [], granted, tracked: 0 });
  secret.revisions.push(content);
  secret.granted = granted;
}

/** postgresql-k8s's app databag and secrets once it has created the database (TLS off). */
function postgresqlProvides(
  u: Unit,
  relationId: string,
  endpoints = 'postgresql-k8s-primary.dev.svc.cluster.local:5432',
) {
  putSecret(u, USER_SECRET, {
    username: 'relation_id_7',
    password: PASSWORD,
    uris: `postgresql://relation_id_7:${PASSWORD}@postgresql-k8s-primary.dev.svc.cluster.local:5432/oci_factory`,
  });
  putSecret(u, TLS_SECRET, { tls: 'False' });
  Object.assign(u.juju.remoteAppData(relationId), {
    data: '{"database": "oci_factory"}',
    database: 'oci_factory',
    endpoints,
    'read-only-endpoints': endpoints.split(',')[0]!,
    version: '14.15',
    'secret-user': USER_SECRET,
    'secret-tls': TLS_SECRET,
  });
}

describe('temporal-host-info', () => {
  const NO_HOST = { host: '' };

  it('connects to the related server when host is empty, and says where the host came from', async () => {
    const u = related(NO_HOST);
    const id = u.juju.addRelation('temporal-host-info', 'temporal-k8s', {
      remoteAppData: { host: '10.1.2.3', port: '7233' },
    });

    await hook(u, 'temporal-host-info-relation-changed', id);

    expect(layerEnvironment(u).TWC_HOST).toBe('10.1.2.3:7233');
    workerReports(u.pebble, 'up');
    await hook(u, 'update-status');
    expect(u.juju.status).toEqual({
      status: 'active',
      message:
        "worker listening to namespace 'rocks' on queue 'oci-factory' (host from temporal-host-info: temporal-k8s)",
    });
  });

  it('keeps an explicitly set host, without reading the relation', async () => {
    const u = related({ host: 'temporal.example.com:7233' });
    const id = u.juju.addRelation('temporal-host-info', 'temporal-k8s', {
      remoteAppData: { host: '10.1.2.3', port: '7233' },
    });

    await hook(u, 'temporal-host-info-relation-changed', id);

    expect(layerEnvironment(u).TWC_HOST).toBe('temporal.example.com:7233');
    expect(u.juju.calls).not.toContain(`relation-get ${id}`);
  });

  it('waits while the server has shared nothing, or no host yet', async () => {
    const u = related(NO_HOST);
    const id = u.juju.addRelation('temporal-host-info', 'temporal-k8s');

    await hook(u, 'temporal-host-info-relation-joined', id);
    expect(u.juju.status).toEqual({
      status: 'waiting',
      message: 'waiting for temporal-host-info: temporal-k8s has not shared its host and port yet',
    });
    expect(u.pebble.plan.services).toBeUndefined();

    u.juju.remoteAppData(id).port = '7233';
    await hook(u, 'temporal-host-info-relation-changed', id);
    expect(u.juju.status?.message).toBe(
      'waiting for temporal-host-info: temporal-k8s has not shared its host yet',
    );
  });

  it('restarts the worker on the new address when the server changes it', async () => {
    const u = related(NO_HOST);
    const id = u.juju.addRelation('temporal-host-info', 'temporal-k8s', {
      remoteAppData: { host: '10.1.2.3', port: '7233' },
    });
    await hook(u, 'temporal-host-info-relation-changed', id);
    const starts = u.pebble.starts.get(SERVICE_NAME);

    u.juju.remoteAppData(id).host = 'temporal.rocks.example.com';
    await hook(u, 'temporal-host-info-relation-changed', id);

    expect(layerEnvironment(u).TWC_HOST).toBe('temporal.rocks.example.com:7233');
    expect(u.pebble.starts.get(SERVICE_NAME)).toBeGreaterThan(starts ?? 0);
  });

  it.each([
    [{ host: '10.1.2.3', port: 'grpc' }, "temporal-host-info: port 'grpc' from temporal-k8s is not a port"],
    [{ host: '10.1.2.3', port: '70000' }, "temporal-host-info: port '70000' from temporal-k8s is not a port"],
    [
      { host: 'not a host', port: '7233' },
      "temporal-host-info: host 'not a host' from temporal-k8s is not a host name or address",
    ],
  ])(
    'blocks on data that is not a host or a port (%j), leaving the running worker alone',
    async (data, message) => {
      const u = related(NO_HOST);
      const id = u.juju.addRelation('temporal-host-info', 'temporal-k8s', {
        remoteAppData: { host: '10.1.2.3', port: '7233' },
      });
      await hook(u, 'temporal-host-info-relation-changed', id);
      const plan = JSON.stringify(u.pebble.plan);

      Object.assign(u.juju.remoteAppData(id), data);
      await hook(u, 'temporal-host-info-relation-changed', id);

      expect(u.juju.status).toEqual({ status: 'blocked', message });
      expect(JSON.stringify(u.pebble.plan)).toBe(plan);
    },
  );

  it('blocks, naming the option and the relation, once the relation is broken and no host is set', async () => {
    const u = related(NO_HOST);
    const id = u.juju.addRelation('temporal-host-info', 'temporal-k8s', {
      remoteAppData: { host: '10.1.2.3', port: '7233' },
    });
    await hook(u, 'temporal-host-info-relation-changed', id);

    await hook(u, 'temporal-host-info-relation-broken', id);

    expect(u.juju.status?.status).toBe('blocked');
    expect(u.juju.status?.message).toMatch(/host/);
    expect(layerEnvironment(u).TWC_HOST).toBe('10.1.2.3:7233');
  });

  it('blocks when related to two servers', async () => {
    const u = related(NO_HOST);
    u.juju.addRelation('temporal-host-info', 'temporal-k8s', { remoteAppData: { host: 'a', port: '7233' } });
    const id = u.juju.addRelation('temporal-host-info', 'temporal-k8s-staging', {
      remoteAppData: { host: 'b', port: '7233' },
    });

    await hook(u, 'temporal-host-info-relation-changed', id);

    expect(u.juju.status).toEqual({
      status: 'blocked',
      message:
        'temporal-host-info: related to temporal-k8s, temporal-k8s-staging: remove all but one (juju remove-relation)',
    });
  });
});

describe('temporal-worker-consumer', () => {
  it('the leader writes namespace and queue on joined, and again after a config change', async () => {
    const u = related();
    const id = u.juju.addRelation('temporal-worker-consumer', 'rocks-scheduler');

    await hook(u, 'temporal-worker-consumer-relation-joined', id);
    expect(u.juju.written(id).app).toEqual({ namespace: 'rocks', queue: 'oci-factory' });

    u.juju.config = { ...u.juju.config, queue: 'oci-factory-2' };
    await hook(u, 'config-changed');
    expect(u.juju.written(id).app).toEqual({ namespace: 'rocks', queue: 'oci-factory-2' });
    expect(u.juju.written(id).unit).toEqual({});
  });

  it("writes the same under temporal-worker-info, upstream's newer name", async () => {
    const u = related();
    const id = u.juju.addRelation('temporal-worker-info', 'rocks-scheduler');

    await hook(u, 'temporal-worker-info-relation-changed', id);

    expect(u.juju.written(id).app).toEqual({ namespace: 'rocks', queue: 'oci-factory' });
  });

  it('a non-leader writes nothing', async () => {
    const u = related();
    u.juju.leader = false;
    const id = u.juju.addRelation('temporal-worker-consumer', 'rocks-scheduler');

    await hook(u, 'temporal-worker-consumer-relation-joined', id);

    expect(u.juju.written(id).app).toEqual({});
    expect(u.juju.status?.status).not.toBe('blocked');
  });

  it('writes nothing while the config is invalid, and nothing breaks', async () => {
    const u = related({ queue: '' });
    const id = u.juju.addRelation('temporal-worker-consumer', 'rocks-scheduler');

    await hook(u, 'temporal-worker-consumer-relation-joined', id);

    expect(u.juju.written(id).app).toEqual({});
    expect(u.juju.status?.status).toBe('blocked');
  });

  it('update-status writes nothing (relation data stays put between hooks)', async () => {
    const u = related();
    u.juju.addRelation('temporal-worker-consumer', 'rocks-scheduler');
    u.juju.calls = [];

    await hook(u, 'update-status');

    expect(u.juju.calls.filter((call) => call.startsWith('relation-set'))).toEqual([]);
  });
});

describe('database', () => {
  it('the leader asks for db-name and the secret fields; every unit waits for the provider', async () => {
    const u = related({ 'db-name': 'oci_factory' });
    const id = u.juju.addRelation('database', 'postgresql-k8s');

    await hook(u, 'database-relation-joined', id);

    expect(u.juju.written(id).app).toEqual({
      database: 'oci_factory',
      'requested-secrets': JSON.stringify([
        'username',
        'password',
        'tls',
        'tls-ca',
        'uris',
        'read-only-uris',
      ]),
    });
    expect(u.juju.status).toEqual({
      status: 'waiting',
      message: "waiting for database: postgresql-k8s has not shared its endpoints for 'oci_factory' yet",
    });
  });

  it('a non-leader asks nothing, but reads what the provider shares', async () => {
    const u = related({ 'db-name': 'oci_factory' });
    u.juju.leader = false;
    const id = u.juju.addRelation('database', 'postgresql-k8s');
    postgresqlProvides(u, id);

    await hook(u, 'database-relation-changed', id);

    expect(u.juju.written(id).app).toEqual({});
    expect(secretsFile(u).TEMPORAL_DB_USER).toBe('relation_id_7');
  });

  it('passes the connection to the worker through the secrets file, never the layer or a log', async () => {
    const u = related({ 'db-name': 'oci_factory' });
    const id = u.juju.addRelation('database', 'postgresql-k8s');
    postgresqlProvides(u, id);

    await hook(u, 'database-relation-changed', id);

    expect(secretsFile(u)).toMatchObject({
      TEMPORAL_DB_HOST: 'postgresql-k8s-primary.dev.svc.cluster.local',
      TEMPORAL_DB_PORT: '5432',
      TEMPORAL_DB_USER: 'relation_id_7',
      TEMPORAL_DB_PASSWORD: PASSWORD,
      TEMPORAL_DB_TLS: 'False',
      TEMPORAL_DB_NAME: 'oci_factory',
    });
    expect(JSON.stringify(u.pebble.plan)).not.toContain(PASSWORD);
    expect(JSON.stringify(u.pebble.plan)).not.toContain('relation_id_7');
    expect(u.juju.everythingSaid()).not.toContain(PASSWORD);
    const secretGets = u.juju.unitState.calls.filter((call) => call.tool === 'secret-get');
    expect(secretGets.map((call) => call.args)).toEqual([
      expect.arrayContaining([USER_SECRET, '--refresh']),
      expect.arrayContaining([TLS_SECRET, '--refresh']),
    ]);
  });

  it('takes the first of several endpoints, as the Python charm does', async () => {
    const u = related({ 'db-name': 'oci_factory' });
    const id = u.juju.addRelation('database', 'postgresql-k8s');
    postgresqlProvides(u, id, '10.0.0.5:5433,10.0.0.6:5432');

    await hook(u, 'database-relation-changed', id);

    expect(secretsFile(u)).toMatchObject({ TEMPORAL_DB_HOST: '10.0.0.5', TEMPORAL_DB_PORT: '5433' });
  });

  it('re-renders and restarts the worker when the provider rotates a secret (secret-changed)', async () => {
    const u = related({ 'db-name': 'oci_factory' });
    const id = u.juju.addRelation('database', 'postgresql-k8s');
    postgresqlProvides(u, id);
    await hook(u, 'database-relation-changed', id);
    const before = layerEnvironment(u).TWC_SECRETS_HASH;

    putSecret(u, TLS_SECRET, {
      tls: 'True',
      'tls-ca': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    });
    await hook(u, 'secret-changed');

    expect(secretsFile(u).TEMPORAL_DB_TLS).toBe('True');
    expect(layerEnvironment(u).TWC_SECRETS_HASH).not.toBe(before);
  });

  it('drops the connection when the relation is departed and broken', async () => {
    const u = related({ 'db-name': 'oci_factory' });
    const id = u.juju.addRelation('database', 'postgresql-k8s', { remoteUnits: { 'postgresql-k8s/0': {} } });
    postgresqlProvides(u, id);
    await hook(u, 'database-relation-changed', id);

    delete u.juju.unitState.relations[id]!.remoteUnits['postgresql-k8s/0'];
    await hook(u, 'database-relation-departed', id);
    expect(secretsFile(u).TEMPORAL_DB_HOST).toBeDefined();
    await hook(u, 'database-relation-broken', id);

    expect(secretsFile(u).TEMPORAL_DB_HOST).toBeUndefined();
    expect(u.juju.status?.status).not.toBe('blocked');
  });

  describe('bad input blocks, naming the relation or option, and leaves the running worker alone', () => {
    async function runningWithDatabase(): Promise<{ u: Unit; id: string; plan: string }> {
      const u = related({ 'db-name': 'oci_factory' });
      const id = u.juju.addRelation('database', 'postgresql-k8s');
      postgresqlProvides(u, id);
      await hook(u, 'database-relation-changed', id);
      return { u, id, plan: JSON.stringify(u.pebble.plan) };
    }

    it('db-name missing while related', async () => {
      const { u, id, plan } = await runningWithDatabase();
      u.juju.config = { ...u.juju.config, 'db-name': '' };

      await hook(u, 'config-changed');

      expect(u.juju.status).toEqual({
        status: 'blocked',
        message:
          'database: related to postgresql-k8s but db-name is not set: juju config temporal-worker-k8s db-name=<database>',
      });
      expect(JSON.stringify(u.pebble.plan)).toBe(plan);
      expect(u.juju.written(id).app.database).toBe('oci_factory');
    });

    it('two databases', async () => {
      const { u, plan } = await runningWithDatabase();
      const second = u.juju.addRelation('database', 'postgresql-k8s-b');

      await hook(u, 'database-relation-joined', second);

      expect(u.juju.status).toEqual({
        status: 'blocked',
        message:
          'database: related to postgresql-k8s, postgresql-k8s-b: remove all but one (juju remove-relation)',
      });
      expect(JSON.stringify(u.pebble.plan)).toBe(plan);
    });

    it('a secret-user that cannot be read', async () => {
      const { u, id, plan } = await runningWithDatabase();
      u.juju.unitState.secrets[`secret:${USER_SECRET.split('/').pop()}`]!.granted = false;

      await hook(u, 'database-relation-changed', id);

      expect(u.juju.status).toEqual({
        status: 'blocked',
        message: `database: cannot read the credentials secret ${USER_SECRET} shared by postgresql-k8s (permission denied)`,
      });
      expect(JSON.stringify(u.pebble.plan)).toBe(plan);
    });

    it('an endpoint that is not host:port', async () => {
      const { u, id, plan } = await runningWithDatabase();
      u.juju.remoteAppData(id).endpoints = 'postgresql-k8s-primary';

      await hook(u, 'database-relation-changed', id);

      expect(u.juju.status).toEqual({
        status: 'blocked',
        message: "database: endpoint 'postgresql-k8s-primary' from postgresql-k8s is not host:port",
      });
      expect(JSON.stringify(u.pebble.plan)).toBe(plan);
    });
  });
});
