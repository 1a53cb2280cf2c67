// An image's tags and their digests, from the public gallery's describeImageTags
// (the registry the OCI Factory releases to).
import { callOutside, type CallPolicy, HttpStatusError, parseAnswer } from '../outside-call';

export interface RegistryTag {
  tag: string;
  digest: string | undefined;
}

export type RegistryTagsResult = { tags: RegistryTag[] } | { notFound: string };

interface DescribeImageTagsResponse {
  imageTagDetails?: { imageTag?: string; imageDetail?: { imageDigest?: string } }[];
  nextToken?: string;
  message?: string;
}

export function registryAliasOf(image: string): string {
  return image.startsWith('mock-') ? 'rocksdev' : 'ubuntu';
}

/**
 * Every tag of the image (following nextToken). The API's "repository not found" (HTTP 400
 * naming RepositoryNotFoundException) is a result, `notFound`; a 429, a 5xx
 * or no answer is transient (retried by callOutside); any other 4xx is a permanent error.
 */
export async function describeImageTags(
  apiUrl: string,
  image: string,
  policy: CallPolicy,
): Promise<RegistryTagsResult> {
  const tags: RegistryTag[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await callOutside('registry-tags', `tags of ${image}`, policy, async (signal) => {
      const response = await fetch(`${apiUrl}/describeImageTags`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          repositoryName: image,
          maxResults: 1000,
          registryAliasName: registryAliasOf(image),
          ...(token ? { nextToken: token } : {}),
        }),
        signal,
      });
      const text = await response.text();
      if (response.ok) return parseAnswer<DescribeImageTagsResponse>(text, `registry tags of ${image}`);
      if (isRepositoryNotFound(response.status, text))
        return { notFound: notFoundMessage(response.status, text) };
      throw new HttpStatusError(
        `registry tags of ${image} could not be read: HTTP ${response.status} ${text.slice(0, 200)}`,
        response.status,
        response.headers,
      );
    });
    if ('notFound' in page) return page;
    for (const detail of page.imageTagDetails ?? []) {
      if (typeof detail.imageTag === 'string') {
        tags.push({ tag: detail.imageTag, digest: detail.imageDetail?.imageDigest });
      }
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return { tags };
}

function isRepositoryNotFound(status: number, text: string): boolean {
  return (status === 400 || status === 404) && /RepositoryNotFound/.test(text);
}

function notFoundMessage(status: number, text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  return `HTTP ${status} ${text.slice(0, 200)}`;
}
