/** Why a relation's data cannot be used yet (waiting) or at all (blocked), naming the relation. */
export interface RelationProblem {
  status: 'waiting' | 'blocked';
  message: string;
}

export function isProblem(value: unknown): value is RelationProblem {
  return typeof value === 'object' && value !== null && 'status' in value && 'message' in value;
}
