// Another process holding the capture file's write lock: `node --import tsx lock-holder.ts FILE` opens
// FILE, takes `BEGIN EXCLUSIVE`, prints "locked", and rolls back and exits when its stdin ends.
// Started and released through holdLock() (lock.ts).
import Database from 'better-sqlite3';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: lock-holder.ts FILE');
const db = new Database(file, { timeout: 5000 }); // the proxy's own writes are short: wait for one to end
db.exec('BEGIN EXCLUSIVE');
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  db.exec('ROLLBACK');
  db.close();
  process.exit(0);
});
