// Starts every outside HTTP service the workflows package talks to, on free loopback
// ports, and gives the environment entries that point the activities at them.
import { type GitHubOptions, type GitHubStandin, startGitHub } from './github';
import { type MattermostOptions, type MattermostStandin, startMattermost } from './mattermost';
import { type RegistryTagsOptions, type RegistryTagsStandin, startRegistryTags } from './registry-tags';
import {
  type SchemaRegistryOptions,
  type SchemaRegistryStandin,
  startSchemaRegistry,
} from './schema-registry';
import { type SwiftOptions, type SwiftStandin, startSwift } from './swift';

export type { RecordedRequest } from './http-standin';
export type { GitHubStandin, MattermostStandin, RegistryTagsStandin, SchemaRegistryStandin, SwiftStandin };

export interface StandinOptions {
  schemaRegistry?: SchemaRegistryOptions;
  swift?: SwiftOptions;
  github?: GitHubOptions;
  registryTags?: RegistryTagsOptions;
  mattermost?: MattermostOptions;
}

export interface Standins {
  schemaRegistry: SchemaRegistryStandin;
  swift: SwiftStandin;
  github: GitHubStandin;
  registryTags: RegistryTagsStandin;
  mattermost: MattermostStandin;
  /** The env-file entries that point the activities at these servers (no Kafka entries). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startStandins(options: StandinOptions = {}): Promise<Standins> {
  const [schemaRegistry, swift, github, registryTags, mattermost] = await Promise.all([
    startSchemaRegistry(options.schemaRegistry),
    startSwift(options.swift),
    startGitHub(options.github),
    startRegistryTags(options.registryTags),
    startMattermost(options.mattermost),
  ]);
  const env: Record<string, string> = {
    ROCKS_EVENTBUS_KARAPACE_URL: schemaRegistry.url,
    ROCKS_EVENTBUS_USERNAME: schemaRegistry.username,
    ROCKS_EVENTBUS_PASSWORD: schemaRegistry.password,
    OS_AUTH_URL: swift.authUrl,
    OS_USERNAME: swift.username,
    OS_PASSWORD: swift.password,
    OS_PROJECT_NAME: swift.projectName,
    OS_STORAGE_URL: swift.storageUrl,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_IDENTITY_API_VERSION: '3',
    GITHUB_TOKEN: github.token,
    GITHUB_API_URL: github.url,
    REGISTRY_TAGS_API_URL: registryTags.url,
    MATTERMOST_SERVER: mattermost.url,
    MATTERMOST_TOKEN: mattermost.token,
    MATTERMOST_CHANNEL_ID: mattermost.channelId,
    DISPATCH_PAUSE_MS: '0',
    // The stand-in lists a run as soon as it is dispatched (unless told to lag).
    RUN_SETTLE_SECONDS: '2',
  };
  return {
    schemaRegistry,
    swift,
    github,
    registryTags,
    mattermost,
    env,
    stop: async () => {
      await Promise.all(
        [schemaRegistry, swift, github, registryTags, mattermost].map((standin) => standin.stop()),
      );
    },
  };
}
