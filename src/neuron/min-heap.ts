/**
 * A binary min-heap of (key, item) pairs with integer items, for the
 * Dijkstra / fast-marching front of the tracer. Decrease-key is done lazily:
 * an item may be pushed again with a smaller key and stale entries are skipped
 * by the caller (their key no longer matches the item's current distance).
 */
export class MinHeap {
  private keys = new Float64Array(1024);
  private items = new Int32Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  push(key: number, item: number): void {
    if (this.length === this.keys.length) {
      const keys = new Float64Array(2 * this.length);
      keys.set(this.keys);
      const items = new Int32Array(2 * this.length);
      items.set(this.items);
      [this.keys, this.items] = [keys, items];
    }
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent] <= key) break;
      this.keys[i] = this.keys[parent];
      this.items[i] = this.items[parent];
      i = parent;
    }
    this.keys[i] = key;
    this.items[i] = item;
  }

  /** Removes the smallest pair; returns its item (its key is in {@link lastKey}). */
  pop(): number {
    const item = this.items[0];
    this.lastKey = this.keys[0];
    const key = this.keys[--this.length];
    const last = this.items[this.length];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.length) break;
      if (child + 1 < this.length && this.keys[child + 1] < this.keys[child]) child++;
      if (this.keys[child] >= key) break;
      this.keys[i] = this.keys[child];
      this.items[i] = this.items[child];
      i = child;
    }
    this.keys[i] = key;
    this.items[i] = last;
    return item;
  }

  /** Key of the pair the last {@link pop} removed. */
  lastKey = 0;
}
