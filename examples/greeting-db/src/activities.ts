// The activity of the example package: records a greeting in the PostgreSQL database the charm
// is related to, which it reaches by the TEMPORAL_DB_* variables the charm gives the worker
// (docs/workflows-package.md).
import { Client } from 'pg';

/**
 * A TEMPORAL_DB_* variable the worker lacks: the workflow does not retry it (nonRetryableErrorTypes).
 * Not exported: every export of this module is registered as an activity.
 */
class MissingDatabaseSetting extends Error {
  constructor(variable: string) {
    super(
      `${variable} is not set: relate the charm to a PostgreSQL database (postgresql-k8s) and set db-name`,
    );
    this.name = 'MissingDatabaseSetting';
  }
}

function required(variable: string): string {
  const value = process.env[variable];
  if (!value) throw new MissingDatabaseSetting(variable);
  return value;
}

function databaseConnection() {
  const tls = /^true$/i.test(process.env.TEMPORAL_DB_TLS ?? '');
  return {
    host: required('TEMPORAL_DB_HOST'),
    port: Number(required('TEMPORAL_DB_PORT')),
    user: required('TEMPORAL_DB_USER'),
    password: required('TEMPORAL_DB_PASSWORD'),
    database: required('TEMPORAL_DB_NAME'),
    // The relation hands the worker no CA to check the server against: encrypted but unverified,
    // as libpq's sslmode=require.
    ssl: tls ? { rejectUnauthorized: false } : false,
  };
}

export async function recordGreeting(name: string): Promise<string> {
  const connection = databaseConnection();
  const client = new Client(connection);
  try {
    await client.connect();
    await client.query(
      'CREATE TABLE IF NOT EXISTS greetings (id serial PRIMARY KEY, name text NOT NULL, at timestamptz DEFAULT now())',
    );
    const { rows } = await client.query<{ id: number }>(
      'INSERT INTO greetings (name) VALUES ($1) RETURNING id',
      [name],
    );
    return `Hello, ${name}! (greeting #${rows[0]!.id} in ${connection.database})`;
  } finally {
    await client.end();
  }
}
