// The activities' proxy as operators write it: undici's EnvHttpProxyAgent throws on a value
// without a scheme, which would crash-loop the worker (issue 10, item 1).
import { getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { routeFetchThroughProxies } from '../../../src/worker/proxy';

describe('routeFetchThroughProxies', () => {
  const original = getGlobalDispatcher();
  afterEach(() => setGlobalDispatcher(original));

  it.each(['user:s3cret@squid.internal:3128', 'squid.internal:3128', 'http://user:s3cret@squid:3128'])(
    'installs the proxy agent for %j, reading it as http://',
    (proxy) => {
      const env: NodeJS.ProcessEnv = { HTTP_PROXY: proxy, https_proxy: proxy, NO_PROXY: 'localhost' };
      expect(routeFetchThroughProxies(env)).toBe(true);
      expect(env.HTTP_PROXY).toMatch(/^http:\/\//);
      expect(env.https_proxy).toBe(env.HTTP_PROXY);
    },
  );

  it('does nothing without a proxy', () => {
    expect(routeFetchThroughProxies({ NO_PROXY: 'localhost' })).toBe(false);
  });
});
