// The one reading of `encryption-key`: standard base64, as temporal-lib-py's
// base64.b64decode takes it, of a key AES-EAX can use there (16 or 32 bytes).
// The charm checks it with this; the worker and the trigger encrypt with what it returns.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The AES key; throws saying what is wrong, never echoing the value. */
export function decodeEncryptionKey(base64Key: string): Buffer {
  if (base64Key === '' || !BASE64.test(base64Key)) throw new Error('encryption-key is not valid base64');
  const key = Buffer.from(base64Key, 'base64');
  if (key.length !== 16 && key.length !== 32) {
    throw new Error(`encryption-key must decode to 16 or 32 bytes (AES-128/256), got ${key.length}`);
  }
  return key;
}
