// The command line of find-images: the Python find_images_to_update.py's arguments, with the
// same defaults, and ours (--dry-run, --output, --run-id).
import { parseArgs } from 'node:util';

export interface FindImagesArguments {
  /** `*` or a `YY.MM` Ubuntu version. */
  ubuntuRelease: string;
  /** One image, or undefined for every released one (`*`). */
  image?: string;
  /** undefined: the pipeline's EXTERNAL_REF_PREFIX setting (default `workflow-engine`, as the Python script's). */
  extRefPrefix?: string;
  /** The last part of every dispatch's external_ref_id. */
  runId: string;
  dryRun: boolean;
  output: 'table' | 'json';
  help: boolean;
}

/** A bad argument or environment: the command exits 2 with this message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: oci-factory-find-images [ubuntu_release] [options]

Finds the released OCI Factory images built on an Ubuntu release and dispatches their
rebuilds (Image.yaml), as the consume activity does for a release event.

  ubuntu_release            * (every base, the default) or a version such as 22.04
  --image-name NAME         one image (default: *, every released image)
  --ext-ref-prefix PREFIX   external_ref_id prefix (default: $EXTERNAL_REF_PREFIX or workflow-engine)
  --run-id ID               external_ref_id suffix (default: $GITHUB_RUN_ID, else the time)
  --dry-run                 read everything, dispatch nothing, print the triggers
  --output table|json       the summary on stdout (default: table); the log goes to stderr
  -h, --help                this text

Environment: OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_STORAGE_URL,
GITHUB_TOKEN (required but OS_STORAGE_URL), and the workflows package's optional settings
(GITHUB_API_URL, REGISTRY_TAGS_API_URL, *_TIMEOUT_SECONDS, RETRY_BUDGET_SECONDS,
READ_CONCURRENCY, DISPATCH_PAUSE_MS, …).

Exit status: 0 when every image was dispatched or needed nothing, 1 when a read or a dispatch
failed, 2 for a bad argument or environment.`;

const RELEASE = /^\d{2}\.\d{2}$/;

export function parseFindImagesArguments(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  now: () => Date = () => new Date(),
): FindImagesArguments {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'image-name': { type: 'string' },
        'ext-ref-prefix': { type: 'string' },
        'run-id': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        output: { type: 'string', default: 'table' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(`one ubuntu_release at most, got ${positionals.map((p) => `'${p}'`).join(' ')}`);
  }
  const ubuntuRelease = positionals[0] ?? '*';
  if (ubuntuRelease !== '*' && !RELEASE.test(ubuntuRelease)) {
    throw new UsageError(`ubuntu_release '${ubuntuRelease}' is neither * nor a YY.MM version such as 22.04`);
  }
  const image = values['image-name'];
  if (image !== undefined && (image === '' || image.includes('/'))) {
    throw new UsageError(`--image-name '${image}' is not an image name`);
  }
  const output = values.output;
  if (output !== 'table' && output !== 'json') {
    throw new UsageError(`--output '${output}' is neither table nor json`);
  }
  const prefix = values['ext-ref-prefix'];
  if (prefix !== undefined && prefix.trim() === '') throw new UsageError('--ext-ref-prefix is empty');
  const runId = values['run-id'] ?? (env.GITHUB_RUN_ID?.trim() || String(Math.floor(now().getTime() / 1000)));
  if (runId.trim() === '') throw new UsageError('--run-id is empty');

  return {
    ubuntuRelease,
    ...(image !== undefined && image !== '*' ? { image } : {}),
    ...(prefix !== undefined ? { extRefPrefix: prefix } : {}),
    runId,
    dryRun: values['dry-run'],
    output,
    help: values.help,
  };
}
