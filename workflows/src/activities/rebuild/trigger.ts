// The version-2 "uber" image trigger: one upload per source/commit/directory, with the
// channels to release each rebuild to; dumped as block-style YAML and base64-encoded.
import YAML from 'yaml';
import type { BuildMetadata } from './build-metadata';
import type { ReleaseTargets } from './channels';

export interface Upload {
  source: string;
  commit: string;
  directory: string;
  'ignored-vulnerabilities': string[];
  release: ReleaseTargets;
}

export interface ImageTrigger {
  version: 2;
  upload: Upload[];
}

/** Collects uploads in revision order; a later revision of the same build wins per track. */
export class TriggerBuilder {
  private readonly uploads = new Map<string, Upload>();

  add(metadata: BuildMetadata, release: ReleaseTargets): void {
    const key = `${metadata.source}_${metadata.commit}_${metadata.directory}`;
    const existing = this.uploads.get(key);
    if (existing) {
      existing.release = { ...existing.release, ...release };
    } else if (Object.keys(release).length > 0) {
      this.uploads.set(key, {
        source: metadata.source,
        commit: metadata.commit,
        directory: metadata.directory,
        'ignored-vulnerabilities': (metadata['ignored-vulnerabilities'] ?? '').split(/\s+/).filter(Boolean),
        release,
      });
    }
  }

  build(): ImageTrigger {
    return { version: 2, upload: [...this.uploads.values()] };
  }
}

/**
 * Block style with sorted keys, as PyYAML's safe_dump wrote it; YAML 1.1 quoting so that
 * values such as end-of-life timestamps or all-digit commits stay strings for PyYAML readers.
 */
export function triggerYaml(trigger: ImageTrigger): string {
  return YAML.stringify(trigger, {
    version: '1.1',
    sortMapEntries: true,
    indentSeq: false,
    singleQuote: true,
    lineWidth: 0,
  });
}

export function encodeTrigger(trigger: ImageTrigger): string {
  return Buffer.from(triggerYaml(trigger), 'utf8').toString('base64');
}
