// The worker's life: settings → package → runtime → connection → polling,
// reporting every state change (status file, Pebble notice, health), and the outside
// services the package reports failing, until SIGTERM or a fatal error.
import type * as http from 'node:http';
import * as net from 'node:net';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import type { Logger } from 'pino';
import { SETTINGS, type Settings } from '../contract/settings';
import { errorSummary } from '../error-summary';
import { temporalAccess } from '../temporal/access';
import { AuthSettingError, RenewingAuthorization } from '../temporal/auth/token-source';
import { tokenSourceFor } from '../temporal/auth/providers';
import { payloadCodecs } from '../temporal/codec';
import { startHealthServer } from './health';
import { coreLogLevel, createLogger, temporalLogger } from './logger';
import { routeFetchThroughProxies } from './proxy';
import { loadSecretsFile } from './secrets';
import { ServiceProblems } from './service-problems';
import { flushSentry, initSentry, sentryActivityInterceptor, sentryWorkflowFailureTap } from './sentry';
import { loadWorkerSettings } from './settings';
import { StatusReporter } from './status-reporter';
import { loadWorkflowsPackage } from './load-workflows';
import { startWorkflowsMetricsServer } from './workflows-metrics';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const WORKER_SDK_VERSION = (require('@temporalio/worker/package.json') as { version: string }).version;

/** Activities get this long to finish after SIGTERM before they are cancelled. */
const SHUTDOWN_GRACE_MS = 5_000;
/** The charm's kill-delay is 20 s: be gone before Pebble kills the process. */
const SHUTDOWN_FORCE_MS = 15_000;
const EXIT_DEADLINE_MS = 18_000;
const PROBE_INTERVAL_MS = 2_000;
const PROBE_TIMEOUT_MS = 3_000;
/** gRPC status UNAUTHENTICATED. */
const UNAUTHENTICATED = 16;

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  requireModule?: (file: string) => unknown;
}

/**
 * Whether `address:port` can be bound, asked before the Temporal runtime binds it for
 * Prometheus: the runtime would only log a failure, and nobody would know why metrics are gone.
 */
function checkPortFree(address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, address, () => server.close(() => resolve()));
  });
}

/** Runs the worker until it stops; resolves with the process exit code. */
export async function runWorker(options: RunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  let config: Settings;
  let bootLogger = createLogger('info');
  try {
    loadSecretsFile(env[SETTINGS.secretsFile.env], env);
    config = loadWorkerSettings(env);
  } catch (error) {
    const reporter = new StatusReporter({
      namespace: env[SETTINGS.namespace.env] ?? '',
      queue: env[SETTINGS.queue.env] ?? '',
      statusFile: env[SETTINGS.statusFile.env],
      pebbleSocket: env.PEBBLE_SOCKET,
      logger: bootLogger,
    });
    bootLogger.fatal(errorSummary(error));
    await reporter.set('failed', errorSummary(error));
    return 2;
  }
  const logger = createLogger(config.logLevel);
  bootLogger = logger;
  return new WorkerProcess(config, logger, env, options.requireModule ?? require).run();
}

class WorkerProcess {
  private readonly status: StatusReporter;
  private readonly serviceProblems = new ServiceProblems(() => void this.report());
  private connection: NativeConnection | undefined;
  private worker: Worker | undefined;
  private health: http.Server | undefined;
  private workflowsMetrics: http.Server | undefined;
  private authorization: RenewingAuthorization | undefined;
  /** A probe is in flight: the next waits for it rather than overlap. */
  private probing = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private connectionError: string | undefined = 'not connected yet';
  private stopping = false;
  /** Ends the wait between connection attempts early (SIGTERM). */
  private wakeConnect: (() => void) | undefined;

  constructor(
    private readonly config: Settings,
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv,
    private readonly requireModule: (file: string) => unknown,
  ) {
    this.status = new StatusReporter({
      namespace: config.namespace,
      queue: config.queue,
      statusFile: config.statusFile,
      pebbleSocket: env.PEBBLE_SOCKET,
      logger,
    });
  }

