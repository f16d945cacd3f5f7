// A FrameQuery's filters as one SQL condition over `frames f`. Each filter is written so that an index of
// schema step 2 serves it (they all end in the rowid, so matches come out in capture order).
import type BetterSqlite3 from 'better-sqlite3';
import type { FrameQuery } from '../../shared/api/dto.js';
import { parseVersion } from '../../shared/msnp/versions.js';

export interface FrameCondition {
  /** SQL over `frames f`; '1' when nothing is filtered. */
  where: string;
  params: unknown[];
  /** Identifies the filter: same key, same matching frames. */
  key: string;
}

/** Matches the partial index frames_errors (SQLite uses it only when the term is written the same way). */
export const ERRORS_SQL = "(issues <> '[]' OR command GLOB '[0-9][0-9][0-9]')";

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Builds the condition. `q` also matches connection labels: the (small) connections table is searched
 * first and its hits become a list of connection ids, so the frames scan needs no join.
 */
export function frameCondition(db: BetterSqlite3.Database, query: FrameQuery): FrameCondition {
  const terms: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    terms.push(sql);
    params.push(...values);
  };
  if (query.session !== undefined) add('f.session_id = ?', query.session);
  if (query.connection !== undefined) add('f.connection_id = ?', query.connection);
  if (query.command !== undefined) {
    // Command names are upper case on the wire; `msg` means MSG.
    const commands = [...new Set(query.command.split(',').map((c) => c.trim().toUpperCase()))];
    if (commands.length === 1) add('f.command = ?', commands[0]);
    else add(`f.command IN (${commands.map(() => '?').join(', ')})`, ...commands);
  }
  if (query.dir !== undefined) add('f.dir = ?', query.dir);
  if (query.version !== undefined) add('f.version = ?', parseVersion(query.version) ?? -1);
  if (query.trId !== undefined) add('f.tr_id = ?', query.trId);
  if (query.errors) add(ERRORS_SQL);
  if (query.q !== undefined && query.q !== '') {
    const pattern = likePattern(query.q);
    const labelled = (db.prepare("SELECT id FROM connections WHERE label LIKE ? ESCAPE '\\' ORDER BY id").pluck().all(pattern) as number[]);
    const byLabel = labelled.length > 0 ? ` OR f.connection_id IN (${labelled.join(', ')})` : '';
    add(`(f.command LIKE ? ESCAPE '\\' OR f.summary LIKE ? ESCAPE '\\'${byLabel})`, pattern, pattern);
  }
  const where = terms.length > 0 ? terms.join(' AND ') : '1';
  return { where, params, key: JSON.stringify([where, params]) };
}

/** The SQL of the condition a key was made for. */
export function whereOfKey(key: string): string {
  return (JSON.parse(key) as [string, unknown[]])[0];
}
