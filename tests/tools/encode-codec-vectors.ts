// Encodes the plain payloads of temporal-lib-py.json with our codec into
// typescript-encoded.json, which `generate_codec_vectors.py --check` decrypts
// with temporal-lib-py. Run: npx tsx tests/tools/encode-codec-vectors.ts
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EncryptionCodec } from '../../src/temporal/codec';
import { decodeEncryptionKey } from '../../src/temporal/encryption-key';

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}
interface Vector {
  name: string;
  key: string;
  plain: JsonPayload;
}

const fixtures = path.join(__dirname, '..', 'fixtures', 'codec');

async function main(): Promise<void> {
  const source = JSON.parse(readFileSync(path.join(fixtures, 'temporal-lib-py.json'), 'utf8')) as { vectors: Vector[] };
  const vectors = [];
  for (const vector of source.vectors) {
    const metadata = Object.entries(vector.plain.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]);
    const [encrypted] = await new EncryptionCodec(decodeEncryptionKey(vector.key)).encode([
      { metadata: Object.fromEntries(metadata), data: Buffer.from(vector.plain.data, 'base64') },
    ]);
    vectors.push({
      name: vector.name,
      key: vector.key,
      plain: vector.plain,
      encrypted: {
        metadata: { encoding: Buffer.from(encrypted!.metadata!.encoding!).toString('base64') },
        data: Buffer.from(encrypted!.data!).toString('base64'),
      },
    });
  }
  const generator = 'tests/tools/encode-codec-vectors.ts (checked by generate_codec_vectors.py --check)';
  writeFileSync(path.join(fixtures, 'typescript-encoded.json'), JSON.stringify({ generator, vectors }, null, 2) + '\n');
}

void main();
