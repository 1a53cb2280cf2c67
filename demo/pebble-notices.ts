// What the Juju unit agent watches in each workload container: Pebble's custom notices.
// A notice added or repeated since the last look becomes a `<container>-pebble-custom-notice`.
import * as http from 'node:http';

export interface PebbleNotice {
  id: string;
  type: string;
  key: string;
  'last-repeated': string;
  occurrences: number;
}

/** Custom notices with `key` repeated after `after` (RFC 3339), long-polling up to `waitSeconds`. */
export function customNotices(
  socketPath: string,
  key: string,
  after: string | undefined,
  waitSeconds: number,
): Promise<PebbleNotice[]> {
  const query = new URLSearchParams({ types: 'custom', keys: key, timeout: `${waitSeconds}s` });
  if (after) query.set('after', after);
  return new Promise((resolve, reject) => {
    const request = http.get(
      { socketPath, path: `/v1/notices?${query.toString()}`, timeout: (waitSeconds + 10) * 1000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              result?: PebbleNotice[] | { message?: string };
            };
            if (response.statusCode !== 200 || !Array.isArray(body.result)) {
              const message = Array.isArray(body.result) ? '' : body.result?.message;
              reject(
                new Error(`Pebble answered ${response.statusCode} to GET /v1/notices: ${message ?? ''}`),
              );
              return;
            }
            resolve(body.result);
          } catch (error) {
            reject(new Error(`Pebble's answer to GET /v1/notices is not JSON: ${String(error)}`));
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('Pebble did not answer GET /v1/notices')));
    request.on('error', reject);
  });
}
