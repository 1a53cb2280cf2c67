// Every environment variable the rebuild pipeline reads, with its production default.
// Names follow the Python original (OS_*, MATTERMOST_*, GITHUB_TOKEN); the endpoint
// overrides are ours, so tests and the local demo can point the pipeline at stand-ins.

export interface SwiftSettings {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  identityApiVersion: string;
  /** OS_STORAGE_URL; when empty, the object-store endpoint of Keystone's catalog is used. */
  storageUrl: string;
  regionName: string;
  container: string;
}

export interface GitHubSettings {
  token: string;
  apiUrl: string;
  owner: string;
  repo: string;
  releasesBranch: string;
  dispatchRef: string;
}

export interface MattermostSettings {
  server: string;
  token: string;
  channelId: string;
}

/** Per-attempt timeout of each outside service, in milliseconds. */
export interface ServiceTimeouts {
  keystone: number;
  swift: number;
  github: number;
  registryTags: number;
  mattermost: number;
}

/** The defaults, in seconds, of `<SERVICE>_TIMEOUT_SECONDS` (workflows/.env.template). */
export const DEFAULT_TIMEOUT_SECONDS: Record<keyof ServiceTimeouts, number> = {
  keystone: 15,
  swift: 30,
  github: 30,
  registryTags: 15,
  mattermost: 10,
};
const TIMEOUT_VARIABLES: Record<keyof ServiceTimeouts, string> = {
  keystone: 'KEYSTONE_TIMEOUT_SECONDS',
  swift: 'SWIFT_TIMEOUT_SECONDS',
  github: 'GITHUB_TIMEOUT_SECONDS',
  registryTags: 'REGISTRY_TAGS_TIMEOUT_SECONDS',
  mattermost: 'MATTERMOST_TIMEOUT_SECONDS',
};
export const DEFAULT_RETRY_BUDGET_SECONDS = 90;
export const DEFAULT_EVENT_DEADLINE_SECONDS = 900;
export const DEFAULT_READ_CONCURRENCY = 16;
/** How long GitHub may take to list a new run (docs/oci-factory-pipeline.md §8). */
export const DEFAULT_RUN_SETTLE_SECONDS = 60;
/** How long a queued run of the image is waited for before the event is left for later. */
export const DEFAULT_RUN_QUEUED_WAIT_SECONDS = 600;
const RUN_POLL_MS = 5_000;

/** How the run of a dispatch whose answer was lost is looked for (rebuild/dispatch-once.ts). */
export interface RunLookupSettings {
  settleMs: number;
  queuedWaitMs: number;
  /** Between two looks. */
  pollMs: number;
}

export interface PipelineSettings {
  timeouts: ServiceTimeouts;
  /** How long one outside call's transient failures are retried before the event is left for later. */
  retryBudgetMs: number;
  /** One event's processing is abandoned (not committed, processed again later) after this long. */
  eventDeadlineMs: number;
  /** Reads (Swift objects, registry tags) of one event's images in flight at once. */
  readConcurrency: number;
  swift: SwiftSettings;
  github: GitHubSettings;
  registryTagsApiUrl: string;
  /** null when a MATTERMOST_* variable is missing (named in `missingMattermost`). */
  mattermost: MattermostSettings | null;
  missingMattermost: string[];
  /** Base of the "More details" link, e.g. https://web.temporal.example.com. */
  temporalWebUrl: string;
  externalRefPrefix: string;
  dispatchPauseMs: number;
  runLookup: RunLookupSettings;
  /** Required variables that are not set: the pipeline cannot run without them. */
  missing: string[];
}

export const REQUIRED_VARIABLES = [
  'OS_AUTH_URL',
  'OS_USERNAME',
  'OS_PASSWORD',
  'OS_PROJECT_NAME',
  'GITHUB_TOKEN',
] as const;
export const MATTERMOST_VARIABLES = [
  'MATTERMOST_SERVER',
  'MATTERMOST_TOKEN',
  'MATTERMOST_CHANNEL_ID',
] as const;

