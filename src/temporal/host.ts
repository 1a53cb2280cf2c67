// The one reading of the `host` option (temporal-lib-py's forms): the charm checks it
// with this. The port of a host written without one depends on TLS, so the address is
// made where both are known: `temporalAddress` in access.ts.

/** The Temporal dev server's port: the trigger's default address (`localhost:7233`). */
export const DEFAULT_TEMPORAL_PORT = 7233;

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/;

export interface TemporalHost {
  /** The host part as written (`[::1]` keeps its brackets). */
  name: string;
  /** The port as written; absent when the host has none. */
  port?: number;
  /** The host part without brackets: the TLS server name, as temporal-lib-py uses it. */
  hostname: string;
}

/** `name`, `name:port`, `[v6]` or `[v6]:port`; null for anything else (a bare IPv6 address included). */
export function parseTemporalHost(host: string): TemporalHost | null {
  const match = HOST.exec(host);
  if (!match) return null;
  const name = match[1]!;
  const hostname = name.replace(/^\[|\]$/g, '');
  if (match[2] === undefined) return { name, hostname };
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { name, port, hostname };
}
