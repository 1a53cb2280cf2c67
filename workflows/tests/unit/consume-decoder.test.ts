// Decoding against the schema-registry stand-in (Karapace shapes): the wire format, the writer
// schema by id, and which failures are the message's fault (skip) or the registry's (retry).
import avro from 'avsc';
import { startSchemaRegistry, type SchemaRegistryStandin } from '../harness/standins/schema-registry';
import {
  createEventDecoder,
  SchemaRegistryError,
  UndecodableMessageError,
  type EventDecoder,
} from '../../src/activities/consume/event-decoder';
import { readEventbusSettings } from '../../src/activities/consume/eventbus-settings';
import { ociEvent, ociEventSchema } from '../integration/oci-events';

let registry: SchemaRegistryStandin;
let decoder: EventDecoder;

function frame(schemaId: number, schema: object, value: unknown): Buffer {
  const header = Buffer.from([0, 0, 0, 0, 0]);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, avro.Type.forSchema(schema as avro.Schema).toBuffer(value)]);
}

/** The registry is plain HTTP here; the CA only has to be set (the package's placeholder fails). */
const EVENTBUS_CA = '-----BEGIN CERTIFICATE-----\nunit-test\n-----END CERTIFICATE-----';

beforeAll(async () => {
  registry = await startSchemaRegistry();
  decoder = createEventDecoder(
    readEventbusSettings({
      ROCKS_EVENTBUS_USERNAME: registry.username,
      ROCKS_EVENTBUS_PASSWORD: registry.password,
      ROCKS_EVENTBUS_KARAPACE_URL: registry.url,
      ROCKS_EVENTBUS_CA: EVENTBUS_CA,
    }),
  );
});

afterAll(async () => {
  decoder?.close();
  await registry?.stop();
});

test('decodes with the writer schema the message names, whatever the latest version is', async () => {
  const withoutRelease = ociEventSchema({ withRelease: false });
  const oldId = registry.register('events-value', withoutRelease);
  registry.register('events-value', ociEventSchema({ withRelease: true }));
  const event = ociEvent();

  await expect(decoder.decode(frame(oldId, withoutRelease, event))).resolves.toEqual(event);
  const basicAuth = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  expect(registry.requests.every((r) => r.headers.authorization === basicAuth)).toBe(true);
});

test("a missing value subject fails with the registry's own message", async () => {
  await expect(decoder.requireValueSubject('nowhere')).rejects.toThrow(
    new SchemaRegistryError("Subject 'nowhere-value' not found.", 404),
  );
  await expect(decoder.requireValueSubject('events')).resolves.toBeUndefined();
});

test.each([
  ['a tombstone', null, 'no value'],
  ['too few bytes', Buffer.from([0, 0]), 'too short'],
  ['another magic byte', Buffer.from('{"json": true}'), 'magic byte 0'],
  ['an unknown schema id', Buffer.from([0, 0, 0, 0x7f, 0x7f, 1]), 'Schema not found'],
])('%s is undecodable', async (_case, value, message) => {
  await expect(decoder.decode(value)).rejects.toThrow(UndecodableMessageError);
  await expect(decoder.decode(value)).rejects.toThrow(message);
});

test('Avro bytes that do not fit the schema are undecodable', async () => {
  const id = registry.register('events-value', ociEventSchema({ withRelease: false }));
  const garbage = Buffer.concat([
    frame(id, { type: 'string' }, 'x').subarray(0, 5),
    Buffer.from([0xff, 0xff, 0xff]),
  ]);

  await expect(decoder.decode(garbage)).rejects.toThrow(UndecodableMessageError);
});

test('a registry that refuses the credentials is a registry error (retried), not the message’s fault', async () => {
  const other = await startSchemaRegistry({ password: 'another-password' });
  const wrongCredentials = createEventDecoder(
    readEventbusSettings({
      ROCKS_EVENTBUS_USERNAME: other.username,
      ROCKS_EVENTBUS_PASSWORD: 'eventbus-password',
      ROCKS_EVENTBUS_KARAPACE_URL: other.url,
      ROCKS_EVENTBUS_CA: EVENTBUS_CA,
    }),
  );
  try {
    await expect(wrongCredentials.decode(Buffer.from([0, 0, 0, 0, 1, 2]))).rejects.toThrow(
      SchemaRegistryError,
    );
  } finally {
    wrongCredentials.close();
    await other.stop();
  }
});
