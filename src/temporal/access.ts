// How a Temporal client of ours reaches the frontend, from the settings: the address and
// TLS as temporal-lib-py decides them (TLS only when tls-root-cas is set; server name =
// the host part; a host without a port goes where temporalio's URL goes). The worker and
// the trigger both build their connection from `temporalAccess`.
import type { Settings } from '../contract/settings';
import type { TemporalHost } from './host';

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

/**
 * temporalio dials `https://<host>` with TLS and `http://<host>` without, so a host without
 * a port goes to 443 or 80 (docs/temporal-interop.md §2b, held by tests/integration/host-probe.test.ts).
 * The TypeScript SDK would append 7233 instead, so the port is always written out here.
 */
export function temporalAddress(host: TemporalHost, tls: boolean): string {
  return `${host.name}:${host.port ?? (tls ? 443 : 80)}`;
}

export interface TemporalAccess {
  /** `name:port`, as handed to the connection. */
  address: string;
  tls: TlsOptions | false;
}

export function temporalAccess(
  settings: Pick<Settings, 'host' | 'tlsRootCas'>,
  choice: TlsChoice = {},
): TemporalAccess {
  const tls = tlsOptions(settings, choice);
  return { address: temporalAddress(settings.host, tls !== false), tls };
}
