// The one reading of the `host` option (temporal-lib-py's forms): the charm checks
// it with this, and the worker and the trigger connect with what it returns.

export const DEFAULT_TEMPORAL_PORT = 7233;

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/;

export interface TemporalHost {
  /** The host part as written (`[::1]` keeps its brackets). */
  name: string;
  port: number;
  /** `name:port`, as handed to the connection. */
  address: string;
  /** The host part without brackets: the TLS server name, as temporal-lib-py uses it. */
  hostname: string;
}

/** `name`, `name:port` or `[v6]:port` (7233 when no port); null for anything else. */
export function parseTemporalHost(host: string): TemporalHost | null {
  const match = HOST.exec(host);
  if (!match) return null;
  const name = match[1]!;
  const port = match[2] === undefined ? DEFAULT_TEMPORAL_PORT : Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { name, port, address: `${name}:${port}`, hostname: name.replace(/^\[|\]$/g, '') };
}
