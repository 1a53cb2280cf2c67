// Activities' HTTP through HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case):
// Node's built-in fetch ignores them (unless NODE_USE_ENV_PROXY is set), so the worker installs undici's
// EnvHttpProxyAgent as the global dispatcher that fetch uses.
//
// Not covered: code that uses node:http/https directly (it never honoured
// these variables), and the Temporal gRPC connection: it runs in Rust core
// (tonic/hyper), which reads no proxy variables; NativeConnection's `proxy`
// option (HTTP CONNECT) would be the way if the charm ever needs it.

import { normalizeProxyUrl } from '../contract/setting-rules';

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];

/** Returns whether a proxy is configured (and the dispatcher installed). */
export function routeFetchThroughProxies(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!PROXY_VARIABLES.some((name) => env[name]?.trim())) return false;
  // undici throws "Invalid URL protocol" on `user:pw@squid:3128`, and the worker would
  // crash-loop: a value without a scheme means http:// (SECURITY.md, item 1).
  for (const name of PROXY_VARIABLES) {
    const value = env[name];
    if (value?.trim()) env[name] = normalizeProxyUrl(value);
  }
  // Loaded only when a proxy is set, to keep the worker's start fast.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EnvHttpProxyAgent, setGlobalDispatcher } = require('undici') as typeof import('undici');
  setGlobalDispatcher(new EnvHttpProxyAgent());
  return true;
}
