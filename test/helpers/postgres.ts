/**
 * PostgreSQL as a test peer: each caller gets its own empty schema, selected through the connection's
 * search_path, so parallel test files (and other worktrees) never see each other's tables.
 */
import pg from 'pg';

/** CI starts this server; when it is unreachable these tests fail rather than skip. */
export const postgresBaseUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresSchemas {
  /** A connection URL for a new empty schema. */
  create(): Promise<string>;
  /** Drops every schema made here and closes the admin connection. */
  dropAll(): Promise<void>;
}

export function postgresSchemas(label: string): PostgresSchemas {
  const prefix = `${label}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Pool({ connectionString: postgresBaseUrl, max: 1 });
  const schemas: string[] = [];
  return {
    async create() {
      const schema = `${prefix}_${schemas.length}`;
      await admin.query(`create schema ${schema}`);
      schemas.push(schema);
      return `${postgresBaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    },
    async dropAll() {
      for (const schema of schemas.splice(0)) await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}
