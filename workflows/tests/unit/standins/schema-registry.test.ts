import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { type SchemaRegistryStandin, startSchemaRegistry } from '../../harness/standins/schema-registry';

const OCI_LIKE_SCHEMA = {
  type: 'record',
  name: 'Oci',
  namespace: 'bo.schema.avro',
  fields: [
    { name: 'message_id', type: 'string' },
    { name: 'name', type: 'string' },
  ],
};

describe('schema registry stand-in', () => {
  let registry: SchemaRegistryStandin;
  beforeEach(async () => {
    registry = await startSchemaRegistry({ username: 'alice', password: 's3cret' });
  });
  afterEach(() => registry.stop());

  const client = (password = 's3cret') =>
    new SchemaRegistry({ host: registry.url, auth: { username: 'alice', password }, retry: { retries: 0 } });

  it('serves a seeded schema by id to the Confluent client, which decodes the wire format', async () => {
    const id = registry.register('rocks-value', OCI_LIKE_SCHEMA);
    const encoded = await client().encode(id, { message_id: 'm-1', name: 'ubuntu' });

    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    await expect(client().decode(encoded)).resolves.toEqual({ message_id: 'm-1', name: 'ubuntu' });
    expect(registry.requests.map((r) => `${r.method} ${r.path}`)).toContain(`GET /schemas/ids/${id}`);
  });

  it('gives the latest version of a subject and registers through the client', async () => {
    const { id } = await client().register(
      { type: SchemaType.AVRO, schema: JSON.stringify(OCI_LIKE_SCHEMA) },
      { subject: 'rocks-value' },
    );

    await expect(client().getLatestSchemaId('rocks-value')).resolves.toBe(id);
  });

  it("answers an unknown subject with Karapace's 404 body", async () => {
    const response = await fetch(`${registry.url}/subjects/nope-value/versions/latest`, {
      headers: { authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` },
    });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error_code: 40401, message: "Subject 'nope-value' not found." });
    await expect(client().getLatestSchemaId('nope-value')).rejects.toThrow("Subject 'nope-value' not found.");
  });

  it('refuses wrong basic-auth credentials', async () => {
    registry.register('rocks-value', OCI_LIKE_SCHEMA);

    await expect(client('wrong').getLatestSchemaId('rocks-value')).rejects.toThrow(/Unauthorized/);
    expect(registry.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('alice:wrong').toString('base64')}`,
    );
  });
});