  async run(): Promise<number> {
    const onSignal = (signal: NodeJS.Signals) => void this.shutdown(signal);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      return await this.serve();
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      if (this.probeTimer) clearInterval(this.probeTimer);
      this.serviceProblems.unsubscribe();
      this.authorization?.stop();
      for (const server of [this.health, this.workflowsMetrics]) {
        if (server) await new Promise((resolve) => server.close(resolve));
      }
      await this.connection?.close().catch(() => undefined);
      if (this.config.sentryDsn) await flushSentry(2000).catch(() => undefined);
    }
  }

  private async serve(): Promise<number> {
    const { config, logger } = this;
    await this.status.set('starting', 'worker starting');
    let port = `health port ${config.healthPort}`;
    try {
      this.health = await startHealthServer(config.healthPort, () => ({
        up: this.isUp(),
        error: this.downReason(),
        namespace: config.namespace,
        queue: config.queue,
      }));
      port = `metrics port ${config.prometheusPort}`;
      if (config.prometheusPort) await checkPortFree(config.prometheusBindAddress, config.prometheusPort);
      port = `workflows metrics port ${config.workflowsMetricsPort}`;
      if (config.workflowsMetricsPort) {
        this.workflowsMetrics = await startWorkflowsMetricsServer(
          config.prometheusBindAddress,
          config.workflowsMetricsPort,
        );
      }
    } catch (error) {
      // The unit status names the port (SECURITY.md, item 6): "worker failed: cannot listen on …".
      const reason = `cannot listen on the ${port}: ${(error as NodeJS.ErrnoException).code ?? errorSummary(error)}`;
      logger.fatal(reason);
      await this.status.set('failed', reason);
      return 2;
    }
    if (routeFetchThroughProxies(this.env))
      logger.info('activities’ fetch goes through the configured proxies');
    // Activities learn where their frontend is by Temporal's own variable (the Mattermost link needs it).
    this.env.TEMPORAL_ADDRESS ??= temporalAccess(config).address;

    let loaded;
    try {
      loaded = loadWorkflowsPackage(
        config.workflowsDir,
        { workflows: config.supportedWorkflows, activities: config.supportedActivities },
        WORKER_SDK_VERSION,
        this.requireModule,
      );
    } catch (error) {
      logger.fatal({ err: error }, errorSummary(error));
      await this.status.set('failed', errorSummary(error));
      return 2;
    }
    logger.info(
      { workflows: loaded.workflowNames, activities: loaded.activityNames, package: loaded.manifest.name },
      'loaded the workflows package',
    );

    const capture = config.sentryDsn
      ? initSentry({
          dsn: config.sentryDsn,
          release: config.sentryRelease,
          environment: config.sentryEnvironment,
          sampleRate: config.sentrySampleRate ?? 1,
          redactParams: config.sentryRedactParams ?? false,
        })
      : undefined;
    const workflowFailureTap = capture ? sentryWorkflowFailureTap(capture) : undefined;
    const runtimeLogger = temporalLogger(logger, workflowFailureTap);
    Runtime.install({
      logger: runtimeLogger,
      shutdownSignals: [],
      telemetryOptions: {
        logging: { forward: {}, filter: makeTelemetryFilterString({ core: coreLogLevel(config.logLevel) }) },
        metrics: config.prometheusPort // 0 or unset: off
          ? { prometheus: { bindAddress: `${config.prometheusBindAddress}:${config.prometheusPort}` } }
          : undefined,
      },
    });

    const connection = await this.connect();
    if (!connection) return this.status.state === 'failed' ? 2 : 0; // a setting to fix, or SIGTERM while connecting
    this.connection = connection;

    try {
      this.worker = await Worker.create({
        connection,
        namespace: config.namespace,
        taskQueue: config.queue,
        workflowBundle: loaded.selectsAllWorkflows
          ? { codePath: loaded.workflowBundlePath }
          : { code: loaded.workflowBundleCode },
        activities: loaded.activities,
        dataConverter: payloadCodecs(config.encryptionKey),
        interceptors: capture
          ? { activity: [sentryActivityInterceptor(capture, config.sentryRedactParams ?? false)] }
          : undefined,
        shutdownGraceTime: SHUTDOWN_GRACE_MS,
        shutdownForceTime: SHUTDOWN_FORCE_MS,
      });
    } catch (error) {
      logger.fatal({ err: error }, `cannot create the worker: ${errorSummary(error)}`);
      await this.status.set('failed', `cannot create the worker: ${errorSummary(error)}`);
      return 1;
    }
    if (this.stopping) return 0;

    this.serviceProblems.subscribe();
    const running = this.worker.run();
    this.probeTimer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    await this.probe();
    try {
      await running;
      logger.info('worker stopped');
      return 0;
    } catch (error) {
      logger.fatal({ err: error }, `the worker failed: ${errorSummary(error)}`);
      await this.status.set('failed', `the worker failed: ${errorSummary(error)}`);
      return 1;
    }
  }

  /** Connects, retrying with backoff while the server (or the auth provider's endpoint) is unreachable. */
  private async connect(): Promise<NativeConnection | undefined> {
    const { config, logger } = this;
    const access = temporalAccess(config);
    const source = tokenSourceFor(config);
    if (source) {
      this.authorization = new RenewingAuthorization(source, {
        renewed: async (credentials) => {
          await this.connection?.setMetadata(credentials.metadata);
          logger.info(
            { expiresAt: new Date(credentials.expiresAt).toISOString() },
            'renewed the credentials',
          );
          await this.report();
        },
        failed: (error, failures) => {
          logger.error({ attempt: failures }, error);
          void this.report();
        },
      });
    }
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const metadata = await this.authorization?.start();
        const connection = await NativeConnection.connect({ ...access, metadata });
        logger.info({ address: access.address, tls: Boolean(config.tlsRootCas) }, 'connected to Temporal');
        return connection;
      } catch (error) {
        this.authorization?.stop();
        if (error instanceof AuthSettingError) {
          // Only the operator can fix it: block (the charm shows it), and let Pebble restart us.
          logger.fatal(error.message);
          await this.status.set('failed', error.message);
          return undefined;
        }
        this.connectionError = errorSummary(error);
        await this.report();
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5));
        logger.warn(
          { attempt, retryInMs: delay },
          `cannot connect to ${access.address}: ${this.connectionError}`,
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeConnect = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
    return undefined;
  }

  /** Asks the frontend something cheap: the worker's own polls are retried by core without telling us. */
  private async probe(): Promise<void> {
    const connection = this.connection;
    if (!connection || this.stopping || this.probing) return;
    this.probing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const call = connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () =>
        connection.workflowService.getSystemInfo({}),
      );
      // Core retries an UNAVAILABLE call past the deadline (about 11 s when the server went
      // away), so the probe gives up itself: the status says `down` within the probe's time.
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the frontend did not answer within ${PROBE_TIMEOUT_MS / 1000} s`)),
          PROBE_TIMEOUT_MS,
        );
      });
      call.catch(() => undefined);
      await Promise.race([call, late]);
      this.connectionError = undefined;
    } catch (error) {
      this.connectionError = errorSummary(error);
      // Core's polls carry the same metadata and give us no hook; the probe sees a rejection too.
      if ((error as { code?: number }).code === UNAUTHENTICATED) {
        await this.authorization?.renewAfterRejection();
      }
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
    await this.report();
  }

  private isUp(): boolean {
    return (
      !this.stopping &&
      this.worker?.getState() === 'RUNNING' &&
      this.connectionError === undefined &&
      this.authorization?.lastError === undefined
    );
  }

  private downReason(): string | undefined {
    if (this.isUp()) return undefined;
    if (this.stopping) return 'worker stopping';
    if (this.status.state === 'failed') return this.status.message;
    return (
      this.authorization?.lastError ??
      this.connectionError ??
      `worker ${this.worker?.getState() ?? 'starting'}`
    );
  }

  private async report(): Promise<void> {
    if (this.stopping || this.status.state === 'failed') return;
    const retrying = this.serviceProblems.message;
    if (this.isUp() && retrying) {
      await this.status.set('retrying', retrying);
    } else if (this.isUp()) {
      await this.status.set(
        'up',
        `worker listening to namespace '${this.config.namespace}' on queue '${this.config.queue}'`,
      );
    } else {
      await this.status.set('down', `worker not connected: ${this.downReason()}`);
    }
  }

  private async shutdown(signal: NodeJS.Signals): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info({ signal }, 'shutting down: polling stops, running activities are cancelled');
    setTimeout(() => {
      this.logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, EXIT_DEADLINE_MS).unref();
    this.wakeConnect?.();
    await this.status.set('stopping', `worker stopping (${signal})`);
    const state = this.worker?.getState();
    if (state === 'RUNNING') this.worker!.shutdown();
  }
}
