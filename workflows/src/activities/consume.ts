// Placeholder until the Kafka consumer lands.
export async function consume(kafka_topic: string, consumer_group: string): Promise<unknown> {
  throw new Error(`consume(${kafka_topic}, ${consumer_group}) is not implemented yet`);
}
