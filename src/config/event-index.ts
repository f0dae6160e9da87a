// Source positions from js-yaml 5's flat event stream. The fast path never builds a
// positioned AST: values come from yaml-compose.ts, and a position is looked up here only
// for the few nodes that need one (each provider, each secret reference, each diagnostic)
// by walking the events along a JSON path. A skip table (index just past each node's
// subtree) makes every step of that walk O(siblings), not O(events).
import { EVENT_ID, SCALAR_STYLE, getScalarValue, type Event, type ScalarEvent } from 'js-yaml';

export type PathSeg = string | number;

const NONE = -1;

/**
 * Offset where a node starts as a user sees it: its `&anchor` or `!tag` when it has one, else
 * the opening quote of a quoted scalar, the `|`/`>` indicator of a block scalar, the first key of a block mapping, the first `-` of a
 * block sequence, the bracket of a flow collection; -1 for an empty (implicit null) value.
 */
export function nodeOffset(text: string, ev: Event): number {
  switch (ev.type) {
    case EVENT_ID.SCALAR:
      return scalarOffset(text, ev);
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE: {
      const props = propertiesOffset(ev);
      return props === NONE ? ev.start : Math.min(props, ev.start);
    }
    case EVENT_ID.ALIAS:
      return ev.anchorStart - 1; // the `*`
    default:
      return NONE;
  }
}

/** Where a node's properties (`&anchor`, `!tag`) start, or -1 without any: the node starts there. */
function propertiesOffset(ev: { anchorStart: number; tagStart: number }): number {
  const anchor = ev.anchorStart === NONE ? NONE : ev.anchorStart - 1; // the `&`
  if (anchor === NONE) return ev.tagStart;
  return ev.tagStart === NONE ? anchor : Math.min(anchor, ev.tagStart);
}

