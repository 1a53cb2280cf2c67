// database (requires postgresql_client, limit 1): the requirer side of the data-platform
// `data_interfaces` protocol on Juju 3 with secrets (docs/relations.md §3). The leader asks for
// the database named by `db-name` and for the secret fields; every unit reads the endpoints
// from the provider's application databag and the credentials from the secret it grants, and
// hands them to the activities as the Python charm's TEMPORAL_DB_* variables.
import { HookToolError, type Juju } from '../../juju/types';
import { oneRelation, type RelationProblem } from './problem';

export const DATABASE = 'database';
/** The fields data_interfaces' DatabaseRequires asks to receive as secrets. */
export const REQUESTED_SECRETS = ['username', 'password', 'tls', 'tls-ca', 'uris', 'read-only-uris'];

export type DatabaseVariables = Record<string, string>;

/** What the leader writes in the application databag of the relation. */
export function databaseRequest(dbName: string): Record<string, string> {
  return { database: dbName, 'requested-secrets': JSON.stringify(REQUESTED_SECRETS) };
}

/**
 * TEMPORAL_DB_HOST, _PORT, _USER, _PASSWORD, _TLS (the Python charm's) and _NAME (ours, the
 * db-name); {} without a relation. As the Python charm, the first of several endpoints.
 */
export async function databaseVariables(
  juju: Juju,
  relationIds: string[],
  dbName: string,
  app: string,
): Promise<DatabaseVariables | RelationProblem> {
  const related = await oneRelation(juju, DATABASE, relationIds);
  if (related === null) return {};
  if ('status' in related) return related;
  const { id, app: provider } = related;
  if (dbName === '') {
    return {
      status: 'blocked',
      message: `${DATABASE}: related to ${provider} but db-name is not set: juju config ${app} db-name=<database>`,
    };
  }
  const data = await juju.relationGet(id, provider, true);
  const waiting = (what: string): RelationProblem => ({
    status: 'waiting',
    message: `waiting for ${DATABASE}: ${provider} has not shared ${what} for '${dbName}' yet`,
  });
  const first = data.endpoints?.split(',')[0]?.trim() ?? '';
  if (first === '') return waiting('its endpoints');
  const endpoint = /^(\[[0-9A-Fa-f:.]+\]|[^:\s]+):(\d{1,5})$/.exec(first);
  if (!endpoint || Number(endpoint[2]) < 1 || Number(endpoint[2]) > 65535) {
    return {
      status: 'blocked',
      message: `${DATABASE}: endpoint '${first.slice(0, 64)}' from ${provider} is not host:port`,
    };
  }

  const user = await secretFields(juju, data['secret-user'], provider, 'credentials');
  if ('status' in user) return user;
  const tls = await secretFields(juju, data['secret-tls'], provider, 'TLS settings');
  if ('status' in tls) return tls;
  // Without secrets (a provider on Juju 2), the same fields are in the databag.
  const field = (name: string) => user[name] ?? tls[name] ?? data[name] ?? '';
  if (field('username') === '' || field('password') === '') return waiting('its credentials');
  return {
    TEMPORAL_DB_HOST: endpoint[1]!.replace(/^\[|\]$/g, ''),
    TEMPORAL_DB_PORT: endpoint[2]!,
    TEMPORAL_DB_USER: field('username'),
    TEMPORAL_DB_PASSWORD: field('password'),
    TEMPORAL_DB_TLS: field('tls'),
    TEMPORAL_DB_NAME: dbName,
  };
}

/** A granted secret's content ({} when the provider shares none); a blocked problem when it cannot be read. */
async function secretFields(
  juju: Juju,
  uri: string | undefined,
  provider: string,
  what: string,
): Promise<Record<string, string> | RelationProblem> {
  if (!uri) return {};
  try {
    return await juju.secretGet(uri, true);
  } catch (error) {
    if (!(error instanceof HookToolError)) throw error;
    return {
      status: 'blocked',
      message: `${DATABASE}: cannot read the ${what} secret ${uri} shared by ${provider} (${error.stderr.trim().replace(/^ERROR /, '')})`,
    };
  }
}
