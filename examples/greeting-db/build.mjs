// Builds dist/greeting-db-workflows-0.1.0.tgz with the OCI Factory package's build
// (workflows/scripts/build.mjs): `npm run build:example` from the repository root.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWorkflowsPackage, reportBuild } from '../../workflows/scripts/build.mjs';

const EXAMPLE = path.dirname(fileURLToPath(import.meta.url));
const NAME = 'greeting-db-workflows';
const VERSION = '0.1.0';

/** @type {import('../../workflows/scripts/package-types.js').WorkflowsPackageOptions} */
export const GREETING_DB_PACKAGE = {
  name: NAME,
  version: VERSION,
  workflowsPath: path.join(EXAMPLE, 'src', 'workflows.ts'),
  activitiesPath: path.join(EXAMPLE, 'src', 'activities.ts'),
  outFile: path.join(EXAMPLE, 'dist', `${NAME}-${VERSION}.tgz`),
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  reportBuild(buildWorkflowsPackage(GREETING_DB_PACKAGE));
}
