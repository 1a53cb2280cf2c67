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

/** `all`, or names from `supported-workflows` / `supported-activities`. */
export type NameSelection = 'all' | string[];

export type NameKind = 'workflow' | 'activity';

const SELECTING_OPTION: Record<NameKind, string> = {
  workflow: 'supported-workflows',
  activity: 'supported-activities',
};

/** The selected names in the manifest's order; throws naming the unknown ones and what the package has. */
export function selectNames(kind: NameKind, manifest: WorkflowsManifest, selection: NameSelection): string[] {
  const available = kind === 'workflow' ? manifest.workflowNames : manifest.activityNames;
  if (selection === 'all') return [...available];
  const unknown = selection.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `${SELECTING_OPTION[kind]} names ${unknown.map((name) => `'${name}'`).join(', ')}, which the workflows ` +
        `package ${manifest.name} ${manifest.version} does not have (it has: ${available.join(', ') || 'none'})`,
    );
  }
  return available.filter((name) => selection.includes(name));
}
