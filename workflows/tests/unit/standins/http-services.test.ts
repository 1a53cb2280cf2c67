import { type Standins, startStandins } from '../../harness/standins';

describe('HTTP stand-ins', () => {
  let standins: Standins;
  beforeEach(async () => {
    standins = await startStandins({ swift: { pageSize: 2 } });
  });
  afterEach(() => standins.stop());

  it('listen on loopback and give env entries pointing at themselves', () => {
    for (const name of [
      'ROCKS_EVENTBUS_KARAPACE_URL',
      'OS_AUTH_URL',
      'GITHUB_API_URL',
      'REGISTRY_TAGS_API_URL',
      'MATTERMOST_SERVER',
    ]) {
      expect(standins.env[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    }
  });

  it('GitHub: folders as arrays of entries, files as base64 content, unknown paths as 404', async () => {
    const { github } = standins;
    github.putFile('_releases', 'oci/mock-rock/_releases.json', { latest: {} });
    const get = (path: string) =>
      fetch(`${github.url}/repos/canonical/oci-factory/contents/${path}?ref=_releases`);

    const folder = await (await get('oci')).json();
    expect(folder).toEqual([
      expect.objectContaining({ name: 'mock-rock', path: 'oci/mock-rock', type: 'dir' }),
    ]);
    const file = (await (await get('oci/mock-rock/_releases.json')).json()) as { content: string };
    expect(file).toMatchObject({ type: 'file', encoding: 'base64', name: '_releases.json' });
    expect(JSON.parse(Buffer.from(file.content, 'base64').toString())).toEqual({ latest: {} });
    const missing = await get('oci/other/_releases.json');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: 'Not Found' });
  });

  it('GitHub: a dispatch needs the Bearer token, a known ref and declared inputs', async () => {
    const { github } = standins;
    const dispatch = (authorization: string, body: unknown) =>
      fetch(`${github.url}/repos/canonical/oci-factory/actions/workflows/Image.yaml/dispatches`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    expect((await dispatch('Bearer wrong', { ref: 'main' })).status).toBe(401);
    const unexpected = await dispatch(`Bearer ${github.token}`, { ref: 'main', inputs: { nope: 1 } });
    expect(unexpected.status).toBe(422);
    expect(await unexpected.json()).toMatchObject({ message: 'Unexpected inputs provided: ["nope"]' });
    expect(
      (await dispatch(`Bearer ${github.token}`, { ref: 'main', inputs: { 'oci-image-name': 'x' } })).status,
    ).toBe(204);
    expect(github.dispatches).toEqual([
      {
        repository: 'canonical/oci-factory',
        workflow: 'Image.yaml',
        ref: 'main',
        inputs: { 'oci-image-name': 'x' },
        at: expect.any(Number),
      },
    ]);
  });

  it('Swift: refuses a request without a Keystone token, and pages listings with marker', async () => {
    const { swift } = standins;
    for (const name of ['a/1', 'a/2', 'a/3', 'b/1']) swift.putObject('oci-factory', name, '{}');
    expect((await fetch(`${swift.storageUrl}/oci-factory?format=json`)).status).toBe(401);

    const auth = await fetch(`${swift.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: swift.username, domain: { name: 'Default' }, password: swift.password },
            },
          },
          scope: { project: { name: swift.projectName, domain: { name: 'Default' } } },
        },
      }),
    });
    expect(auth.status).toBe(201);
    const token = auth.headers.get('x-subject-token')!;
    expect(((await auth.json()) as { token: { catalog: unknown[] } }).token.catalog[0]).toMatchObject({
      type: 'object-store',
    });
    const list = async (marker: string) =>
      (await (
        await fetch(`${swift.storageUrl}/oci-factory?format=json&prefix=a/&marker=${marker}`, {
          headers: { 'x-auth-token': token },
        })
      ).json()) as { name: string }[];
    expect((await list('')).map((o) => o.name)).toEqual(['a/1', 'a/2']);
    expect((await list('a/2')).map((o) => o.name)).toEqual(['a/3']);
    expect(await list('a/3')).toEqual([]);
  });

  it('registry tags: an unknown repository is a RepositoryNotFoundException', async () => {
    const response = await fetch(`${standins.registryTags.url}/describeImageTags`, {
      method: 'POST',
      body: JSON.stringify({ repositoryName: 'nope', registryAliasName: 'ubuntu', maxResults: 1000 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'RepositoryNotFoundException' });
  });

  it('Mattermost: refuses a wrong token', async () => {
    const response = await fetch(`${standins.mattermost.url}/api/v4/posts`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
      body: JSON.stringify({ channel_id: standins.mattermost.channelId }),
    });
    expect(response.status).toBe(401);
    expect(standins.mattermost.posts).toEqual([]);
  });
});
