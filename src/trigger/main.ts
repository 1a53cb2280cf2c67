// `npm run trigger -- --topic T --group G [...]`: the TypeScript counterpart of
// `tctl workflow execute --type ConsumeEventsWorkflow --input T --input G`.
import { authorizationFor } from './authorization';
import { USAGE, UsageError, WORKFLOW_TYPE, resolveTriggerOptions, type TriggerOptions } from './options';
import { triggerConsumeEvents, type TriggerReporter } from './start';

const AUTH_NAMES: Record<string, string> = { google: 'Google', candid: 'Candid' };

function describeTarget(options: TriggerOptions): string {
  const { settings } = options;
  const features = [
    options.tls ? 'TLS' : 'plaintext',
    settings.authProvider ? `${AUTH_NAMES[settings.authProvider]} auth` : 'no auth',
    settings.encryptionKey ? 'encrypted payloads' : 'unencrypted payloads',
  ];
  return `${options.address}, namespace '${settings.namespace}', queue '${settings.queue}' (${features.join(', ')})`;
}

const consoleReporter: TriggerReporter = {
  started({ workflowId, runId }) {
    console.log(`started ${WORKFLOW_TYPE}`);
    console.log(`workflow id: ${workflowId}`);
    console.log(`run id: ${runId}`);
  },
  continuedAsNew({ runId }) {
    console.log(`continued as new: run id ${runId}`);
  },
  completed({ runId }, result) {
    console.log(`run ${runId} completed: ${JSON.stringify(result)}`);
  },
};

async function main(argv: string[]): Promise<number> {
  let options: TriggerOptions | null;
  try {
    options = resolveTriggerOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`trigger: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    console.log(USAGE);
    return 0;
  }
  console.log(
    `starting ${WORKFLOW_TYPE}('${options.topic}', '${options.group}') on ${describeTarget(options)}`,
  );
  if (options.wait) {
    process.once('SIGINT', () => {
      console.log('stopped following; the workflow keeps running');
      process.exit(130);
    });
  }
  try {
    await triggerConsumeEvents(options, consoleReporter, authorizationFor);
    return 0;
  } catch (error) {
    console.error(`trigger: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
