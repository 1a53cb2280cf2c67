// Stand-in for the public ECR gallery API's describeImageTags (the registry-tags API):
// tags of a repository under a registry alias, paged with nextToken.
import {
  type HttpStandin,
  type RecordedRequest,
  type StandinResponse,
  jsonBody,
  startHttpStandin,
} from './http-standin';

export interface ImageTag {
  tag: string;
  digest: string;
}

export interface RegistryTagsOptions {
  /** Largest page returned whatever maxResults asks (small values exercise nextToken). */
  pageSize?: number;
}

export interface RegistryTagsStandin extends HttpStandin {
  setTags(registryAlias: string, repository: string, tags: ImageTag[]): void;
}

interface DescribeImageTagsBody {
  registryAliasName?: string;
  repositoryName?: string;
  maxResults?: number;
  nextToken?: string;
}

export async function startRegistryTags(options: RegistryTagsOptions = {}): Promise<RegistryTagsStandin> {
  const repositories = new Map<string, ImageTag[]>();
  const key = (alias: string, repository: string) => `${alias}/${repository}`;

  function describeImageTags(request: RecordedRequest): StandinResponse {
    const body = jsonBody<DescribeImageTagsBody>(request);
    if (!body?.repositoryName || !body.registryAliasName) {
      return {
        status: 400,
        body: {
          __type: 'InvalidParameterException',
          message: 'repositoryName and registryAliasName are required',
        },
      };
    }
    const tags = repositories.get(key(body.registryAliasName, body.repositoryName));
    if (!tags) {
      return {
        status: 400,
        body: {
          __type: 'RepositoryNotFoundException',
          message: `The repository with name '${body.repositoryName}' does not exist in the registry with id '${body.registryAliasName}'`,
        },
      };
    }
    const start = Number(body.nextToken ?? 0);
    const size = Math.min(body.maxResults ?? 100, options.pageSize ?? 1000);
    const page = tags.slice(start, start + size);
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: {
        imageTagDetails: page.map(({ tag, digest }) => ({
          imageTag: tag,
          createdAt: '2025-01-01T00:00:00.000Z',
          imageDetail: {
            imageDigest: digest,
            imageSizeInBytes: 31415926,
            imagePushedAt: '2025-01-01T00:00:00.000Z',
            imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
            artifactMediaType: 'application/vnd.oci.image.config.v1+json',
          },
        })),
        ...(start + size < tags.length ? { nextToken: String(start + size) } : {}),
      },
    };
  }

  const standin = await startHttpStandin('registry tags', (request) =>
    request.method === 'POST' && request.path === '/describeImageTags'
      ? describeImageTags(request)
      : undefined,
  );
  return Object.assign(standin, {
    setTags(registryAlias: string, repository: string, tags: ImageTag[]) {
      repositories.set(key(registryAlias, repository), [...tags]);
    },
  });
}
