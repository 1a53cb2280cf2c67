// Keystone v3 password authentication, project-scoped, as swiftclient does it with
// auth_version 3: a token plus the object-store URL (OS_STORAGE_URL, else the catalog's).
import { callOutside, type CallPolicy, HttpStatusError } from '../outside-call';
import type { SwiftSettings } from '../pipeline-settings';

export interface SwiftSession {
  token: string;
  storageUrl: string;
}

interface CatalogEntry {
  type?: string;
  endpoints?: { interface?: string; region?: string; region_id?: string; url?: string }[];
}

export async function authenticateWithKeystone(
  settings: SwiftSettings,
  policy: CallPolicy,
): Promise<SwiftSession> {
  if (settings.identityApiVersion.replace(/^v/i, '').split('.')[0] !== '3') {
    throw new Error(
      `OS_IDENTITY_API_VERSION ${settings.identityApiVersion} is not supported: only Keystone v3 is`,
    );
  }
  const { response, body } = await callOutside('keystone', 'authentication', policy, async (signal) => {
    const answer = await fetch(tokensUrl(settings.authUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: {
                name: settings.username,
                domain: { name: settings.userDomainName },
                password: settings.password,
              },
            },
          },
          scope: { project: { name: settings.projectName, domain: { name: settings.projectDomainName } } },
        },
      }),
      signal,
    });
    const text = await answer.text();
    if (!answer.ok || !answer.headers.get('x-subject-token')) {
      throw new HttpStatusError(
        `Keystone authentication at ${settings.authUrl} failed: HTTP ${answer.status} ${keystoneMessage(text)}`,
        answer.ok ? 502 : answer.status,
        answer.headers,
      );
    }
    return { response: answer, body: text };
  });
  const token = response.headers.get('x-subject-token')!;
  const storageUrl = settings.storageUrl || objectStoreUrl(body, settings.regionName);
  if (!storageUrl) {
    throw new Error('OS_STORAGE_URL is not set and the Keystone catalog has no public object-store endpoint');
  }
  return { token, storageUrl: storageUrl.replace(/\/+$/, '') };
}

/** OS_AUTH_URL is usually the v3 root (…/v3); a bare identity root gets /v3 added. */
function tokensUrl(authUrl: string): string {
  const root = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(root) ? `${root}/auth/tokens` : `${root}/v3/auth/tokens`;
}

function objectStoreUrl(body: string, regionName: string): string | undefined {
  try {
    const catalog = (JSON.parse(body) as { token?: { catalog?: CatalogEntry[] } }).token?.catalog ?? [];
    const endpoints = catalog.find((service) => service.type === 'object-store')?.endpoints ?? [];
    return endpoints.find(
      (endpoint) =>
        endpoint.interface === 'public' &&
        (!regionName || endpoint.region === regionName || endpoint.region_id === regionName),
    )?.url;
  } catch {
    return undefined;
  }
}

function keystoneMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: string } }).error?.message;
    if (message) return message;
  } catch {
    // not JSON
  }
  return body.slice(0, 200);
}
