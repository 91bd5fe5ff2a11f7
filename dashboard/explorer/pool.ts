/**
 * A small pool of forked query children (SPEC §8: at most 2, one running query per child). A query
 * that outlives its time limit gets its child SIGKILLed and a fresh child started, so the server's
 * own event loop never waits on SQLite.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ChildMessage, ParentMessage, QueryJob } from './protocol';

export type PoolOutcome =
  | { kind: 'ok'; json: string }
  | { kind: 'error'; error: string }
  | { kind: 'timeout' }
  /** `client_limit`: that client already has its share queued; `queue_full`: too many waiting; `wait`: no child came free in time. */
  | { kind: 'busy'; reason: 'client_limit' | 'queue_full' | 'wait'; waitedMs: number }
  | { kind: 'failed'; error: string };

interface Pending {
  id: number;
  /** The client whose queries run one at a time; null for a query outside that rule. */
  client: string | null;
  queuedAt: number;
  job: QueryJob;
  timeoutMs: number;
  resolve: (outcome: PoolOutcome) => void;
  timer?: NodeJS.Timeout;
  settled?: boolean;
}

interface Slot {
  proc: ChildProcess;
  ready: boolean;
  current: Pending | null;
}

// From sources (vitest, tsx) fork the .ts child through tsx; from dist/ fork the compiled .js.
const RUNNING_FROM_SOURCE = __filename.endsWith('.ts');
const CHILD_PATH = path.join(__dirname, RUNNING_FROM_SOURCE ? 'child.ts' : 'child.js');
const CHILD_EXEC_ARGV = RUNNING_FROM_SOURCE ? ['--import', 'tsx'] : [];

/** Queries one client may have running or waiting; more are answered "busy". */
const MAX_QUERIES_PER_CLIENT = 4;

// Every live child of every pool, so that an exiting server never leaves one behind.
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export interface PoolOptions {
  size: number;
  /** Queries waiting for a free child beyond this are answered "busy". */
  maxQueued?: number;
  /** How long a query may wait for its turn (its client's earlier queries and a free child); then "busy". */
  maxWaitMs?: number;
}

export class ExplorerPool {
  private slots: Slot[] = [];
  /** Waiting queries, oldest first; a client's queries keep their order. */
  private queue: Pending[] = [];
  /** Queries per client, waiting or running. */
  private perClient = new Map<string, number>();
  private nextId = 1;
  private readonly size: number;
  private readonly maxQueued: number;
  private readonly maxWaitMs: number;

  constructor(options: PoolOptions) {
    this.size = Math.max(1, Math.min(2, Math.floor(options.size)));
    this.maxQueued = options.maxQueued ?? 32;
    this.maxWaitMs = options.maxWaitMs ?? 5_000;
  }

  /** Number of child processes alive (tests check that a killed child was replaced, and that close() cleans up). */
  get childCount(): number {
    return this.slots.length;
  }

