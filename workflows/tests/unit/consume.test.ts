// consumeEvents with an in-memory consumer group and decoder: the order of processing and
// commits, redelivery, skipping, failures and cancellation.
import { CancelledFailure } from '@temporalio/common';
import { TransientError } from '../../src/activities/outside-call';
import type { InFlightRecord } from '../../src/activities/consume/dispatch-record';
import { PROCESSING_ATTEMPTS } from '../../src/activities/consume/handle-message';
import type { DeliveredMessage, TopicConsumer } from '../../src/activities/consume/kafka-consumer';
import { consumeEvents, type ConsumeDeps } from '../../src/activities/consume/run';
import type { ConsumeProgress } from '../../src/activities/consume/run-tally';
import {
  SchemaRegistryError,
  UndecodableMessageError,
  type EventDecoder,
} from '../../src/activities/consume/event-decoder';
import type {
  EventOutcome,
  OciEvent,
  PipelineContext,
  ProcessEvent,
} from '../../src/activities/pipeline-types';

const SECRET = 's3cret-eventbus-password';
const env = {
  ROCKS_EVENTBUS_USERNAME: 'rocks',
  ROCKS_EVENTBUS_PASSWORD: SECRET,
  ROCKS_EVENTBUS_CA: '-----BEGIN CERTIFICATE-----\nunit-test\n-----END CERTIFICATE-----',
  ROCKS_EVENTBUS_MAX_RUN_SECONDS: '30',
  RETRY_BUDGET_SECONDS: '1',
};

function event(id: string): OciEvent {
  return {
    message_id: id,
    name: 'ubuntu',
    description: 'Ubuntu 22.04',
    registry_tags: [],
    release: 'ubuntu@22.04',
  };
}

/** An encoded message: the fake decoder reads JSON, "bad" is undecodable, "registry-down" a registry failure. */
function msg(value: OciEvent | 'bad' | 'registry-down'): Buffer {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

const fakeDecoder = (requireSubject: () => Promise<void> = async () => undefined) => {
  const decode = jest.fn(async (value: Buffer | null): Promise<OciEvent> => {
    const text = value?.toString();
    if (text === 'bad')
      throw new UndecodableMessageError('the message starts with byte 98, not the magic byte 0');
    if (text === 'registry-down') throw new SchemaRegistryError('Error, status 503', 503);
    return JSON.parse(text!) as OciEvent;
  });
  const decoder: EventDecoder = { requireValueSubject: requireSubject, decode, close: () => undefined };
  return decoder;
};

/** One partition of a topic, as a consumer group member sees it. */
class FakeGroup implements TopicConsumer {
  readonly log: string[] = [];
  committed: { offset: string; record?: InFlightRecord } = { offset: '0' };
  disconnected = false;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly values: Buffer[]) {}

  get size(): number {
    return this.values.length;
  }

  async start(handle: (message: DeliveredMessage) => Promise<void>): Promise<void> {
    this.stopped = false;
    this.running = (async () => {
      for (
        let offset = Number(this.committed.offset);
        offset < this.values.length && !this.stopped;
        offset += 1
      ) {
        await handle({
          topic: 't',
          partition: 0,
          offset: String(offset),
          value: this.values[offset]!,
          heartbeat: async () => undefined,
        });
      }
    })();
  }
  async inFlightRecord(): Promise<InFlightRecord | undefined> {
    return this.committed.record;
  }
  async recordInFlight(_partition: number, offset: string, record: InFlightRecord): Promise<void> {
    this.log.push(`record ${offset} ${record.doneThrough ?? ''} failures=${record.failures}`);
    this.committed = { offset, record: { ...record } };
  }
  async commitDone(_partition: number, offset: string): Promise<void> {
    this.log.push(`commit ${Number(offset) + 1}`);
    this.committed = { offset: String(Number(offset) + 1) };
  }
  onFatalError(): void {}
  async disconnect(): Promise<void> {
    this.stopped = true;
    await this.running; // kafkajs waits for the message in hand
    this.disconnected = true;
  }
}

function deps(group: FakeGroup, processEvent: ProcessEvent, extra: Partial<ConsumeDeps> = {}): ConsumeDeps {
  return {
    // the run ends once it has processed every message (or skipped, or failed)
    env: { ...env, ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: String(Math.max(group.size, 1)) },
    processEvent,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    workflow: { namespace: 'default', workflowId: 'wf', runId: 'run' },
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    openConsumer: () => group,
    createDecoder: () => fakeDecoder(),
    ...extra,
  };
}

function dispatching(images: string[], group: FakeGroup): ProcessEvent {
  return async (e: OciEvent, ctx: PipelineContext): Promise<EventOutcome> => {
    group.log.push(`process ${e.message_id} already=${ctx.doneThrough ?? ''}`);
    for (const image of images.filter((i) => ctx.doneThrough === undefined || i > ctx.doneThrough)) {
      group.log.push(`dispatch ${image}`);
      await ctx.onDispatched(image, null);
    }
    return { eventbus_message: e, release: '22.04', status: 'Success', rebuilds: [] };
  };
}

test('each event is committed (offset + 1) only after it was processed, and the run ends after the event limit', async () => {
  const group = new FakeGroup([msg(event('m0')), msg(event('m1')), msg(event('m2'))]);

  const result = await consumeEvents(
    't',
    'g',
    deps(group, dispatching([], group), { env: { ...env, ROCKS_EVENTBUS_MAX_EVENTS_PER_RUN: '2' } }),
  );

  expect(group.log).toEqual(['process m0 already=', 'commit 1', 'process m1 already=', 'commit 2']);
  expect(group.committed.offset).toBe('2');
  expect(group.disconnected).toBe(true);
  expect(result).toMatchObject({
    eventbus_message: event('m1'),
    release: '22.04',
    status: 'Success',
    skipped: [],
  });
  expect(result.events.map((e) => [e.message_id, e.offset])).toEqual([
    ['m0', '0'],
    ['m1', '1'],
  ]);
});

