import { authorizationFor, renewingAuthorization } from '../../src/trigger/authorization';
import type { TriggerOptions } from '../../src/trigger/options';
import { connectionOptionsFor, dataConverterFor, type AuthorizationSource } from '../../src/trigger/start';
import { EncryptionCodec } from '../../src/worker/codec';

const baseOptions: TriggerOptions = {
  topic: 't',
  group: 'g',
  address: 'temporal.example.com:443',
  namespace: 'rocks',
  queue: 'q',
  workflowId: 'w',
  wait: false,
  auth: { provider: 'none' },
};

describe('connection settings of the trigger', () => {
  it('is plaintext without a TLS option, and sends no authorization', () => {
    expect(connectionOptionsFor(baseOptions, undefined)).toEqual({
      address: 'temporal.example.com:443',
      tls: false,
    });
  });

  it('passes the CA bundle and the server name', () => {
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\n');
    const options = {
      ...baseOptions,
      tls: { serverRootCACertificate: ca, serverNameOverride: 'temporal.example.com' },
    };
    expect(connectionOptionsFor(options, undefined).tls).toEqual({
      serverRootCACertificate: ca,
      serverNameOverride: 'temporal.example.com',
    });
  });

  it('sends the current token on every call as the `authorization: Bearer` header (the SDK adds Bearer to apiKey)', () => {
    let token = 'one';
    const source: AuthorizationSource = { authorization: () => `Bearer ${token}`, close: () => undefined };
    const apiKey = connectionOptionsFor(baseOptions, source).apiKey as () => string;
    expect(apiKey()).toBe('one');
    token = 'two';
    expect(apiKey()).toBe('two');
  });

  it('uses the worker codec only when an encryption key is set', () => {
    expect(dataConverterFor(baseOptions)).toEqual({});
    const converter = dataConverterFor({ ...baseOptions, encryptionKey: 'AAECAwQFBgcICQoLDA0ODw==' });
    expect(converter.payloadCodecs?.[0]).toBeInstanceOf(EncryptionCodec);
  });
});

describe('renewing Google authorization', () => {
  afterEach(() => jest.useRealTimers());

  it('renews the token before it expires and keeps the last good one when renewal fails', async () => {
    jest.useFakeTimers({ now: 0 });
    const answers: (() => Promise<{ token: string; expiresAt: number }>)[] = [
      async () => ({ token: 'first', expiresAt: 3600_000 }),
      async () => {
        throw new Error('token endpoint down');
      },
      async () => ({ token: 'second', expiresAt: 7200_000 }),
    ];
    const failures: unknown[] = [];
    const source = await renewingAuthorization({ fetch: () => answers.shift()!() }, (error) =>
      failures.push(error),
    );
    expect(source.authorization()).toBe('Bearer first');

    await jest.advanceTimersByTimeAsync(55 * 60_000);
    expect(failures).toHaveLength(1);
    expect(source.authorization()).toBe('Bearer first');

    await jest.advanceTimersByTimeAsync(60_000);
    expect(source.authorization()).toBe('Bearer second');
    expect(answers).toHaveLength(0);
    source.close();
  });
});

describe('authorizationFor', () => {
  it('is undefined without auth', async () => {
    await expect(authorizationFor(baseOptions)).resolves.toBeUndefined();
  });
});
