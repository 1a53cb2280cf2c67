// The same server as temporal-lib-py for every `host` value (docs/temporal-interop.md §2b).
// The left half of the table is what the real temporal-lib-py 1.10.0 / temporalio 1.35.0
// dial, probed against listening sockets on loopback; the right half is what the worker and
// the trigger dial (src/temporal/access.ts), or null where the charm refuses the value.
import { checkConfig } from '../../src/charm/config-check';
import { temporalAccess } from '../../src/temporal/access';
import { probeHosts, type ProbeCase } from '../harness/host-probe';
import { TEST_CA } from '../harness/test-credentials';

interface Row extends ProbeCase {
  /** What the probe sees: the listener dialed, or a pattern of the error when nothing was. */
  python: string | RegExp;
  /** The address we dial; null when the charm refuses the host. */
  ours: string | null;
}

const TABLE: Row[] = [
  // A host without a port: the URL scheme's port, so TLS decides it (production: a name + TLS → 443).
  { host: 'localhost', tls: true, python: '127.0.0.1:443', ours: 'localhost:443' },
  { host: 'localhost', tls: false, python: '127.0.0.1:80', ours: 'localhost:80' },
  { host: '127.0.0.1', tls: true, python: '127.0.0.1:443', ours: '127.0.0.1:443' },
  // name:port: the port as written, with or without TLS.
  { host: 'localhost:7234', tls: true, python: '127.0.0.1:7234', ours: 'localhost:7234' },
  { host: 'localhost:7234', tls: false, python: '127.0.0.1:7234', ours: 'localhost:7234' },
  { host: '127.0.0.1:7233', tls: false, python: '127.0.0.1:7233', ours: '127.0.0.1:7233' },
  // IPv6 in brackets, with and without a port.
  { host: '[::1]', tls: false, python: '[::1]:80', ours: '[::1]:80' },
  { host: '[::1]:7234', tls: false, python: '[::1]:7234', ours: '[::1]:7234' },
  // With TLS, temporal-lib-py takes the TLS server name as host.split(':')[0], i.e. '[', and
  // fails; the SDK alone goes to 443. We go there, with the server name ::1.
  { host: '[::1]', tls: true, python: /InvalidUri/, ours: '[::1]:443' },
  { host: '[::1]:7234', tls: true, python: /InvalidUri/, ours: '[::1]:7234' },
  { host: '[::1]', tls: true, sdkOnly: true, python: '[::1]:443', ours: '[::1]:443' },
  // IPv6 without brackets: the URL has no host. Refused by both.
  { host: '::1', tls: false, python: /empty host/, ours: null },
  { host: '::1', tls: true, python: /empty host/, ours: null },
  // Surrounding spaces: the URL parser drops trailing ones and refuses leading ones; with TLS,
  // a trailing space stays in temporal-lib-py's server name and fails. The charm reads the value
  // trimmed, so a value the Python worker could not use goes where the trimmed host goes.
  { host: 'localhost:7234 ', tls: false, python: '127.0.0.1:7234', ours: 'localhost:7234' },
  { host: 'localhost:7234 ', tls: true, python: '127.0.0.1:7234', ours: 'localhost:7234' },
  { host: 'localhost ', tls: true, python: /InvalidUriChar/, ours: 'localhost:443' },
  {
    host: ' localhost:7234',
    tls: false,
    python: /invalid international domain name/,
    ours: 'localhost:7234',
  },
  { host: ' localhost ', tls: true, python: /invalid international domain name/, ours: 'localhost:443' },
];

/** What the worker dials for this host: the charm's check, then the one access rule. */
function ours(row: Row): string | null {
  const config = { host: row.host, namespace: 'rocks', queue: 'q', 'tls-root-cas': row.tls ? TEST_CA : '' };
  const checked = checkConfig(config);
  return checked.ok ? temporalAccess(checked.settings).address : null;
}

const port = (address: string) => address.slice(address.lastIndexOf(':') + 1);

describe('the Temporal address of a host value, against temporal-lib-py', () => {
  let results: Awaited<ReturnType<typeof probeHosts>>;

  beforeAll(async () => {
    results = await probeHosts(TABLE, TEST_CA);
  }, 120_000);

  it.each(
    TABLE.map((row, index) => [
      row.host,
      row.tls ? 'TLS' : 'plaintext',
      row.sdkOnly ? ' (SDK alone)' : '',
      index,
    ]),
  )('%j with %s%s', (_host, _tls, _sdk, index) => {
    const row = TABLE[index as number]!;
    const result = results[index as number]!;
    if (typeof row.python === 'string') {
      expect(result).toEqual({ dialed: row.python, error: null });
      // Same port; the name is ours as written (localhost resolves to the listener dialed).
      expect(port(ours(row)!)).toBe(port(row.python));
    } else {
      expect(result.dialed).toBeNull();
      expect(result.error).toMatch(row.python);
    }
    expect(ours(row)).toBe(row.ours);
  });
});
