// The consume activity's steps one at a time: decode, the dispatch record, process, skip,
// commit, and the run's tally.
import { decodeMessage } from '../../../src/activities/consume/decode-message';
import {
  DispatchRecord,
  type InFlightRecord,
  type InFlightRecordStore,
} from '../../../src/activities/consume/dispatch-record';
import {
  SchemaRegistryError,
  UndecodableMessageError,
  type EventDecoder,
} from '../../../src/activities/consume/event-decoder';
import {
  handleMessage,
  processWithRecord,
  PROCESSING_ATTEMPTS,
  skipMessage,
  type MessageSteps,
} from '../../../src/activities/consume/handle-message';
import type { TopicConsumer } from '../../../src/activities/consume/kafka-consumer';
import { mattermostSkipReporter, SKIPPED_TITLE } from '../../../src/activities/consume/report-skipped';
import { RunTally } from '../../../src/activities/consume/run-tally';
import type { MattermostNotifier } from '../../../src/activities/mattermost';
import type { EventOutcome, OciEvent, ProcessEvent } from '../../../src/activities/pipeline-types';
import { metricValue } from '../../harness/metrics';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const message = { partition: 0, offset: '7', value: Buffer.from('m0') };

function event(id: string): OciEvent {
  return { message_id: id, name: 'ubuntu', description: '', registry_tags: [], release: 'ubuntu@22.04' };
}

function outcome(e: OciEvent): EventOutcome {
  return { eventbus_message: e, release: '22.04', status: 'Success', rebuilds: [] };
}

/** A consumer group partition in memory: the record committed with its offset, and what happened. */
function memoryGroup(record?: InFlightRecord) {
  const calls: string[] = [];
  let committed = record;
  const consumer = {
    inFlightRecord: async () => committed,
    recordInFlight: async (_partition: number, offset: string, saved: InFlightRecord) => {
      calls.push(`record ${offset} ${saved.doneThrough ?? ''} failures=${saved.failures}`);
      committed = { ...saved };
    },
    commitDone: async (_partition: number, offset: string) => {
      calls.push(`commit ${Number(offset) + 1}`);
      committed = undefined;
    },
  };
  return { consumer: consumer as InFlightRecordStore & Pick<TopicConsumer, 'commitDone'>, calls };
}

function steps(
  consumer: ReturnType<typeof memoryGroup>['consumer'],
  processEvent: ProcessEvent,
  extra: Partial<MessageSteps> = {},
): MessageSteps {
  const decoder: EventDecoder = {
    requireValueSubject: async () => undefined,
    decode: async (value) => event(String(value)),
    close: () => undefined,
  };
  return {
    topic: 't',
    consumer: consumer as unknown as TopicConsumer,
    decoder,
    processEvent,
    env: {},
    log,
    workflow: { namespace: 'default', workflowId: 'wf', runId: 'run' },
    signal: new AbortController().signal,
    ...extra,
  };
}

describe('decode', () => {
  it('returns the event', async () => {
    const decoder = { decode: jest.fn(async () => event('m0')) } as unknown as EventDecoder;

    await expect(
      decodeMessage(decoder, message, { log, signal: new AbortController().signal }),
    ).resolves.toEqual(event('m0'));
  });

  it('gives an undecodable message up at once: it can never decode', async () => {
    const decoder = {
      decode: jest
        .fn()
        .mockRejectedValue(new UndecodableMessageError('the message has no value (tombstone)')),
    } as unknown as EventDecoder;

    const decoded = await decodeMessage(decoder, message, { log, signal: new AbortController().signal });

    expect(decoded).toBeInstanceOf(UndecodableMessageError);
    expect(decoder.decode).toHaveBeenCalledTimes(1);
  });

  it('retries a registry that answers something other than a schema, never skipping the message', async () => {
    const decoder = {
      decode: jest
        .fn()
        .mockRejectedValueOnce(new SchemaRegistryError('schema 1: the registry gave no schema', undefined))
        .mockResolvedValueOnce(event('m0')),
    } as unknown as EventDecoder;

    await expect(
      decodeMessage(decoder, message, { log, signal: new AbortController().signal }),
    ).resolves.toEqual(event('m0'));
    expect(decoder.decode).toHaveBeenCalledTimes(2);
  });

  it('throws any other failure (the registry is down): the run is retried', async () => {
    const decoder = {
      decode: jest.fn(() => Promise.reject(new Error('HTTP 503'))),
    } as unknown as EventDecoder;

    await expect(
      decodeMessage(decoder, message, { log, signal: new AbortController().signal }),
    ).rejects.toThrow('HTTP 503');
  });
});

