import type { Juju } from '../../juju/types';

/** Why a relation's data cannot be used yet (waiting) or at all (blocked), naming the relation. */
export interface RelationProblem {
  status: 'waiting' | 'blocked';
  message: string;
}

export function isProblem(value: unknown): value is RelationProblem {
  return typeof value === 'object' && value !== null && 'status' in value && 'message' in value;
}

/**
 * The relation of an endpoint that takes one application (`limit: 1`, which Juju does not
 * enforce), with that application's name; null without one; blocked, naming them, with several.
 */
export async function oneRelation(
  juju: Juju,
  endpoint: string,
  relationIds: string[],
): Promise<{ id: string; app: string } | RelationProblem | null> {
  if (relationIds.length === 0) return null;
  const apps = await Promise.all(relationIds.map((id) => juju.relationApp(id)));
  if (relationIds.length > 1) {
    return {
      status: 'blocked',
      message: `${endpoint}: related to ${apps.join(', ')}: remove all but one (juju remove-relation)`,
    };
  }
  return { id: relationIds[0]!, app: apps[0]! };
}
