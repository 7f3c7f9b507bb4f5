// Never lose a tap. Every action is written to IndexedDB, with its idempotency key, before
// it is sent; actions go out one at a time, in the order they were tapped. A lost answer or
// a dead network keeps the action and retries it later with the same key, so the server
// applies it once; an answer that refuses it (the job changed) drops it, with a notice.

const DB = 'nextjob-tech';
const STORE = 'actions';

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openDb() {
  const r = indexedDB.open(DB, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
  return request(r);
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ActionQueue {
  /** run(name, variables, key) sends one action; hooks: changed(), applied(action, data), rejected(action, error). */
  constructor(run, hooks) {
    this.run = run;
    this.hooks = hooks;
    this.items = [];
    this.db = null; // null when IndexedDB is unavailable (private mode): memory only
    this.ready = false;
    this.busy = false;
    this.retry = null;
    this.delay = 1000;
  }

  async open() {
    try {
      this.db = await openDb();
      this.items = await request(this.db.transaction(STORE).objectStore(STORE).getAll());
    } catch {
      this.db = null;
    }
    this.ready = true;
    this.hooks.changed();
  }

  store(mode) {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  /** Queue an action (stored before anything is sent) and try to send it. */
  async add(name, variables, label) {
    const action = { key: newKey(), name, variables, label, at: new Date().toISOString() };
    action.seq = this.db
      ? await request(this.store('readwrite').add(action))
      : (this.items.at(-1)?.seq ?? 0) + 1;
    this.items.push(action);
    this.hooks.changed();
    this.flush();
    return action;
  }

  async remove(action) {
    if (this.db) await request(this.store('readwrite').delete(action.seq));
    this.items = this.items.filter((a) => a.seq !== action.seq);
    this.hooks.changed();
  }

  /** Send what is waiting, oldest first; stops at the first action that must be retried. */
  async flush() {
    if (this.busy || !this.ready) return;
    this.busy = true;
    clearTimeout(this.retry);
    try {
      while (this.items.length) {
        const action = this.items[0];
        let data;
        try {
          data = await this.run(action.name, action.variables, action.key);
        } catch (error) {
          if (error.retryable) {
            if (navigator.onLine) this.retry = setTimeout(() => this.flush(), this.delay);
            this.delay = Math.min(this.delay * 2, 30_000);
            return;
          }
          await this.remove(action);
          this.hooks.rejected(action, error);
          continue;
        }
        this.delay = 1000;
        await this.remove(action);
        this.hooks.applied(action, data);
      }
    } finally {
      this.busy = false;
    }
  }
}