  /** Children started and waiting for or running a query. */
  get readyCount(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  get childPids(): number[] {
    return this.slots.map((s) => s.proc.pid ?? -1);
  }

  /**
   * SPEC §8 "one running query per client": a client's queries run one after the other, so a single
   * client cannot hold every child with runaway queries; other clients keep a free child. Every wait
   * (behind the client's own queries or for a child) is bounded by maxWaitMs: behind a proxy that
   * hides the client addresses, one user's runaway queries delay the others by at most that.
   */
  runForClient(client: string, job: QueryJob, timeoutMs: number): Promise<PoolOutcome> {
    if ((this.perClient.get(client) ?? 0) >= MAX_QUERIES_PER_CLIENT) return Promise.resolve({ kind: 'busy', reason: 'client_limit', waitedMs: 0 });
    return this.enqueue(client, job, timeoutMs);
  }

  run(job: QueryJob, timeoutMs: number): Promise<PoolOutcome> {
    return this.enqueue(null, job, timeoutMs);
  }

  private enqueue(client: string | null, job: QueryJob, timeoutMs: number): Promise<PoolOutcome> {
    if (this.queue.length >= this.maxQueued) return Promise.resolve({ kind: 'busy', reason: 'queue_full', waitedMs: 0 });
    if (client !== null) this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    return new Promise((resolve) => {
      const pending: Pending = { id: this.nextId++, client, queuedAt: Date.now(), job, timeoutMs, resolve };
      this.queue.push(pending);
      this.boundWait(pending);
      this.pump();
    });
  }

  /**
   * While queued, a timer bounds the wait behind other queries; once dispatched it is replaced by
   * the query's limit. Time spent only on children starting up (none is running a query) is not
   * held against the query.
   */
  private boundWait(pending: Pending): void {
    pending.timer = setTimeout(() => {
      if (!this.slots.some((s) => s.current)) {
        this.boundWait(pending);
        return;
      }
      this.queue = this.queue.filter((p) => p !== pending);
      this.finish(pending, { kind: 'busy', reason: 'wait', waitedMs: Date.now() - pending.queuedAt });
      this.pump();
    }, this.maxWaitMs);
  }

  /** Kills every child and answers whatever was waiting. The pool can be used again afterwards. */
  close(): void {
    for (const pending of this.queue) this.finish(pending, { kind: 'failed', error: 'Server is shutting down' });
    this.queue = [];
    for (const slot of this.slots) {
      if (slot.current) this.finish(slot.current, { kind: 'failed', error: 'Server is shutting down' });
      slot.current = null;
      this.kill(slot);
    }
    this.slots = [];
  }

  private pump(): void {
    for (;;) {
      if (this.queue.length === 0) return;
      const free = this.slots.find((s) => s.ready && !s.current);
      if (!free) break;
      // The oldest query whose client has none running.
      const running = new Set(this.slots.map((s) => s.current?.client).filter((c) => c !== null && c !== undefined));
      const next = this.queue.findIndex((p) => p.client === null || !running.has(p.client));
      if (next === -1) break;
      const [pending] = this.queue.splice(next, 1);
      this.dispatch(free, pending);
    }
    // Once in use the pool keeps all its children warm, so a second query never pays for a cold start.
    while (this.slots.length < this.size) this.spawn();
  }

  private dispatch(slot: Slot, pending: Pending): void {
    clearTimeout(pending.timer);
    slot.current = pending;
    pending.timer = setTimeout(() => this.expire(slot), pending.timeoutMs);
    const message: ParentMessage = { id: pending.id, job: pending.job };
    slot.proc.send(message);
  }

  private expire(slot: Slot): void {
    const pending = slot.current;
    slot.current = null;
    this.remove(slot);
    this.kill(slot);
    if (pending) this.finish(pending, { kind: 'timeout' });
    // Replace the killed child right away so the next query does not pay for a cold start.
    if (this.slots.length < this.size) this.spawn();
    this.pump();
  }

  private spawn(): void {
    const proc = fork(CHILD_PATH, [], { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    liveChildren.add(proc);
    // Children never keep the server process alive on their own; pending timers do while a query runs.
    proc.unref();
    proc.channel?.unref();
    const slot: Slot = { proc, ready: false, current: null };
    this.slots.push(slot);
    proc.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        slot.ready = true;
      } else if (slot.current && slot.current.id === message.id) {
        const pending = slot.current;
        slot.current = null;
        this.finish(pending, message.ok ? { kind: 'ok', json: message.json } : { kind: 'error', error: message.error });
      }
      this.pump();
    });
    const onGone = (): void => {
      liveChildren.delete(proc);
      if (!this.slots.includes(slot)) return;
      this.remove(slot);
      if (slot.current) {
        this.finish(slot.current, { kind: 'failed', error: 'The query process stopped unexpectedly' });
        slot.current = null;
      }
      if (!slot.ready) {
        // A child that dies before it is ready would die again: fail the waiting queries instead of looping.
        for (const pending of this.queue) this.finish(pending, { kind: 'failed', error: 'The query process could not start' });
        this.queue = [];
      }
      this.pump();
    };
    proc.on('exit', onGone);
    proc.on('error', onGone);
  }

  private finish(pending: Pending, outcome: PoolOutcome): void {
    clearTimeout(pending.timer);
    if (pending.settled) return;
    pending.settled = true;
    if (pending.client !== null) {
      const left = (this.perClient.get(pending.client) ?? 1) - 1;
      if (left > 0) this.perClient.set(pending.client, left);
      else this.perClient.delete(pending.client);
    }
    pending.resolve(outcome);
  }

  private remove(slot: Slot): void {
    this.slots = this.slots.filter((s) => s !== slot);
  }

  private kill(slot: Slot): void {
    liveChildren.delete(slot.proc);
    if (slot.proc.exitCode === null && slot.proc.signalCode === null) slot.proc.kill('SIGKILL');
  }
}
