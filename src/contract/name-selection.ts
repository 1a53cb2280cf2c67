// Which of a workflows package's names the worker registers: `supported-workflows` and
// `supported-activities` against the package's manifest. Apart from the manifest's parser, so a
// hook that only checks the selection does not load the schema library.
import type { WorkflowsManifest } from './workflows-manifest';

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
