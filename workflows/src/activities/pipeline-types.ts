// The seam between the Kafka consumer (consume.ts) and the rebuild pipeline
// (rebuild/, mattermost.ts): the consumer decodes one event and hands it over.

/** One OCI release event (`bo.schema.avro.Oci`), as decoded from Avro. Production events also carry `release`. */
export interface OciEvent {
  message_id: string;
  name: string;
  description: string;
  registry_tags: string[];
  release?: string;
  [field: string]: unknown;
}

export interface RebuildOutcome {
  image: string;
  dispatched: boolean;
  /** Why it was or was not dispatched ("dispatched", "nothing to rebuild", "not released yet", an HTTP error …). */
  reason: string;
  /** The GitHub Actions run the dispatch started, when GitHub said which. */
  run_url?: string;
}

export interface EventOutcome {
  /** The decoded event, as the Python activity returned it. */
  eventbus_message: OciEvent;
  /** The Ubuntu release the rebuilds were matched on (e.g. "22.04"), or null when none could be found. */
  release: string | null;
  status: 'Success' | 'Failed' | 'Skipped';
  rebuilds: RebuildOutcome[];
}

export interface PipelineLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The workflow run an activity runs for. */
export interface WorkflowRun {
  namespace: string;
  workflowId: string;
  runId: string;
}

export interface PipelineContext {
  /** Where every endpoint and credential comes from (process.env in the worker; a fixture in tests). */
  env: Record<string, string | undefined>;
  log: PipelineLogger;
  /** For the "More details" link in Mattermost. */
  workflow: WorkflowRun;
  /** Aborted when the activity is cancelled (worker shutdown). */
  signal?: AbortSignal;
  /**
   * From the dispatch record of an earlier delivery of the same message (redelivery after a
   * crash or a transient failure): images up to this name (code-unit order) were dispatched or
   * failed for good, and must not be dispatched again.
   */
  doneThrough?: string;
  /** The Mattermost post an earlier delivery made: updated, not posted again. */
  postId?: string;
  /**
   * From the dispatch record: the image an earlier delivery was sending when it stopped, and
   * when it first sent it (ms since the epoch). Its run is looked up before it is sent again.
   */
  sending?: { image: string; since: number };
  /** Records durably, before the image's first send, that it is being sent. */
  onSending?(image: string, since: number): Promise<void>;
  /** Whether the record can hold this image as the last one done (checked before its dispatch). */
  canRecord?(image: string): boolean;
  /** Records the event's post before any dispatch, so a redelivery updates it. */
  onPosted?(postId: string): Promise<void>;
  /**
   * Called after each successful dispatch, so the consumer can record it durably before going on.
   * Its error (the dispatch could not be recorded) is the consumer's: the pipeline throws it back unchanged.
   */
  onDispatched(image: string, run: { id: number; url: string } | null): Promise<void>;
  /** Progress of the event, for the heartbeat. */
  progress?(progress: EventProgress): void;
}

export interface EventProgress {
  message_id: string;
  images: number;
  decided: number;
  dispatched: number;
  /** The outside call being retried, if one is. */
  retrying?: { service: string; what: string; attempt: number; error: string };
  /** What a dispatch waits for (a queued run of the image, GitHub listing a run). */
  waiting?: string;
}

export type ProcessEvent = (event: OciEvent, ctx: PipelineContext) => Promise<EventOutcome>;