test('every dispatch is recorded on the message’s own offset before the pipeline goes on', async () => {
  const group = new FakeGroup([msg(event('m0'))]);

  await consumeEvents('t', 'g', deps(group, dispatching(['a', 'b'], group)));

  expect(group.log).toEqual([
    'process m0 already=',
    'dispatch a',
    'record 0 a failures=0',
    'dispatch b',
    'record 0 b failures=0',
    'commit 1',
  ]);
});

test('a redelivered message is handed over with the images its earlier delivery dispatched', async () => {
  const group = new FakeGroup([msg(event('m0'))]);
  group.committed = { offset: '0', record: { message_id: 'm0', doneThrough: 'a', failures: 0 } };

  await consumeEvents('t', 'g', deps(group, dispatching(['a', 'b'], group)));

  expect(group.log).toEqual(['process m0 already=a', 'dispatch b', 'record 0 b failures=0', 'commit 1']);
});

test('a record left by another message_id is not taken for this one', async () => {
  const group = new FakeGroup([msg(event('m0'))]);
  group.committed = { offset: '0', record: { message_id: 'other', doneThrough: 'a', failures: 0 } };

  await consumeEvents('t', 'g', deps(group, dispatching(['a'], group)));

  expect(group.log[0]).toBe('process m0 already=');
});

test('an undecodable message is retried a bounded number of times, reported, skipped; the next is processed', async () => {
  const group = new FakeGroup([msg('bad'), msg(event('m1'))]);
  const decoder = fakeDecoder();
  const reportSkipped = jest.fn(async () => undefined);

  const result = await consumeEvents(
    't',
    'g',
    deps(group, dispatching([], group), {
      createDecoder: () => decoder,
      reportSkipped,
    }),
  );

  // Once: a message that can never decode is not tried again.
  expect(decoder.decode).toHaveBeenCalledTimes(2);
  expect(result.skipped).toEqual([
    { partition: 0, offset: '0', reason: expect.stringContaining('not the magic byte 0') },
  ]);
  expect(reportSkipped).toHaveBeenCalledWith('t', result.skipped[0]);
  expect(group.log).toEqual(['commit 1', 'process m1 already=', 'commit 2']);
});

test('a schema registry failure fails the run without committing (the message is read again)', async () => {
  const group = new FakeGroup([msg('registry-down'), msg(event('m1'))]);

  await expect(consumeEvents('t', 'g', deps(group, dispatching([], group)))).rejects.toThrow(TransientError);

  expect(group.log).toEqual([]);
  expect(group.committed.offset).toBe('0');
  expect(group.disconnected).toBe(true);
});

test('a throwing pipeline fails the run and counts the failure; the last allowed failure skips the message', async () => {
  const group = new FakeGroup([msg(event('m0'))]);
  const failing: ProcessEvent = async () => {
    throw new Error('Swift is down');
  };

  for (let run = 1; run < PROCESSING_ATTEMPTS; run += 1) {
    await expect(consumeEvents('t', 'g', deps(group, failing))).rejects.toThrow('Swift is down');
    expect(group.committed).toEqual({
      offset: '0',
      record: { message_id: 'm0', failures: run },
    });
  }
  const result = await consumeEvents('t', 'g', deps(group, failing));

  expect(result.skipped).toEqual([
    {
      partition: 0,
      offset: '0',
      message_id: 'm0',
      reason: `processing failed ${PROCESSING_ATTEMPTS} times: Swift is down`,
    },
  ]);
  expect(group.committed.offset).toBe('1');
});

test('cancellation mid-event: nothing is committed, the consumer disconnects, the run ends cancelled', async () => {
  const group = new FakeGroup([msg(event('m0')), msg(event('m1'))]);
  const controller = new AbortController();
  const processEvent: ProcessEvent = async (e, ctx) => {
    await ctx.onDispatched('a', null);
    controller.abort(new CancelledFailure('WORKER_SHUTDOWN'));
    return { eventbus_message: e, release: '22.04', status: 'Success', rebuilds: [] };
  };

  await expect(
    consumeEvents('t', 'g', deps(group, processEvent, { signal: controller.signal })),
  ).rejects.toThrow(CancelledFailure);

  expect(group.log).toEqual(['record 0 a failures=0']);
  expect(group.committed.offset).toBe('0');
  expect(group.disconnected).toBe(true);
});

test("a missing value subject fails with the registry's message before joining the group", async () => {
  const openConsumer = jest.fn();
  const decoder = fakeDecoder(async () => {
    throw new SchemaRegistryError("Subject 't-value' not found.", 404);
  });

  await expect(
    consumeEvents('t', 'g', {
      ...deps(new FakeGroup([]), dispatching([], new FakeGroup([]))),
      openConsumer,
      createDecoder: () => decoder,
    }),
  ).rejects.toThrow("Subject 't-value' not found.");
  expect(openConsumer).not.toHaveBeenCalled();
});

test('heartbeats report progress and never the password', async () => {
  const group = new FakeGroup([msg(event('m0')), msg(event('m1'))]);
  const beats: ConsumeProgress[] = [];

  await consumeEvents('t', 'g', deps(group, dispatching([], group), { heartbeat: (p) => beats.push(p) }));

  expect(beats.at(-1)).toEqual({ topic: 't', consumer_group: 'g', processed: 2, skipped: 0 });
  expect(JSON.stringify(beats)).not.toContain(SECRET);
});
