// The consumer group's lag on the soak's topic, read every second with a kafkajs admin of
// its own: the topic's latest offset minus the group's committed offset (one partition).
// While the broker is down, no reading; the admin connects again afterwards.
import { Kafka, type Admin } from 'kafkajs';
import type { KafkaBroker } from '../workflows/tests/harness/kafka';

export interface LagReading {
  at: number;
  /** The offset the next produced message gets. */
  latest: number;
  /** The offset the group consumes next (0 before its first commit). */
  committed: number;
  lag: number;
}

const READ_EVERY_MS = 1_000;

export class KafkaLagWatch {
  latest: LagReading | undefined;
  private admin: Admin | undefined;
  private readonly listeners: ((reading: LagReading) => void)[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly broker: KafkaBroker,
    private readonly topic: string,
    private readonly group: string,
  ) {
    this.done = this.watch();
  }

  onReading(listener: (reading: LagReading) => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async watch(): Promise<void> {
    while (this.running) {
      try {
        this.admin ??= await this.connect();
        const [partition] = await this.admin.fetchTopicOffsets(this.topic);
        const [group] = await this.admin.fetchOffsets({ groupId: this.group, topics: [this.topic] });
        const latest = Number(partition?.high ?? 0);
        const committed = Math.max(0, Number(group?.partitions[0]?.offset ?? 0));
        const reading = { at: Date.now(), latest, committed, lag: Math.max(0, latest - committed) };
        this.latest = reading;
        for (const listener of this.listeners) listener(reading);
      } catch {
        await this.admin?.disconnect().catch(() => undefined);
        this.admin = undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, READ_EVERY_MS));
    }
    await this.admin?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<Admin> {
    const admin = new Kafka(this.broker.clientConfig(this.broker.admin, 'soak-lag')).admin();
    await admin.connect();
    return admin;
  }
}
