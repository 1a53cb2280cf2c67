import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Payload } from '@temporalio/common';
import { DefaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../../src/temporal/codec';
import { decodeEncryptionKey } from '../../../src/temporal/encryption-key';
import { eaxEncrypt } from '../../../src/temporal/eax';

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}
interface Vector {
  name: string;
  key: string;
  plain: JsonPayload;
  encrypted: JsonPayload;
}

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'codec');
const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});
const readVectors = (file: string): Vector[] =>
  (JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')) as { vectors: Vector[] }).vectors;
const hex = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('hex');

// docs/temporal-interop.md §3.4: a json/plain "hello" Payload sealed by PyCryptodome with a fixed nonce.
const INNER = Buffer.from('0a160a08656e636f64696e67120a6a736f6e2f706c61696e12072268656c6c6f22', 'hex');
const NONCE = Buffer.from('101112131415161718191a1b1c1d1e1f', 'hex');
const DOCUMENTED = [
  {
    key: 'HLCeMJLLiyLrUOukdThNgRfyraIXZk918rtp5VX/uwI=',
    tag: 'bdd781c21a94ae18ed30ce9d6d0de6d8',
    sealed: 'EBESExQVFhcYGRobHB0eH73XgcIalK4Y7TDOnW0N5th+8Z/VLecigCcmVE1/QYl123VBiYhk3ICKOAnMksL6GV0=',
  },
  {
    key: 'AAECAwQFBgcICQoLDA0ODw==',
    tag: '33d2f6bde78cc662392abdb23e2825d2',
    sealed: 'EBESExQVFhcYGRobHB0eHzPS9r3njMZiOSq9sj4oJdKEBW4U/GdXl6T19BP30dfqC4f2ymB0pYi6q6VBFJEkC+c=',
  },
];

describe('EAX as PyCryptodome computes it', () => {
  it.each(DOCUMENTED)(
    'reproduces the documented tag and sealed bytes for key $key',
    ({ key, tag, sealed }) => {
      const result = eaxEncrypt(decodeEncryptionKey(key), NONCE, INNER);
      expect(result.tag.toString('hex')).toBe(tag);
      expect(Buffer.concat([NONCE, result.tag, result.ciphertext]).toString('base64')).toBe(sealed);
    },
  );
});

/** The codec for a key as the encryption-key setting holds it (standard base64). */
function codecFor(key: string, nonce?: () => Buffer): EncryptionCodec {
  return new EncryptionCodec(decodeEncryptionKey(key), nonce);
}

describe('EncryptionCodec', () => {
  const helloPayload = (): Payload => new DefaultPayloadConverter().toPayload('hello');

  it.each(DOCUMENTED)(
    'encodes a Payload to the documented bytes with a fixed nonce ($key)',
    async ({ key, sealed }) => {
      const codec = codecFor(key, () => NONCE);
      const [encrypted] = await codec.encode([helloPayload()]);
      expect(Buffer.from(encrypted!.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Object.keys(encrypted!.metadata!)).toEqual(['encoding']);
      expect(Buffer.from(encrypted!.data!).toString('base64')).toBe(sealed);
    },
  );

  it.each(readVectors('temporal-lib-py.json'))(
    'decodes what temporal-lib-py encrypted: $name',
    async (vector) => {
      const [decoded] = await codecFor(vector.key).decode([fromJson(vector.encrypted)]);
      const expected = fromJson(vector.plain);
      expect(hex(decoded!.data)).toBe(hex(expected.data));
      expect(Object.keys(decoded!.metadata!).sort()).toEqual(Object.keys(expected.metadata!).sort());
      for (const [name, value] of Object.entries(expected.metadata!)) {
        expect(hex(decoded!.metadata![name])).toBe(hex(value));
      }
    },
  );

  it.each(readVectors('typescript-encoded.json'))('round-trips its own payloads: $name', async (vector) => {
    const [decoded] = await codecFor(vector.key).decode([fromJson(vector.encrypted)]);
    expect(hex(decoded!.data)).toBe(hex(fromJson(vector.plain).data));
  });

  it('uses a fresh nonce for every payload', async () => {
    const codec = codecFor(DOCUMENTED[0]!.key);
    const [a, b] = await codec.encode([helloPayload(), helloPayload()]);
    expect(hex(a!.data).slice(0, 32)).not.toBe(hex(b!.data).slice(0, 32));
  });

  it('refuses a payload that is not encrypted, loudly', async () => {
    const codec = codecFor(DOCUMENTED[0]!.key);
    await expect(codec.decode([helloPayload()])).rejects.toThrow(/encoding 'json\/plain'.*binary\/encrypted/);
  });

  it('refuses a payload sealed with another key', async () => {
    const [sealed] = await codecFor(DOCUMENTED[1]!.key).encode([helloPayload()]);
    await expect(codecFor(DOCUMENTED[0]!.key).decode([sealed!])).rejects.toThrow(
      'incorrect key or message corrupted',
    );
  });

  it.each([
    ['not base64 at all!', /not valid base64/],
    [Buffer.alloc(8).toString('base64'), /16 or 32 bytes.*got 8/],
    [Buffer.alloc(24).toString('base64'), /got 24/],
  ])('rejects the key %s', (key, message) => {
    expect(() => codecFor(key)).toThrow(message);
  });
});
