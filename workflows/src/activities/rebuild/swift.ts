// Swift object store reads: the full listing of a container (paged with `marker`, as
// swiftclient's full_listing) and one object's content.
import { callOutside, type CallPolicy, fetchText, parseAnswer } from '../outside-call';
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
  policy: CallPolicy,
): Promise<SwiftObject[]> {
  const objects: SwiftObject[] = [];
  let marker = '';
  for (;;) {
    const query = new URLSearchParams({ format: 'json' });
    if (prefix) query.set('prefix', prefix);
    if (marker) query.set('marker', marker);
    const url = `${session.storageUrl}/${encodeURIComponent(container)}?${query}`;
    const what = `listing of container ${container}`;
    const page = await callOutside('swift', what, policy, async (signal) => {
      const { response, text } = await fetchText(
        url,
        { headers: { 'X-Auth-Token': session.token }, signal },
        `Swift ${what} failed`,
      );
      return response.status === 204 ? [] : parseAnswer<SwiftObject[]>(text, `Swift ${what}`);
    });
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
  policy: CallPolicy,
): Promise<string> {
  const path = name.split('/').map(encodeURIComponent).join('/');
  return callOutside('swift', `object ${name}`, policy, async (signal) => {
    const { text } = await fetchText(
      `${session.storageUrl}/${encodeURIComponent(container)}/${path}`,
      { headers: { 'X-Auth-Token': session.token }, signal },
      `Swift object ${container}/${name} could not be read`,
    );
    return text;
  });
}
