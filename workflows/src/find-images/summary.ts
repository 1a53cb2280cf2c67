// What find-images did, for people (a table, and in a dry run each trigger as YAML) and for
// machines (one JSON document).
import { dispatchInputs } from '../activities/rebuild/dispatch';
import type { ImageRebuild } from '../activities/rebuild';
import { type ImageTrigger, triggerYaml } from '../activities/rebuild/trigger';

export type ImageResult = 'dispatched' | 'would-dispatch' | 'skipped' | 'failed';

export interface ImageSummary {
  image: string;
  result: ImageResult;
  reason: string;
  external_ref_id?: string;
  /** The Actions run the dispatch started, when GitHub said which. */
  run_url?: string;
  /** Image.yaml's inputs, exactly as sent (or as they would be). */
  inputs?: ReturnType<typeof dispatchInputs>;
  /** The image trigger, decoded from `b64-image-trigger`. */
  trigger?: ImageTrigger;
}

export interface FindImagesSummary {
  ubuntu_release: string;
  image: string;
  run_id: string;
  dry_run: boolean;
  images: ImageSummary[];
  /** Why the run ended before every image was decided (a read that failed after its retries). */
  stopped?: string;
  counts: Record<ImageResult, number>;
}

export function imageSummaryOf(rebuild: ImageRebuild, dryRun: boolean): ImageSummary {
  const result: ImageResult = rebuild.failed
    ? 'failed'
    : rebuild.dispatched
      ? 'dispatched'
      : dryRun && rebuild.dispatch
        ? 'would-dispatch'
        : 'skipped';
  const { dispatch } = rebuild;
  return {
    image: rebuild.image,
    result,
    reason: rebuild.reason,
    ...(dispatch
      ? {
          external_ref_id: dispatch.externalRefId,
          inputs: dispatchInputs(dispatch),
          trigger: dispatch.trigger,
        }
      : {}),
    ...(rebuild.run ? { run_url: rebuild.run.url } : {}),
  };
}

export function countResults(images: readonly ImageSummary[]): Record<ImageResult, number> {
  const counts: Record<ImageResult, number> = { dispatched: 0, 'would-dispatch': 0, skipped: 0, failed: 0 };
  for (const { result } of images) counts[result] += 1;
  return counts;
}

export function summaryTable(summary: FindImagesSummary): string {
  const header = `find-images: release ${summary.ubuntu_release}, image ${summary.image}, run ${summary.run_id}${summary.dry_run ? ' (dry run: nothing dispatched)' : ''}`;
  const rows = summary.images.map((image) => [
    image.image,
    image.result,
    image.result === 'dispatched' || image.result === 'would-dispatch'
      ? [
          image.external_ref_id,
          image.run_url,
          image.reason.includes('(') ? image.reason.slice(image.reason.indexOf('(')) : '',
        ]
          .filter(Boolean)
          .join(' ')
      : image.reason,
  ]);
  const table = [['IMAGE', 'RESULT', 'DETAIL'], ...rows];
  const widths = [0, 1].map((column) => Math.max(...table.map((row) => row[column]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell))
      .join('  ')
      .trimEnd(),
  );
  const { counts } = summary;
  const totals = [
    `${counts.dispatched} dispatched`,
    ...(summary.dry_run ? [`${counts['would-dispatch']} would be dispatched`] : []),
    `${counts.skipped} skipped`,
    `${counts.failed} failed`,
  ].join(', ');
  const parts = [header, '', ...lines, '', totals];
  if (summary.stopped) parts.push(`stopped before every image was done: ${summary.stopped}`);
  for (const image of summary.images) {
    if (summary.dry_run && image.trigger) {
      parts.push(
        '',
        `# ${image.image}: external_ref_id ${image.external_ref_id}`,
        triggerYaml(image.trigger).trimEnd(),
      );
    }
  }
  return parts.join('\n') + '\n';
}