export function readPipelineSettings(env: Record<string, string | undefined>): PipelineSettings {
  const value = (name: string, fallback = '') => {
    const set = env[name]?.trim();
    return set ? set : fallback;
  };
  const [owner = '', repo = ''] = value('OCI_FACTORY_REPOSITORY', 'canonical/oci-factory').split('/');
  const pause = Number(value('DISPATCH_PAUSE_MS', '2000'));
  const missingMattermost = MATTERMOST_VARIABLES.filter((name) => !value(name));
  const positive = (name: string, fallback: number) => {
    const number = Number(value(name, String(fallback)));
    return Number.isFinite(number) && number > 0 ? number : fallback;
  };
  const timeouts = Object.fromEntries(
    Object.entries(TIMEOUT_VARIABLES).map(([service, name]) => [
      service,
      positive(name, DEFAULT_TIMEOUT_SECONDS[service as keyof ServiceTimeouts]) * 1000,
    ]),
  ) as unknown as ServiceTimeouts;

  return {
    timeouts,
    retryBudgetMs: positive('RETRY_BUDGET_SECONDS', DEFAULT_RETRY_BUDGET_SECONDS) * 1000,
    eventDeadlineMs: positive('EVENT_DEADLINE_SECONDS', DEFAULT_EVENT_DEADLINE_SECONDS) * 1000,
    readConcurrency: Math.floor(positive('READ_CONCURRENCY', DEFAULT_READ_CONCURRENCY)),
    swift: {
      authUrl: value('OS_AUTH_URL'),
      username: value('OS_USERNAME'),
      password: value('OS_PASSWORD'),
      projectName: value('OS_PROJECT_NAME'),
      userDomainName: value('OS_USER_DOMAIN_NAME', 'Default'),
      projectDomainName: value('OS_PROJECT_DOMAIN_NAME', 'Default'),
      identityApiVersion: value('OS_IDENTITY_API_VERSION', '3'),
      storageUrl: value('OS_STORAGE_URL'),
      regionName: value('OS_REGION_NAME'),
      container: value('OS_SWIFT_CONTAINER', 'oci-factory'),
    },
    github: {
      token: value('GITHUB_TOKEN'),
      apiUrl: value('GITHUB_API_URL', 'https://api.github.com').replace(/\/+$/, ''),
      owner,
      repo,
      releasesBranch: value('OCI_FACTORY_RELEASES_BRANCH', '_releases'),
      dispatchRef: value('OCI_FACTORY_DISPATCH_REF', 'main'),
    },
    registryTagsApiUrl: value('REGISTRY_TAGS_API_URL', 'https://api.us-east-1.gallery.ecr.aws').replace(
      /\/+$/,
      '',
    ),
    mattermost:
      missingMattermost.length === 0
        ? {
            server: value('MATTERMOST_SERVER').replace(/\/+$/, ''),
            token: value('MATTERMOST_TOKEN'),
            channelId: value('MATTERMOST_CHANNEL_ID'),
          }
        : null,
    missingMattermost,
    temporalWebUrl: value('TEMPORAL_WEB_URL', defaultTemporalWebUrl(value('TEMPORAL_ADDRESS'))).replace(
      /\/+$/,
      '',
    ),
    externalRefPrefix: value('EXTERNAL_REF_PREFIX', 'workflow-engine'),
    dispatchPauseMs: Number.isFinite(pause) && pause >= 0 ? pause : 2000,
    runLookup: runLookupSettings(
      positive('RUN_SETTLE_SECONDS', DEFAULT_RUN_SETTLE_SECONDS) * 1000,
      positive('RUN_QUEUED_WAIT_SECONDS', DEFAULT_RUN_QUEUED_WAIT_SECONDS) * 1000,
    ),
    missing: [
      ...REQUIRED_VARIABLES.filter((name) => !value(name)),
      ...(owner && repo ? [] : ['OCI_FACTORY_REPOSITORY (as owner/name)']),
    ],
  };
}

function runLookupSettings(settleMs: number, queuedWaitMs: number): RunLookupSettings {
  return { settleMs, queuedWaitMs, pollMs: Math.min(RUN_POLL_MS, settleMs) };
}

/**
 * The Temporal web UI is served at web.<frontend host>. TEMPORAL_ADDRESS (the standard Temporal
 * variable, host:port of the frontend) names the gRPC port, so the port is dropped.
 */
function defaultTemporalWebUrl(temporalAddress: string): string {
  const host = temporalAddress.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '');
  return `https://web.${host || 'localhost'}`;
}
