/**
 * Forked query child (SPEC §8). A process, not a worker thread: SQLite inside native code cannot be
 * interrupted from JS, but this process can be SIGKILLed by the pool at the time limit and replaced.
 */
import { ConnectionHolder, QueryRejected, executeQuery } from './execute';
import type { ChildMessage, ParentMessage } from './protocol';

const connections = new ConnectionHolder();

function send(message: ChildMessage): void {
  process.send?.(message);
}

process.on('message', (message: ParentMessage) => {
  try {
    const db = connections.get(message.job.dbPath);
    send({ type: 'reply', id: message.id, ok: true, json: executeQuery(db, message.job).json });
  } catch (err) {
    const error = err instanceof QueryRejected ? err.message : `Query failed: ${(err as Error).message}`;
    send({ type: 'reply', id: message.id, ok: false, error });
  }
});

// The server went away (crash, close without cleanup): never outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready' });
