// How a Temporal client of ours reaches the frontend, from the settings: the address,
// TLS as temporal-lib-py decides it (only when tls-root-cas is set; server name = the
// host part), and the payload codec when encryption-key is set. The worker and the
// trigger both build their connection from this.
import type { Settings } from '../contract/settings';

export interface TlsOptions {
  /** PEM CA bundle; the system's CAs when absent. */
  serverRootCACertificate?: Buffer;
  serverNameOverride: string;
}

export interface TlsChoice {
  /** TLS even without tls-root-cas (the trigger's --tls), with the system's CAs. */
  force?: boolean;
  serverName?: string;
}

export function tlsOptions(
  settings: Pick<Settings, 'host' | 'tlsRootCas'>,
  choice: TlsChoice = {},
): TlsOptions | false {
  const { tlsRootCas } = settings;
  if (tlsRootCas === undefined && !choice.force && choice.serverName === undefined) return false;
  return {
    ...(tlsRootCas === undefined ? {} : { serverRootCACertificate: Buffer.from(tlsRootCas) }),
    serverNameOverride: choice.serverName ?? settings.host.hostname,
  };
}
