import { Client } from 'pg';
import { startPostgresql } from '../harness/postgresql';

jest.setTimeout(60_000); // jest.config.js's per-project testTimeout is not applied by Jest 30

describe('the PostgreSQL harness', () => {
  it('serves its database to its role by password over 127.0.0.1 only, until stopped', async () => {
    const postgres = await startPostgresql({
      database: 'harness db',
      user: 'harness-user',
      password: "it's",
    });
    const connect = async (password: string) => {
      const { host, port, user, database } = postgres;
      const client = new Client({ host, port, user, database, password });
      await client.connect();
      return client;
    };
    try {
      const client = await connect(postgres.password);
      try {
        const { rows } = await client.query<{ user: string; database: string; listen: string }>(
          `SELECT current_user AS user, current_database() AS database,
                  current_setting('listen_addresses') AS listen`,
        );
        expect(rows).toEqual([{ user: 'harness-user', database: 'harness db', listen: '127.0.0.1' }]);
        // PostgreSQL 15 lets only the database's owner create in its public schema.
        await client.query('CREATE TABLE owned (id int)');
      } finally {
        await client.end();
      }
      await expect(connect('wrong')).rejects.toThrow(/password authentication failed/);
    } finally {
      await postgres.stop();
    }
    await expect(connect(postgres.password)).rejects.toThrow(/ECONNREFUSED/);
  });
});
