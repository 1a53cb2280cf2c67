// The first line of an error's message, bounded: what logs, statuses and health answers
// show of an error.

export function errorSummary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}
