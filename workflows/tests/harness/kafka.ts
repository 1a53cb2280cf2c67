// A real single-node Apache Kafka broker (KRaft, combined broker + controller) for
// integration tests, from the jars `npm run setup` installs, run with the machine's
// Java. Clients connect with SASL_SSL + SCRAM-SHA-512, as to the OCI Factory's event
// bus: the harness makes a throw-away CA and a broker certificate for 127.0.0.1, and
// creates the SCRAM users when it formats the storage.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import avro from 'avsc';
import { Kafka, logLevel, type Admin, type KafkaConfig, type Producer } from 'kafkajs';
import { kafkaLibs } from './tools';
import { freePort } from './ports';
import { ignoreKafkajsNegativeTimeouts } from '../../src/activities/consume/kafkajs-warning';

ignoreKafkajsNegativeTimeouts();

export interface KafkaUser {
  username: string;
  password: string;
}

export interface KafkaBrokerOptions {
  /** SCRAM-SHA-512 users to create (the first one is the harness's own admin). */
  users?: KafkaUser[];
  /** Java heap for the broker; small by default so the tests stay light. */
  heap?: string;
}

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed (is openssl 3 installed?): ${stderr || String(err)}`);
  }
}

/** A test CA and a broker certificate for 127.0.0.1/localhost signed by it, as PEM files in `dir`. */
function makeCertificates(dir: string): { caFile: string; keystoreFile: string } {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=kafka-test-ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ],
    dir,
  );
  openssl(
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
      '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-keyout', 'broker.key', '-out', 'broker.pem',
    ], // prettier-ignore
    dir,
  );
  // Kafka's PEM keystore wants the PKCS#8 key and the certificate chain in one file.
  const keystoreFile = path.join(dir, 'broker-keystore.pem');
  writeFileSync(
    keystoreFile,
    readFileSync(path.join(dir, 'broker.key'), 'utf8') + readFileSync(path.join(dir, 'broker.pem'), 'utf8'),
    { mode: 0o600 },
  );
  return { caFile: path.join(dir, 'ca.pem'), keystoreFile };
}

export class KafkaBroker {
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly clients: { disconnect(): Promise<void> }[] = [];

  private constructor(
    private readonly dataDir: string,
    /** The SASL_SSL listener: what ROCKS_EVENTBUS_KAFKA_ADDRESS holds in tests. */
    readonly port: number,
    /** PEM of the test CA that signed the broker certificate. */
    readonly caPem: string,
    readonly caFile: string,
    readonly users: KafkaUser[],
    private readonly heap: string,
  ) {}

  /** Formats a fresh data dir, starts the broker and waits until it answers over SASL_SSL. */
  static async start(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
    // Its ports are free when chosen but bound only once the JVM is up: another process on this
    // machine may take one in between. Then it starts again on other ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await KafkaBroker.startOnce(options);
      } catch (error) {
        if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
      }
    }
  }

  private static async startOnce(options: KafkaBrokerOptions): Promise<KafkaBroker> {
    const libs = kafkaLibs();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-test-'));
    try {
      const users = options.users ?? [
        { username: 'admin', password: randomBytes(12).toString('hex') },
        { username: 'rocks', password: randomBytes(12).toString('hex') },
      ];
      const [port, controllerPort, internalPort] = [await freePort(), await freePort(), await freePort()];
      const { caFile, keystoreFile } = makeCertificates(dataDir);
      const propertiesFile = path.join(dataDir, 'server.properties');
      writeFileSync(
        propertiesFile,
        [
          'process.roles=broker,controller',
          'node.id=1',
          `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
          `listeners=SASL_SSL://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
          `advertised.listeners=SASL_SSL://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort}`,
          'listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
          'controller.listener.names=CONTROLLER',
          'inter.broker.listener.name=INTERNAL',
          'sasl.enabled.mechanisms=SCRAM-SHA-512',
          'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
          'ssl.keystore.type=PEM',
          `ssl.keystore.location=${keystoreFile}`,
          'ssl.client.auth=none',
          `log.dirs=${path.join(dataDir, 'data')}`,
          'num.partitions=1',
          'auto.create.topics.enable=false',
          'offsets.topic.replication.factor=1',
          'offsets.topic.num.partitions=1',
          'transaction.state.log.replication.factor=1',
          'transaction.state.log.min.isr=1',
          'group.initial.rebalance.delay.ms=0',
          '',
        ].join('\n'),
      );
      writeFileSync(
        path.join(dataDir, 'log4j.properties'),
        [
          'log4j.rootLogger=WARN, file',
          'log4j.appender.file=org.apache.log4j.FileAppender',
          `log4j.appender.file.File=${path.join(dataDir, 'broker.log')}`,
          'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
          'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
          'log4j.logger.kafka.server.KafkaRaftServer=INFO',
          '',
        ].join('\n'),
      );
      const clusterId = randomBytes(16).toString('base64url');
      const scramArgs = users.flatMap((u) => [
        '--add-scram',
        `SCRAM-SHA-512=[name=${u.username},password=${u.password}]`,
      ]);
      try {
        execFileSync(
          'java',
          [
            '-cp',
            `${libs}/*`,
            'kafka.tools.StorageTool',
            'format',
            // One attached argument: a base64url id may start with '-', which the tool would read as an option.
            `--cluster-id=${clusterId}`,
            '-c',
            propertiesFile,
            ...scramArgs,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
      } catch (err) {
        const e = err as { stdout?: Buffer; stderr?: Buffer };
        throw new Error(
          `formatting Kafka storage failed: ${e.stderr?.toString() || e.stdout?.toString() || String(err)}`,
        );
      }
      const broker = new KafkaBroker(
        dataDir,
        port,
        readFileSync(caFile, 'utf8'),
        caFile,
        users,
        options.heap ?? '384m',
      );
      await broker.resume();
      return broker;
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** `127.0.0.1:<port>` */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get admin(): KafkaUser {
    return this.users[0]!;
  }

  /** kafkajs settings for a SASL_SSL SCRAM-SHA-512 client of this broker. */
  clientConfig(user: KafkaUser = this.admin, clientId = 'kafka-test-harness'): KafkaConfig {
    return {
      clientId,
      brokers: [this.address],
      ssl: { ca: [this.caPem] },
      sasl: { mechanism: 'scram-sha-512', username: user.username, password: user.password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 200 },
    };
  }

  /** The broker's own log (warnings and start/stop lines), for failure messages. */
  logTail(lines = 40): string {
    try {
      return readFileSync(path.join(this.dataDir, 'broker.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no broker log)';
    }
  }

  /** Starts the JVM on the existing data dir and ports, and waits until a SASL_SSL client gets metadata. */
  async resume(): Promise<void> {
    if (this.process) return;
    const child = spawn(
      'java',
      [
        `-Xmx${this.heap}`,
        `-Xms${this.heap}`,
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${path.join(this.dataDir, 'log4j.properties')}`,
        `-Dkafka.logs.dir=${this.dataDir}`,
        '-cp',
        `${kafkaLibs()}/*`,
        'kafka.Kafka',
        path.join(this.dataDir, 'server.properties'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.process = child;
    let exitCode: number | null | undefined;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        this.process = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + START_TIMEOUT_MS;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`Kafka exited with code ${exitCode} while starting:\n${stderr}\n${this.logTail()}`);
      }
      const admin = new Kafka({ ...this.clientConfig(), retry: { retries: 0 } }).admin();
      try {
        await admin.connect();
        await admin.describeCluster();
        return;
      } catch (err) {
        lastError = err;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    await this.pause();
    throw new Error(
      `Kafka did not answer within ${START_TIMEOUT_MS / 1000} s (${String(lastError)}):\n${stderr}\n${this.logTail()}`,
    );
  }

  /** Stops the JVM (SIGTERM, then SIGKILL after a grace period) and keeps the data dir. */
  async pause(): Promise<void> {
    const child = this.process;
    if (!child?.pid) return;
    child.kill('SIGTERM');
    const killed = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(killed);
  }

  /** Stops and starts again on the same data dir and ports. */
  async restart(): Promise<void> {
    await this.pause();
    await this.resume();
  }

  /** Disconnects the harness's clients, stops the broker and removes its data dir. */
  async stop(): Promise<void> {
    for (const client of this.clients.splice(0)) await client.disconnect().catch(() => undefined);
    await this.pause();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private track<T extends { disconnect(): Promise<void> }>(client: T): T {
    this.clients.push(client);
    return client;
  }

  async createTopic(topic: string, numPartitions = 1): Promise<void> {
    const admin: Admin = this.track(new Kafka(this.clientConfig()).admin());
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions, replicationFactor: 1 }],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** The committed offset of a consumer group on partition 0 of a topic ("-1" when none), and its metadata. */
  async committedOffset(
    groupId: string,
    topic: string,
    partition = 0,
  ): Promise<{ offset: string; metadata: string | null }> {
    const admin: Admin = this.track(new Kafka(this.clientConfig()).admin());
    await admin.connect();
    try {
      // A broker just started answers "the coordinator is loading" (retriable) for a while.
      for (const started = Date.now(); ;) {
        try {
          const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
          const p = entry?.partitions.find((x) => x.partition === partition);
          return { offset: p?.offset ?? '-1', metadata: p?.metadata ?? null };
        } catch (error) {
          const retriable = (error as { retriable?: boolean }).retriable === true;
          if (!retriable || Date.now() - started > 30_000) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** A connected producer, disconnected by stop(). */
  async producer(): Promise<Producer> {
    const producer = this.track(new Kafka(this.clientConfig()).producer({ allowAutoTopicCreation: false }));
    await producer.connect();
    return producer;
  }

  /** Writes raw message values (e.g. bytes that are not in the Confluent wire format). */
  async produceRaw(topic: string, values: Buffer[]): Promise<void> {
    const producer = await this.producer();
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  }

  /** Writes values in the Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary. */
  async produceAvro(topic: string, schemaId: number, schema: object, values: unknown[]): Promise<void> {
    await this.produceRaw(
      topic,
      values.map((value) => confluentFrame(schemaId, schema, value)),
    );
  }
}

export function confluentFrame(schemaId: number, schema: object, value: unknown): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, avro.Type.forSchema(schema as avro.Schema).toBuffer(value)]);
}
