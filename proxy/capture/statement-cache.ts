// Prepared statements whose WHERE clause comes from the inspector's filters: each SQL text is prepared
// once and kept, up to a cap (filters come from URLs, so the set of texts is open-ended).
import type BetterSqlite3 from 'better-sqlite3';

const MAX_STATEMENTS = 256;

export class StatementCache {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  /** The statement for `sql`; with `pluck`, it returns the first column's value. */
  get(sql: string, pluck = false): BetterSqlite3.Statement {
    const key = pluck ? `pluck:${sql}` : sql;
    let s = this.#statements.get(key);
    if (!s) {
      s = this.#db.prepare(sql);
      if (pluck) s.pluck();
      if (this.#statements.size >= MAX_STATEMENTS) this.#statements.clear();
      this.#statements.set(key, s);
    }
    return s;
  }
}
