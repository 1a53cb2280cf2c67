// An image's tags and their digests, from the public gallery's describeImageTags
// (the registry the OCI Factory releases to).
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
 * Every tag of the image (following nextToken). A client error (unknown repository)
 * is a result, `notFound`; a server or network error throws.
 */
export async function describeImageTags(
  apiUrl: string,
  image: string,
  signal?: AbortSignal,
): Promise<RegistryTagsResult> {
  const tags: RegistryTag[] = [];
  let nextToken: string | undefined;
  do {
    const response = await fetch(`${apiUrl}/describeImageTags`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        repositoryName: image,
        maxResults: 1000,
        registryAliasName: registryAliasOf(image),
        ...(nextToken ? { nextToken } : {}),
      }),
      signal,
    });
    const text = await response.text();
    let body: DescribeImageTagsResponse = {};
    try {
      body = JSON.parse(text) as DescribeImageTagsResponse;
    } catch {
      // not JSON: reported below with the raw text
    }
    if (response.status >= 400 && response.status < 500) {
      return { notFound: body.message ?? `HTTP ${response.status} ${text.slice(0, 200)}` };
    }
    if (!response.ok) {
      throw new Error(
        `registry tags of ${image} could not be read: HTTP ${response.status} ${text.slice(0, 200)}`,
      );
    }
    for (const detail of body.imageTagDetails ?? []) {
      if (typeof detail.imageTag === 'string') {
        tags.push({ tag: detail.imageTag, digest: detail.imageDetail?.imageDigest });
      }
    }
    nextToken = body.nextToken || undefined;
  } while (nextToken);
  return { tags };
}
