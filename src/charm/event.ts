// The event Juju dispatched, from JUJU_DISPATCH_PATH (`hooks/<name>` or `actions/<name>`).

export type CharmEvent = { kind: 'hook'; name: string } | { kind: 'action'; name: string };

export function eventFromDispatchPath(dispatchPath: string | undefined): CharmEvent | null {
  const match = /^(hooks|actions)\/([^/]+)$/.exec(dispatchPath ?? '');
  if (!match) return null;
  return { kind: match[1] === 'hooks' ? 'hook' : 'action', name: match[2]! };
}
