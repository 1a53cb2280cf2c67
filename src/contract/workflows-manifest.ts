// `manifest.json` at the root of a workflows package (the `workflows-file` resource): what
// the package holds. The charm checks it before pushing the package; the worker loads by it.
// The package's build writes it (workflows/scripts/build.mjs); its type lives there.
import * as z from 'zod/mini';
import type { WorkflowsManifest } from '../../workflows/scripts/package-types';

export type { WorkflowsManifest };

export const MANIFEST_FILE = 'manifest.json';

const NAMES = z.array(z.string().check(z.minLength(1)));
const MANIFEST = z.object({
  name: z.string().check(z.minLength(1)),
  version: z.string().check(z.minLength(1)),
  temporalSdkVersion: z.string().check(z.minLength(1)),
  workflowBundle: z.string().check(z.minLength(1)),
  activities: z.string().check(z.minLength(1)),
  workflowNames: NAMES,
  activityNames: NAMES,
}) satisfies z.ZodMiniType<WorkflowsManifest>;

/** The manifest in `text`; throws naming what is wrong with it. */
export function parseManifest(text: string): WorkflowsManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${MANIFEST_FILE} is not valid JSON`);
  }
  const parsed = MANIFEST.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '(root)')))];
    throw new Error(`${MANIFEST_FILE} lacks or has invalid ${fields.join(', ')}`);
  }
  return parsed.data;
}
