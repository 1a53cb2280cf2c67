// Swift object store reads: the full listing of a container (paged with `marker`, as
// swiftclient's full_listing) and one object's content.
import type { SwiftSession } from './keystone';

export interface SwiftObject {
  name: string;
  bytes?: number;
  last_modified?: string;
}

export async function listAllObjects(
  session: SwiftSession,
  container: string,
  prefix: string | undefined,
  signal?: AbortSignal,
): Promise<SwiftObject[]> {
  const objects: SwiftObject[] = [];
  let marker = '';
  for (;;) {
    const query = new URLSearchParams({ format: 'json' });
    if (prefix) query.set('prefix', prefix);
    if (marker) query.set('marker', marker);
    const url = `${session.storageUrl}/${encodeURIComponent(container)}?${query}`;
    const response = await fetch(url, { headers: { 'X-Auth-Token': session.token }, signal });
    if (response.status === 204) break;
    const body = await response.text();
    if (!response.ok) {
      throw new Error(
        `Swift listing of container ${container} failed: HTTP ${response.status} ${body.slice(0, 200)}`,
      );
    }
    const page = JSON.parse(body) as SwiftObject[];
    if (page.length === 0) break;
    objects.push(...page);
    marker = page[page.length - 1]!.name;
  }
  return objects;
}

export async function getObjectText(
  session: SwiftSession,
  container: string,
  name: string,
  signal?: AbortSignal,
): Promise<string> {
  const path = name.split('/').map(encodeURIComponent).join('/');
  const response = await fetch(`${session.storageUrl}/${encodeURIComponent(container)}/${path}`, {
    headers: { 'X-Auth-Token': session.token },
    signal,
  });
  const body = await response.text();
  if (!response.ok) {
    throw new Error(`Swift object ${container}/${name} could not be read: HTTP ${response.status}`);
  }
  return body;
}
