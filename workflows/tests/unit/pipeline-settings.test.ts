import { readPipelineSettings } from '../../src/activities/pipeline-settings';

describe('readPipelineSettings', () => {
  it('gives the production defaults and names the required variables that are missing', () => {
    const settings = readPipelineSettings({});

    expect(settings.swift).toMatchObject({
      userDomainName: 'Default',
      projectDomainName: 'Default',
      identityApiVersion: '3',
      container: 'oci-factory',
    });
    expect(settings.github).toEqual({
      token: '',
      apiUrl: 'https://api.github.com',
      owner: 'canonical',
      repo: 'oci-factory',
      releasesBranch: '_releases',
      dispatchRef: 'main',
    });
    expect(settings.registryTagsApiUrl).toBe('https://api.us-east-1.gallery.ecr.aws');
    expect(settings.externalRefPrefix).toBe('workflow-engine');
    expect(settings.dispatchPauseMs).toBe(2000);
    expect(settings.mattermost).toBeNull();
    expect(settings.missingMattermost).toEqual([
      'MATTERMOST_SERVER',
      'MATTERMOST_TOKEN',
      'MATTERMOST_CHANNEL_ID',
    ]);
    expect(settings.missing).toEqual([
      'OS_AUTH_URL',
      'OS_USERNAME',
      'OS_PASSWORD',
      'OS_PROJECT_NAME',
      'GITHUB_TOKEN',
    ]);
  });

  it('derives the Temporal web UI from TEMPORAL_ADDRESS without its gRPC port, unless TEMPORAL_WEB_URL is set', () => {
    expect(readPipelineSettings({ TEMPORAL_ADDRESS: 'temporal.example.com:7233' }).temporalWebUrl).toBe(
      'https://web.temporal.example.com',
    );
    expect(
      readPipelineSettings({
        TEMPORAL_ADDRESS: 'temporal.example.com',
        TEMPORAL_WEB_URL: 'http://127.0.0.1:8233/',
      }).temporalWebUrl,
    ).toBe('http://127.0.0.1:8233');
  });

  it('takes every override', () => {
    const settings = readPipelineSettings({
      OCI_FACTORY_REPOSITORY: 'someone/fork',
      OCI_FACTORY_RELEASES_BRANCH: 'rel',
      OCI_FACTORY_DISPATCH_REF: 'dev',
      GITHUB_API_URL: 'http://127.0.0.1:1/',
      MATTERMOST_SERVER: 'https://chat.example.com/',
      MATTERMOST_TOKEN: 't',
      MATTERMOST_CHANNEL_ID: 'c',
      DISPATCH_PAUSE_MS: '0',
      OS_SWIFT_CONTAINER: 'other',
    });

    expect(settings.github).toMatchObject({
      owner: 'someone',
      repo: 'fork',
      releasesBranch: 'rel',
      dispatchRef: 'dev',
    });
    expect(settings.github.apiUrl).toBe('http://127.0.0.1:1');
    expect(settings.mattermost).toEqual({ server: 'https://chat.example.com', token: 't', channelId: 'c' });
    expect(settings.dispatchPauseMs).toBe(0);
    expect(settings.swift.container).toBe('other');
  });
});
