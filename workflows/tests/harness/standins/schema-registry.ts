// Stand-in for the Karapace schema registry (the Confluent REST API subset the
// @kafkajs/confluent-schema-registry client uses), with Karapace's own error bodies.
import {
  type HttpStandin,
  type RecordedRequest,
  type StandinResponse,
  jsonBody,
  startHttpStandin,
} from './http-standin';

export interface SchemaRegistryStandin extends HttpStandin {
  /** Registers a schema version under a subject (as a producer would) and returns its global id. */
  register(subject: string, schema: string | object): number;
  readonly username: string;
  readonly password: string;
}

export interface SchemaRegistryOptions {
  username?: string;
  password?: string;
}

interface RegisteredSchema {
  id: number;
  schema: string;
}

const subjectNotFound = (subject: string): StandinResponse => ({
  status: 404,
  body: { error_code: 40401, message: `Subject '${subject}' not found.` },
});
const versionNotFound = (version: string): StandinResponse => ({
  status: 404,
  body: { error_code: 40402, message: `Version ${version} not found.` },
});
const schemaNotFound: StandinResponse = {
  status: 404,
  body: { error_code: 40403, message: 'Schema not found' },
};

const CONTENT_TYPE = { 'content-type': 'application/vnd.schemaregistry.v1+json' };

export async function startSchemaRegistry(
  options: SchemaRegistryOptions = {},
): Promise<SchemaRegistryStandin> {
  const username = options.username ?? 'eventbus-user';
  const password = options.password ?? 'eventbus-password';
  const expectedAuthorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  const schemas: RegisteredSchema[] = [];
  const subjects = new Map<string, number[]>(); // subject -> schema ids, by version
  const compatibility = new Map<string, string>();

  function register(subject: string, schema: string | object): number {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    let entry = schemas.find((known) => known.schema === text);
    if (!entry) {
      entry = { id: schemas.length + 1, schema: text };
      schemas.push(entry);
    }
    const versions = subjects.get(subject) ?? [];
    if (!versions.includes(entry.id)) versions.push(entry.id);
    subjects.set(subject, versions);
    return entry.id;
  }

  function versionBody(subject: string, versions: number[], index: number): StandinResponse {
    const id = versions[index]!;
    return {
      status: 200,
      headers: CONTENT_TYPE,
      body: { subject, version: index + 1, id, schema: schemas[id - 1]!.schema },
    };
  }

  function routes(request: RecordedRequest): StandinResponse | undefined {
    if (request.headers.authorization !== expectedAuthorization) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'Basic realm="Karapace Schema Registry"' },
        body: { error_code: 401, message: 'Unauthorized' },
      };
    }
    const parts = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    const [root, name, sub, version] = parts;

    if (request.method === 'GET' && root === 'schemas' && name === 'ids' && sub && parts.length === 3) {
      const entry = schemas[Number(sub) - 1];
      return entry ? { status: 200, headers: CONTENT_TYPE, body: { schema: entry.schema } } : schemaNotFound;
    }
    if (request.method === 'GET' && root === 'subjects' && parts.length === 1) {
      return { status: 200, headers: CONTENT_TYPE, body: [...subjects.keys()] };
    }
    if (root === 'subjects' && name !== undefined) {
      const subject = name.replace(/\+/g, ' ');
      const versions = subjects.get(subject);
      if (request.method === 'GET' && sub === 'versions' && version !== undefined && parts.length === 4) {
        if (!versions) return subjectNotFound(subject);
        if (version === 'latest' || version === '-1')
          return versionBody(subject, versions, versions.length - 1);
        const index = Number(version) - 1;
        return Number.isInteger(index) && index >= 0 && index < versions.length
          ? versionBody(subject, versions, index)
          : versionNotFound(version);
      }
      if (request.method === 'POST' && sub === 'versions' && parts.length === 3) {
        const body = jsonBody<{ schema?: string }>(request);
        if (!body?.schema) return { status: 422, body: { error_code: 42201, message: 'Invalid schema' } };
        return { status: 200, headers: CONTENT_TYPE, body: { id: register(subject, body.schema) } };
      }
      if (request.method === 'POST' && parts.length === 2) {
        if (!versions) return subjectNotFound(subject);
        const body = jsonBody<{ schema?: string }>(request);
        const index = versions.findIndex((id) => schemas[id - 1]!.schema === body?.schema);
        return index >= 0 ? versionBody(subject, versions, index) : schemaNotFound;
      }
    }
    if (root === 'config' && name !== undefined && parts.length === 2) {
      if (request.method === 'GET') {
        const level = compatibility.get(name);
        return level
          ? { status: 200, headers: CONTENT_TYPE, body: { compatibilityLevel: level } }
          : {
              status: 404,
              body: {
                error_code: 40408,
                message: `Subject '${name}' does not have subject-level compatibility configured`,
              },
            };
      }
      if (request.method === 'PUT') {
        const level = jsonBody<{ compatibility?: string }>(request)?.compatibility ?? 'BACKWARD';
        compatibility.set(name, level);
        return { status: 200, headers: CONTENT_TYPE, body: { compatibility: level } };
      }
    }
    return undefined;
  }

  const standin = await startHttpStandin('schema registry', routes, () => ({
    status: 404,
    body: { error_code: 404, message: 'HTTP 404 Not Found' },
  }));
  return Object.assign(standin, { register, username, password });
}
