// AES in EAX mode without associated data, exactly as PyCryptodome computes it
// (docs/temporal-interop.md §3.3): Node's crypto has CMAC building blocks (ECB, CTR)
// but no EAX.
import { createCipheriv, timingSafeEqual } from 'node:crypto';

const BLOCK = 16;

function cipherName(key: Buffer, mode: 'ecb' | 'ctr'): string {
  if (key.length !== 16 && key.length !== 32) {
    throw new Error(`AES-EAX needs a 16- or 32-byte key, got ${key.length} bytes`);
  }
  return `aes-${key.length * 8}-${mode}`;
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** GF(2^128) doubling used by CMAC subkey derivation (RFC 4493). */
function double(block: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    out[i] = ((block[i]! << 1) | (i + 1 < BLOCK ? block[i + 1]! >> 7 : 0)) & 0xff;
  }
  if (block[0]! & 0x80) out[BLOCK - 1]! ^= 0x87;
  return out;
}

function cmac(key: Buffer, message: Buffer): Buffer {
  const ecb = createCipheriv(cipherName(key, 'ecb'), key, null).setAutoPadding(false);
  const encryptBlock = (block: Buffer) => ecb.update(block);
  const k1 = double(encryptBlock(Buffer.alloc(BLOCK)));
  const k2 = double(k1);
  const blocks = Math.max(1, Math.ceil(message.length / BLOCK));
  const complete = message.length > 0 && message.length % BLOCK === 0;
  const lastStart = (blocks - 1) * BLOCK;
  let last: Buffer;
  if (complete) {
    last = xor(message.subarray(lastStart), k1);
  } else {
    const padded = Buffer.alloc(BLOCK);
    message.copy(padded, 0, lastStart);
    padded[message.length - lastStart] = 0x80;
    last = xor(padded, k2);
  }
  let state: Buffer = Buffer.alloc(BLOCK);
  for (let i = 0; i < blocks - 1; i++) {
    state = encryptBlock(xor(state, message.subarray(i * BLOCK, (i + 1) * BLOCK)));
  }
  return encryptBlock(xor(state, last));
}

function omac(key: Buffer, tweak: number, message: Buffer): Buffer {
  const prefix = Buffer.alloc(BLOCK);
  prefix[BLOCK - 1] = tweak;
  return cmac(key, Buffer.concat([prefix, message]));
}

function ctr(key: Buffer, initialCounter: Buffer, input: Buffer): Buffer {
  const cipher = createCipheriv(cipherName(key, 'ctr'), key, initialCounter);
  return Buffer.concat([cipher.update(input), cipher.final()]);
}

export interface Sealed {
  ciphertext: Buffer;
  tag: Buffer;
}

export function eaxEncrypt(key: Buffer, nonce: Buffer, plaintext: Buffer): Sealed {
  const nonceMac = omac(key, 0, nonce);
  const ciphertext = ctr(key, nonceMac, plaintext);
  const tag = xor(xor(nonceMac, omac(key, 1, Buffer.alloc(0))), omac(key, 2, ciphertext));
  return { ciphertext, tag };
}

/** Throws when the tag does not match (wrong key or altered data). */
export function eaxDecrypt(key: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const nonceMac = omac(key, 0, nonce);
  const expected = xor(xor(nonceMac, omac(key, 1, Buffer.alloc(0))), omac(key, 2, ciphertext));
  if (tag.length !== BLOCK || !timingSafeEqual(expected, tag)) {
    throw new Error('incorrect key or message corrupted');
  }
  return ctr(key, nonceMac, ciphertext);
}