function scalarOffset(text: string, ev: ScalarEvent): number {
  const props = propertiesOffset(ev);
  if (props !== NONE) return props;
  if (ev.valueStart === NONE) return NONE;
  if (ev.style === SCALAR_STYLE.SINGLE_QUOTED || ev.style === SCALAR_STYLE.DOUBLE_QUOTED) return ev.valueStart - 1;
  if (ev.style === SCALAR_STYLE.LITERAL_BLOCK || ev.style === SCALAR_STYLE.FOLDED_BLOCK) {
    // The content starts on the line after the header; find the indicator on the header line.
    const headerEnd = text.lastIndexOf('\n', ev.valueStart - 1);
    const lineStart = text.lastIndexOf('\n', headerEnd - 1) + 1;
    let header = text.slice(lineStart, headerEnd);
    const comment = header.search(/\s#/);
    if (comment !== -1) header = header.slice(0, comment);
    const at = Math.max(header.lastIndexOf('|'), header.lastIndexOf('>'));
    return at === -1 ? ev.valueStart : lineStart + at;
  }
  return ev.valueStart;
}

export interface Located {
  /** Event index of the deepest node reached along the path. */
  node: number;
  /** Event index of that node's key when it is a mapping value, else -1. */
  key: number;
  /** Whether the whole path was found. */
  found: boolean;
}

export class EventIndex {
  private end: Int32Array | undefined;
  private anchors: Map<string, number[]> | undefined;
  // Lookups repeat (every provider of a list, every diagnostic in one mapping): keep the
  // children of each collection visited, so n lookups in one list cost O(n), not O(n^2).
  private readonly entryCache = new Map<number, Array<[number, number]>>();
  private readonly itemCache = new Map<number, number[]>();

  constructor(
    readonly text: string,
    readonly events: readonly Event[],
  ) {}

  /** Index just past the subtree that starts at event i. */
  subtreeEnd(i: number): number {
    if (!this.end) this.end = this.buildEnd();
    return this.end[i];
  }

  private buildEnd(): Int32Array {
    const evs = this.events;
    const end = new Int32Array(evs.length);
    const stack: number[] = [];
    for (let i = 0; i < evs.length; i++) {
      const t = evs[i].type;
      if (t === EVENT_ID.POP) {
        const open = stack.pop();
        if (open !== undefined) end[open] = i + 1;
        end[i] = i + 1;
      } else if (t === EVENT_ID.SCALAR || t === EVENT_ID.ALIAS) {
        end[i] = i + 1;
      } else {
        stack.push(i);
      }
    }
    return end;
  }

  /** [keyIndex, valueIndex] pairs of the mapping that starts at event m. */
  entries(m: number): Array<[number, number]> {
    const cached = this.entryCache.get(m);
    if (cached) return cached;
    const out: Array<[number, number]> = [];
    this.entryCache.set(m, out);
    let j = m + 1;
    while (j < this.events.length && this.events[j].type !== EVENT_ID.POP) {
      const v = this.subtreeEnd(j);
      out.push([j, v]);
      j = this.subtreeEnd(v);
    }
    return out;
  }

  /** Item indexes of the sequence that starts at event s. */
  items(s: number): number[] {
    const cached = this.itemCache.get(s);
    if (cached) return cached;
    const out: number[] = [];
    this.itemCache.set(s, out);
    let j = s + 1;
    while (j < this.events.length && this.events[j].type !== EVENT_ID.POP) {
      out.push(j);
      j = this.subtreeEnd(j);
    }
    return out;
  }

  /** Decoded text of a scalar event, or undefined for other events. */
  scalarText(i: number): string | undefined {
    const ev = this.events[i];
    return ev.type === EVENT_ID.SCALAR ? getScalarValue(this.text, ev) : undefined;
  }

  /** The node an alias at event i refers to (the last anchor of that name before it), or i itself. */
  deref(i: number): number {
    const ev = this.events[i];
    if (ev.type !== EVENT_ID.ALIAS) return i;
    if (!this.anchors) {
      this.anchors = new Map();
      this.events.forEach((e, k) => {
        if ('anchorStart' in e && e.anchorStart !== NONE && e.type !== EVENT_ID.ALIAS) {
          const name = this.text.slice(e.anchorStart, e.anchorEnd);
          const list = this.anchors!.get(name) ?? [];
          list.push(k);
          this.anchors!.set(name, list);
        }
      });
    }
    const list = this.anchors.get(this.text.slice(ev.anchorStart, ev.anchorEnd)) ?? [];
    let best = i;
    for (const k of list) if (k < i) best = k;
    return best;
  }

  /** Offset of the node at event i, or -1 when it is an empty value. */
  offset(i: number): number {
    return nodeOffset(this.text, this.events[i]);
  }

  /** The value of key `name` in mapping m (looking through merge keys), as [keyIdx, valueIdx]. */
  findKey(m: number, name: string, depth = 0): [number, number] | undefined {
    const merges: number[] = [];
    for (const [k, v] of this.entries(m)) {
      const kt = this.scalarText(k);
      if (kt === name) return [k, v];
      if (kt === '<<') merges.push(this.deref(v));
    }
    if (depth > 8) return undefined;
    for (const src of merges) {
      const sources = this.events[src].type === EVENT_ID.SEQUENCE ? this.items(src).map((i) => this.deref(i)) : [src];
      for (const s of sources) {
        if (this.events[s].type !== EVENT_ID.MAPPING) continue;
        const hit = this.findKey(s, name, depth + 1);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  /** Walks `path` from the node at event `root`, as far as it exists. */
  locate(root: number, path: readonly PathSeg[]): Located {
    let node = this.deref(root);
    let key = NONE;
    for (const seg of path) {
      const ev = this.events[node];
      let next: [number, number] | undefined;
      if (ev.type === EVENT_ID.MAPPING) {
        next = this.findKey(node, String(seg));
      } else if (ev.type === EVENT_ID.SEQUENCE) {
        const idx = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : NaN;
        const items = Number.isNaN(idx) ? [] : this.items(node);
        if (idx < items.length) next = [NONE, items[idx]];
      }
      if (!next) return { node, key, found: false };
      key = next[0];
      node = this.deref(next[1]);
    }
    return { node, key, found: true };
  }

  /**
   * Offset for a diagnostic: the key itself when asked for (`unknown-key`, `duplicate-key`),
   * else the value, falling back to its key, then to the document start, for empty values.
   */
  offsetFor(loc: Located, at: 'key' | 'value'): number {
    if (at === 'key' && loc.key !== NONE) return this.offset(loc.key);
    const v = this.offset(loc.node);
    if (v !== NONE) return v;
    if (loc.key !== NONE) return this.offset(loc.key);
    // An empty list item: the nearest earlier node (the previous item or the list) is close.
    for (let i = loc.node - 1; i >= 0; i--) {
      const o = this.offset(i);
      if (o !== NONE) return o;
    }
    return 0;
  }
}
