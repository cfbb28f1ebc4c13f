interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** discrete-event time: timers fire at their exact model time, whatever the size of the real-time tick */
export class Scheduler {
  private heap: Timer[] = [];
  private seq = 0;
  private current: number;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  at(time: number, fn: () => void): void {
    this.push({ at: Math.max(time, this.current), seq: this.seq++, fn });
  }

  after(ms: number, fn: () => void): void {
    this.at(this.current + ms, fn);
  }

  every(ms: number, fn: () => void, firstAfter = ms): void {
    const run = (): void => {
      fn();
      this.after(ms, run);
    };
    this.after(firstAfter, run);
  }

  /** advance to `target`, calling `step(dt)` for continuous processes at most every `maxStep` ms */
  advanceTo(target: number, step: (dtMs: number) => void, maxStep = 200): void {
    while (this.current < target) {
      const head = this.heap[0];
      let next = Math.min(target, this.current + maxStep);
      if (head && head.at < next) next = Math.max(head.at, this.current);
      const dt = next - this.current;
      this.current = next;
      if (dt > 0) step(dt);
      this.runDue();
    }
    this.runDue();
  }

  private runDue(): void {
    for (let head = this.heap[0]; head && head.at <= this.current; head = this.heap[0]) {
      this.pop();
      head.fn();
    }
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Timer;
      if (!before(timer, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = timer;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = last;
      let at = -1;
      const left = h[l];
      const right = h[r];
      if (left && before(left, smallest)) {
        smallest = left;
        at = l;
      }
      if (right && before(right, smallest)) {
        smallest = right;
        at = r;
      }
      if (at < 0) break;
      h[i] = smallest;
      i = at;
    }
    h[i] = last;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
