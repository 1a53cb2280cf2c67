// The Ubuntu release an OCI event is about: production events carry it in `release`;
// older schema versions only say it in their registry tags or description.
import type { OciEvent } from './pipeline-types';

// NN.NN not part of a longer dotted number (so no match inside 10.20.30.40 or 1.22.04).
const UBUNTU_VERSION = /(?<![\d.])(\d{2}\.\d{2})(?![\d.])/;

export function ubuntuReleaseOf(event: OciEvent): string | null {
  if (typeof event.release === 'string' && event.release.trim() !== '') return event.release.trim();

  const tags = Array.isArray(event.registry_tags) ? event.registry_tags : [];
  for (const reference of tags) {
    if (typeof reference !== 'string') continue;
    // Only the tag part: a registry host may be an IP address or carry a port.
    const lastSlash = reference.lastIndexOf('/');
    const colon = reference.indexOf(':', lastSlash + 1);
    const tag = colon >= 0 ? reference.slice(colon + 1) : '';
    const version = UBUNTU_VERSION.exec(tag)?.[1];
    if (version) return version;
  }

  if (typeof event.description === 'string') {
    const version = UBUNTU_VERSION.exec(event.description)?.[1];
    if (version) return version;
  }
  return null;
}
