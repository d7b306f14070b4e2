import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept compiled; past this the cache starts over (`in (...)` lists vary in length). */
const maxStatements = 256;

/**
 * better-sqlite3 compiles SQL on every prepare(), and kysely prepares each query it runs: the scheduler's
 * claim, outlook and save of every step compiled the same few statements again and again. Queries are
 * parameterised, so one SQL text is one statement, compiled once. Safe to share: kysely runs a statement
 * to its end synchronously (all() or run()), so no two uses of one statement overlap.
 */
export function withStatementCache(database: SqliteDatabase): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= maxStatements) statements.clear();
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
