// find-images: the rebuild pipeline of one Ubuntu release (or every one), run once from a
// command line instead of for a release event: the OCI Factory's scheduled and base-update
// jobs. Same settings, same decisions and same dispatches as the consume activity
// (activities/rebuild), with an exit status and a summary.
import { errorMessage } from '../activities/error-message';
import { readPipelineSettings } from '../activities/pipeline-settings';
import type { PipelineLogger } from '../activities/pipeline-types';
import { rebuildImagesFor, UnknownImageError } from '../activities/rebuild';
import { parseFindImagesArguments, USAGE, UsageError } from './arguments';
import {
  countResults,
  type FindImagesSummary,
  type ImageSummary,
  imageSummaryOf,
  summaryTable,
} from './summary';

export interface FindImagesIo {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  now?: () => Date;
  signal?: AbortSignal;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Runs the command; resolves to its exit status. */
export async function runFindImages(io: FindImagesIo): Promise<number> {
  const now = io.now ?? (() => new Date());
  const usageError = (message: string) => {
    io.stderr(`oci-factory-find-images: ${message}\nTry 'oci-factory-find-images --help'.\n`);
    return EXIT_USAGE;
  };

  let args;
  try {
    args = parseFindImagesArguments(io.argv, io.env, now);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    throw error;
  }
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  const settings = readPipelineSettings(io.env);
  if (settings.missing.length > 0) {
    return usageError(`missing environment: ${settings.missing.join(', ')} not set`);
  }
  if (args.extRefPrefix !== undefined) settings.externalRefPrefix = args.extRefPrefix;

  const log = stderrLogger(io.stderr);
  const images: ImageSummary[] = [];
  let stopped: string | undefined;
  try {
    await rebuildImagesFor(args.ubuntuRelease, {
      settings,
      log,
      now,
      signal: io.signal,
      messageId: args.runId,
      ...(args.image !== undefined ? { image: args.image } : {}),
      dryRun: args.dryRun,
      onDispatched: async () => {},
      onResult: (rebuild) => images.push(imageSummaryOf(rebuild, args.dryRun)),
    });
  } catch (error) {
    if (error instanceof UnknownImageError) {
      const known = error.known.length > 0 ? ` (it has ${error.known.join(', ')})` : '';
      return usageError(`--image-name: ${error.message}${known}`);
    }
    stopped = errorMessage(error);
    log.error(`Stopped: ${stopped}`);
  }

  const summary: FindImagesSummary = {
    ubuntu_release: args.ubuntuRelease,
    image: args.image ?? '*',
    run_id: args.runId,
    dry_run: args.dryRun,
    images,
    ...(stopped !== undefined ? { stopped } : {}),
    counts: countResults(images),
  };
  io.stdout(args.output === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : summaryTable(summary));
  return stopped !== undefined || summary.counts.failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/** Lines as Python's logging.basicConfig wrote them (LEVEL:name:message), on stderr. */
function stderrLogger(write: (text: string) => void): PipelineLogger {
  const line = (level: string) => (message: string) => write(`${level}:find-images:${message}\n`);
  return { info: line('INFO'), warn: line('WARNING'), error: line('ERROR') };
}