describe('the dispatch record', () => {
  it('takes what an earlier delivery of the same message dispatched, and no other message’s record', async () => {
    const same = memoryGroup({ message_id: 'm0', doneThrough: 'a', failures: 1 });
    const other = memoryGroup({ message_id: 'other', doneThrough: 'a', failures: 1 });

    const record = await DispatchRecord.open(same.consumer, message, 'm0', log);
    const fresh = await DispatchRecord.open(other.consumer, message, 'm0', log);

    expect(record.doneThrough).toBe('a');
    expect(record.failures).toBe(1);
    expect(fresh.doneThrough).toBeUndefined();
    expect(fresh.failures).toBe(0);
  });

  it('commits each dispatch on the message’s own offset', async () => {
    const { consumer, calls } = memoryGroup();
    const record = await DispatchRecord.open(consumer, message, 'm0', log);

    await record.dispatched('a');
    await record.dispatched('b');

    expect(calls).toEqual(['record 7 a failures=0', 'record 7 b failures=0']);
    expect(record.doneThrough).toBe('b');
  });

  it('remembers a dispatch it could not record, even when the pipeline went on', async () => {
    const { consumer } = memoryGroup();
    const lost = new Error('coordinator gone');
    consumer.recordInFlight = () => Promise.reject(lost);
    const record = await DispatchRecord.open(consumer, message, 'm0', log);

    await expect(record.dispatched('a')).rejects.toBe(lost);
    expect(() => record.throwIfDispatchNotRecorded()).toThrow(lost);
  });

  it('counts failed deliveries and saves the count', async () => {
    const { consumer, calls } = memoryGroup();
    const record = await DispatchRecord.open(consumer, message, 'm0', log);

    expect(record.countFailure()).toBe(1);
    await record.save();

    expect(calls).toEqual(['record 7  failures=1']);
  });
});

describe('process', () => {
  it('hands the pipeline what was already dispatched and records its dispatches', async () => {
    const { consumer, calls } = memoryGroup({ message_id: 'm0', doneThrough: 'a', failures: 0 });
    const record = await DispatchRecord.open(consumer, message, 'm0', log);
    const processEvent: ProcessEvent = async (e, ctx) => {
      calls.push(`process already=${ctx.doneThrough ?? ''}`);
      await ctx.onDispatched('b', null);
      return outcome(e);
    };

    await expect(processWithRecord(event('m0'), record, steps(consumer, processEvent))).resolves.toEqual({
      outcome: outcome(event('m0')),
    });
    expect(calls).toEqual(['process already=a', 'record 7 b failures=0']);
  });

  it('saves a failure and throws it, until the last allowed one gives the message up', async () => {
    const { consumer, calls } = memoryGroup();
    const failing: ProcessEvent = () => Promise.reject(new Error('Swift is down'));

    for (let failure = 1; failure < PROCESSING_ATTEMPTS; failure += 1) {
      const record = await DispatchRecord.open(consumer, message, 'm0', log);
      await expect(processWithRecord(event('m0'), record, steps(consumer, failing))).rejects.toThrow(
        'Swift is down',
      );
      expect(calls.at(-1)).toBe(`record 7  failures=${failure}`);
    }
    const record = await DispatchRecord.open(consumer, message, 'm0', log);

    await expect(processWithRecord(event('m0'), record, steps(consumer, failing))).resolves.toEqual({
      giveUp: `processing failed ${PROCESSING_ATTEMPTS} times: Swift is down`,
    });
  });

  it('throws a dispatch that could not be recorded, though the pipeline swallowed it', async () => {
    const { consumer } = memoryGroup();
    const lost = new Error('coordinator gone');
    consumer.recordInFlight = () => Promise.reject(lost);
    const record = await DispatchRecord.open(consumer, message, 'm0', log);
    const swallowing: ProcessEvent = async (e, ctx) => {
      await ctx.onDispatched('a', null).catch(() => undefined);
      return outcome(e);
    };

    await expect(processWithRecord(event('m0'), record, steps(consumer, swallowing))).rejects.toBe(lost);
  });

  it('leaves the message when the run is cancelled mid-event', async () => {
    const { consumer, calls } = memoryGroup();
    const controller = new AbortController();
    const record = await DispatchRecord.open(consumer, message, 'm0', log);
    const cancelled: ProcessEvent = async () => {
      controller.abort();
      throw new Error('aborted');
    };

    await expect(
      processWithRecord(event('m0'), record, steps(consumer, cancelled, { signal: controller.signal })),
    ).resolves.toEqual({ left: true });
    expect(calls).toEqual([]);
  });
});

