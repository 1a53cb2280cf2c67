import { Metadata, type InterceptingCall, type InterceptorOptions } from '@grpc/grpc-js';
import { readOptions, type Settings } from '../../../src/contract/settings';
import { EncryptionCodec, payloadCodecs } from '../../../src/temporal/codec';
import { authorizationFor, authorizationInterceptor } from '../../../src/trigger/authorization';
import type { TriggerOptions } from '../../../src/trigger/options';
import { connectionOptionsFor } from '../../../src/trigger/start';

function settings(texts: Record<string, string> = {}): Settings {
  const result = readOptions({ host: 'temporal.example.com:443', namespace: 'rocks', queue: 'q', ...texts });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.settings;
}

const baseOptions: TriggerOptions = {
  topic: 't',
  group: 'g',
  workflowId: 'w',
  wait: false,
  settings: settings(),
  address: 'temporal.example.com:443',
  tls: false,
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
    const tls = { serverRootCACertificate: ca, serverNameOverride: 'temporal.example.com' };
    expect(connectionOptionsFor({ ...baseOptions, tls }, undefined).tls).toEqual(tls);
  });

  const renewal = { settled: async () => undefined, renewAfterRejection: async () => undefined };

  it('sends the current metadata on every call, so a renewed token is picked up', async () => {
    let token = 'one';
    const interceptor = authorizationInterceptor({
      ...renewal,
      metadata: () => ({ authorization: `Bearer ${token}` }),
    });
    const sent: string[] = [];
    const call = (): void => {
      const next = {
        start: (metadata: Metadata) => sent.push(String(metadata.get('authorization')[0])),
      } as unknown as InterceptingCall;
      const intercepted = interceptor({} as InterceptorOptions, () => next);
      intercepted.start(new Metadata(), {});
    };
    call();
    await new Promise(setImmediate);
    token = 'two';
    call();
    await new Promise(setImmediate);
    expect(sent).toEqual(['Bearer one', 'Bearer two']);
  });

  it('keeps the SDK retry interceptor when it adds its own', () => {
    const options = connectionOptionsFor(baseOptions, { ...renewal, metadata: () => ({}) });
    expect(options.interceptors).toHaveLength(2);
  });

  it('uses the codec only when an encryption key is set', () => {
    expect(payloadCodecs(baseOptions.settings.encryptionKey)).toBeUndefined();
    const key = settings({ 'encryption-key': 'AAECAwQFBgcICQoLDA0ODw==' }).encryptionKey;
    expect(payloadCodecs(key)?.payloadCodecs[0]).toBeInstanceOf(EncryptionCodec);
  });
});

describe('authorizationFor', () => {
  it('is undefined without auth', async () => {
    await expect(authorizationFor(baseOptions)).resolves.toBeUndefined();
  });
});
