// One Octokit client for the OCI Factory repository, sending the headers GitHub
// documents for its REST API (the Python original sent them on dispatch).
import { Octokit } from '@octokit/rest';
import type { PipelineLogger } from '../pipeline-types';
import type { GitHubSettings } from '../pipeline-settings';

/** Each call passes its own `request.signal` (timeout and cancellation: outside-call.ts). */
export function gitHubClient(settings: GitHubSettings, log: PipelineLogger): Octokit {
  const octokit = new Octokit({
    baseUrl: settings.apiUrl,
    userAgent: 'oci-factory-workflows',
    log: {
      debug: () => {},
      info: () => {},
      warn: (message) => log.warn(message),
      error: (message) => log.error(message),
    },
  });
  // Bearer rather than Octokit's `token` prefix, so the request is exactly the documented one.
  octokit.hook.before('request', (options) => {
    options.headers.accept = 'application/vnd.github+json';
    options.headers['x-github-api-version'] = '2022-11-28';
    if (settings.token) options.headers.authorization = `Bearer ${settings.token}`;
  });
  return octokit;
}

/** The HTTP status of an Octokit RequestError, if it is one. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** "HTTP 422 <GitHub's message>" for a RequestError, the message otherwise; never the request's headers. */
export function describeGitHubError(error: unknown): string {
  const status = httpStatusOf(error);
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data;
  const message =
    typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string'
      ? (data as { message: string }).message
      : error instanceof Error
        ? error.message
        : String(error);
  return status === undefined ? message : `HTTP ${status} ${message}`;
}