describe('skip and commit', () => {
  it('skip: reports the message, then commits it', async () => {
    const { consumer, calls } = memoryGroup();
    const reportSkipped = jest.fn(async () => {
      calls.push('report');
    });

    const skippedBefore = await metricValue('oci_factory_events_skipped_total', {
      topic: 't',
      reason: 'undecodable',
    });
    const { skipped } = await skipMessage(
      message,
      'undecodable',
      'undecodable',
      { ...steps(consumer, jest.fn()), reportSkipped },
      'm0',
    );

    expect(skipped).toEqual({ partition: 0, offset: '7', message_id: 'm0', reason: 'undecodable' });
    expect(await metricValue('oci_factory_events_skipped_total', { topic: 't', reason: 'undecodable' })).toBe(
      skippedBefore + 1,
    );
    expect(reportSkipped).toHaveBeenCalledWith('t', skipped);
    expect(calls).toEqual(['report', 'commit 8']);
  });

  it('skip: a report that fails does not keep the message from being committed', async () => {
    const { consumer, calls } = memoryGroup();
    const reportSkipped = () => Promise.reject(new Error('Mattermost is down'));

    await skipMessage(message, 'undecodable', 'undecodable', {
      ...steps(consumer, jest.fn()),
      reportSkipped,
    });

    expect(calls).toEqual(['commit 8']);
  });

  it('a processed event is committed (offset + 1) after processing, and described', async () => {
    const { consumer, calls } = memoryGroup();
    const processEvent: ProcessEvent = async (e) => {
      calls.push('process');
      return outcome(e);
    };
    const consumed = await metricValue('oci_factory_events_consumed_total', { topic: 't' });
    const before = Date.now() / 1000;

    const handled = await handleMessage(message, steps(consumer, processEvent));

    expect(await metricValue('oci_factory_events_consumed_total', { topic: 't' })).toBe(consumed + 1);
    const last = await metricValue('oci_factory_last_event_processed_timestamp_seconds', { topic: 't' });
    expect(last).toBeGreaterThanOrEqual(before);
    expect(last).toBeLessThanOrEqual(Date.now() / 1000);

    expect(calls).toEqual(['process', 'commit 8']);
    expect(handled).toEqual({
      outcome: outcome(event('m0')),
      processed: {
        message_id: 'm0',
        partition: 0,
        offset: '7',
        release: '22.04',
        status: 'Success',
        rebuilds: [],
      },
    });
  });
});

describe('the run tally', () => {
  it('counts what was processed and skipped, and reports the message in hand', () => {
    const tally = new RunTally('t', 'g');
    expect(tally.result()).toMatchObject({ eventbus_message: null, status: 'Idle', events: [], skipped: [] });

    tally.add({ skipped: { partition: 0, offset: '0', reason: 'undecodable' } });
    tally.add({
      outcome: outcome(event('m1')),
      processed: {
        message_id: 'm1',
        partition: 0,
        offset: '1',
        release: '22.04',
        status: 'Success',
        rebuilds: [],
      },
    });
    tally.add({ left: true });
    tally.inHand = { topic: 't', partition: 0, offset: '2', value: null, heartbeat: async () => undefined };

    expect(tally.handled).toBe(2);
    expect(tally.progress()).toEqual({
      topic: 't',
      consumer_group: 'g',
      processed: 1,
      skipped: 1,
      partition: 0,
      offset: '2',
    });
    expect(tally.result()).toMatchObject({
      eventbus_message: event('m1'),
      release: '22.04',
      status: 'Success',
    });
  });
});

describe('the Mattermost report of a skipped message', () => {
  it('posts what was skipped and why, in the failure colour', async () => {
    const notifier: MattermostNotifier = {
      sendMessage: jest.fn(async () => 'post-1'),
      updatePost: jest.fn(async () => undefined),
    };

    await mattermostSkipReporter(notifier, log)('t', {
      partition: 0,
      offset: '7',
      message_id: 'm0',
      reason: 'undecodable',
    });

    expect(notifier.sendMessage).toHaveBeenCalledWith(
      SKIPPED_TITLE,
      '**Topic:** t\n**Partition:** 0\n**Offset:** 7\n**Message:** m0\n**Skipped:** undecodable',
    );
    expect(notifier.updatePost).toHaveBeenCalledWith('post-1', { success: false });
  });
});
