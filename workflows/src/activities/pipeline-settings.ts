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

export interface PipelineSettings {
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

  return {
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
    missing: [
      ...REQUIRED_VARIABLES.filter((name) => !value(name)),
      ...(owner && repo ? [] : ['OCI_FACTORY_REPOSITORY (as owner/name)']),
    ],
  };
}

/**
 * The Temporal web UI is served at web.<frontend host>. TEMPORAL_ADDRESS (the standard Temporal
 * variable, host:port of the frontend) names the gRPC port, so the port is dropped.
 */
function defaultTemporalWebUrl(temporalAddress: string): string {
  const host = temporalAddress.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '');
  return `https://web.${host || 'localhost'}`;
}
