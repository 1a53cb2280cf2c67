// The in-flight record must always fit Kafka's offset metadata (offset.metadata.max.bytes, 4096
// bytes by default): whatever the number of images an event dispatches, and whatever its
// message_id, it stays one bounded record.
import {
  DispatchRecord,
  encodeInFlightRecord,
  type InFlightRecord,
  type InFlightRecordStore,
  MAX_RECORD_BYTES,
  parseInFlightRecord,
} from '../../../src/activities/consume/dispatch-record';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

function metadataStore() {
  const written: string[] = [];
  const store: InFlightRecordStore = {
    inFlightRecord: async () => parseInFlightRecord(written[written.length - 1]),
    recordInFlight: async (_partition, _offset, record: InFlightRecord) => {
      // What kafka-consumer.ts commits, checked against the broker's limit as the broker would.
      const metadata = encodeInFlightRecord(record);
      if (Buffer.byteLength(metadata) > 4096) throw new Error('OFFSET_METADATA_TOO_LARGE');
      written.push(metadata);
    },
  };
  return { store, written };
}

test('2,000 dispatched images (long names, a long message_id, a post id) stay within 4 KB', async () => {
  const { store, written } = metadataStore();
  const messageId = `event-${'x'.repeat(1000)}`;
  const record = await DispatchRecord.open(store, { partition: 0, offset: '5' }, messageId, log);
  await record.posted('x9k3bq7n1pgdfm4w8rj6ty2zhe');
  const images = Array.from(
    { length: 2000 },
    (_, i) => `rock-${String(i).padStart(4, '0')}-${'n'.repeat(200)}`,
  );

  for (const image of images) {
    expect(record.canRecord(image)).toBe(true);
    await record.sendingNow(image, Date.now());
    await record.dispatched(image);
  }

  expect(written).toHaveLength(4001);
  const largest = Math.max(...written.map((metadata) => Buffer.byteLength(metadata)));
  expect(largest).toBeLessThanOrEqual(MAX_RECORD_BYTES);
  expect(largest).toBeLessThan(1024);
  // A redelivery reads it back: every image up to the last one is done, and the post is known.
  const again = await DispatchRecord.open(store, { partition: 0, offset: '5' }, messageId, log);
  expect(again.doneThrough).toBe(images[images.length - 1]);
  expect(again.postId).toBe('x9k3bq7n1pgdfm4w8rj6ty2zhe');
  expect(again.sending).toBeUndefined();
});

test('the image being sent and its first send time are read back by a redelivery, to the second', async () => {
  const { store, written } = metadataStore();
  const record = await DispatchRecord.open(store, { partition: 0, offset: '3' }, 'm1', log);
  await record.dispatched('kafka');
  const since = Date.parse('2026-12-06T20:15:42.750Z');

  await record.sendingNow('mock-rock', since);

  expect(JSON.parse(written[written.length - 1]!)).toEqual({
    'oci-factory-in-flight': { m: 'm1', t: 'kafka', s: ['mock-rock', since / 1000 - 0.75], f: 0 },
  });
  const again = await DispatchRecord.open(store, { partition: 0, offset: '3' }, 'm1', log);
  expect(again.doneThrough).toBe('kafka');
  expect(again.sending).toEqual({ image: 'mock-rock', since: since - 750 });
});

test('an image whose name could not be recorded is refused before it is dispatched', async () => {
  const { store } = metadataStore();
  const record = await DispatchRecord.open(store, { partition: 0, offset: '0' }, 'm', log);

  expect(record.canRecord('n'.repeat(5000))).toBe(false);
  expect(() => encodeInFlightRecord({ message_id: 'm', doneThrough: 'n'.repeat(5000), failures: 0 })).toThrow(
    /over Kafka's 4096/,
  );
});
