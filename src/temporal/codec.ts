// Payload encryption byte-compatible with temporal-lib-py (docs/temporal-interop.md §3):
// the whole Payload protobuf sealed with AES-EAX, data = nonce ‖ tag ‖ ciphertext,
// metadata only `encoding: binary/encrypted`. Every payload is encrypted, because
// the Python codec silently drops payloads that are not.
import { randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { eaxDecrypt, eaxEncrypt } from './eax';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const NONCE_BYTES = 16;
const TAG_BYTES = 16;

const ProtoPayload = temporal.api.common.v1.Payload;

export class EncryptionCodec implements PayloadCodec {
  /** `key`: the AES key, as the encryption-key setting reads it. */
  constructor(
    private readonly key: Buffer,
    private readonly nonceSource: () => Buffer = () => randomBytes(NONCE_BYTES),
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  encrypt(payload: Payload): Payload {
    const plaintext = Buffer.from(ProtoPayload.encode(payload).finish());
    const nonce = this.nonceSource();
    const { ciphertext, tag } = eaxEncrypt(this.key, nonce, plaintext);
    return {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) },
      data: Buffer.concat([nonce, tag, ciphertext]),
    };
  }

  decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding
      ? Buffer.from(payload.metadata.encoding).toString()
      : undefined;
    if (encoding !== ENCRYPTED_ENCODING) {
      throw new Error(
        `refusing a payload with encoding '${encoding ?? '(none)'}': encryption-key is set, so every payload must be '${ENCRYPTED_ENCODING}'`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new Error('encrypted payload is too short to hold a nonce and a tag');
    }
    const plaintext = eaxDecrypt(
      this.key,
      data.subarray(0, NONCE_BYTES),
      data.subarray(NONCE_BYTES + TAG_BYTES),
      data.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES),
    );
    const inner = ProtoPayload.decode(plaintext);
    return { metadata: { ...inner.metadata }, data: inner.data };
  }
}

/** The data converter's codecs: every payload encrypted when there is a key, none otherwise. */
export function payloadCodecs(
  encryptionKey: Buffer | undefined,
): { payloadCodecs: PayloadCodec[] } | undefined {
  return encryptionKey ? { payloadCodecs: [new EncryptionCodec(encryptionKey)] } : undefined;
}
