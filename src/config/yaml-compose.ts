// YAML text -> plain JS values, via js-yaml 5's event stream (parseEvents), with our own
// iterative constructor instead of js-yaml's load(): it keeps going after a duplicate key
// (reporting each one, at the second key), bounds what aliases may expand to (billion
// laughs), refuses cyclic aliases, and leaves the events in place so that positions can be
// looked up afterwards (event-index.ts) without a second parse.
//
// Depth is bounded by the parser (maxDepth); nothing here recurses, so hostile nesting
// cannot overflow the stack.
import {
  CORE_SCHEMA,
  EVENT_ID,
  NOT_RESOLVED,
  SCALAR_STYLE,
  YAMLException,
  getScalarValue,
  parseEvents,
  type Event,
  type ScalarEvent,
} from 'js-yaml';
import type { DiagnosticCode } from './codes';
import { nodeOffset } from './event-index';
import { escapeControl, quoteKey, quoteValue, shorten } from './text';

/** Collections may nest this deep; the schema needs 8 levels. */
export const MAX_DEPTH = 100;
/** Nodes that aliases may add to one document, counting each alias as the size of what it expands to. */
export const MAX_ALIAS_NODES = 100_000;

export interface YamlProblem {
  code: DiagnosticCode;
  message: string;
  /** Character offset in the text. */
  offset: number;
  /** Index in ComposeResult.docs of the document it is in; -1 for the whole file. */
  doc: number;
}

export interface ComposedDoc {
  value: unknown;
  /** Index of the DOCUMENT event (content is the next event). */
  docEvent: number;
  /** No content at all (empty file, only comments, a bare `---`). */
  empty: boolean;
  /** A problem made the value unusable (e.g. an alias bomb was stopped); skip it. */
  failed: boolean;
}

export interface ComposeResult {
  events: Event[];
  docs: ComposedDoc[];
  problems: YamlProblem[];
}

const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';
const SCALAR_TAGS = new Set(['str', 'int', 'float', 'bool', 'null'].map((t) => YAML_TAG_PREFIX + t));

/** One open collection (or the document itself) during construction. */
class Frame {
  key: string | undefined = undefined;
  keyEvent = -1;
  hasKey = false;
  keyIsMerge = false;
  keyInvalid = false;
  /** Keys that came from a merge (<<) and may still be overridden without a duplicate error. */
  merged: Set<string> | null = null;
  /** Size of the subtree with aliases expanded, for the alias budget. */
  weight = 1;
  constructor(
    readonly kind: 'doc' | 'seq' | 'map',
    readonly value: Record<string, unknown> | unknown[] | { root: unknown },
    readonly anchor: string | null,
    /** Event that opened this collection. */
    readonly openEvent: number,
  ) {}
}

interface Anchor {
  value: unknown;
  weight: number;
  done: boolean;
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // `__proto__` as a YAML key must become a plain property, not the prototype.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function fullTagName(raw: string): string | undefined {
  if (raw.startsWith('!<') && raw.endsWith('>')) return raw.slice(2, -1);
  if (raw.startsWith('!!')) return YAML_TAG_PREFIX + raw.slice(2);
  return undefined; // local tags (!foo) and %TAG handles are not part of this format
}

/**
 * The value of a plain scalar under the YAML 1.2 core schema. Most plain scalars in these
 * files are keys and names starting with a letter; the core schema only gives a non-string
 * to text starting with a digit, a sign, '.', '~' or the first letter of null/true/false,
 * so everything else is a string without asking the schema (and without its allocation).
 */
function resolvePlain(source: string): unknown {
  const c = source.charCodeAt(0) | 0x20; // ASCII lower case
  if (c >= 0x61 && c <= 0x7a && c !== 0x6e && c !== 0x74 && c !== 0x66) return source; // a-z except n, t, f
  return CORE_SCHEMA.resolveImplicitScalarTag(source).value;
}

function parseFailure(e: unknown): YamlProblem {
  if (e instanceof YAMLException) {
    const offset = e.mark?.position ?? 0;
    if (/maxDepth/.test(e.reason)) {
      return { code: 'too-deep', message: `collections nested deeper than ${MAX_DEPTH} levels`, offset, doc: -1 };
    }
    // `reason` only: `message` carries a snippet of the file, which may hold a secret.
    const reason = escapeControl(e.reason.length > 200 ? e.reason.slice(0, 200) + '…' : e.reason);
    return { code: 'yaml-syntax', message: reason, offset, doc: -1 };
  }
  if (e instanceof RangeError) return { code: 'too-deep', message: 'nesting too deep to parse', offset: 0, doc: -1 };
  const message = `YAML parser failed: ${e instanceof Error ? e.message : String(e)}`;
  return { code: 'internal-error', message, offset: 0, doc: -1 };
}

export function composeYaml(text: string): ComposeResult {
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth: MAX_DEPTH });
  } catch (e) {
    return { events: [], docs: [], problems: [parseFailure(e)] };
  }
  return new Composer(text, events).run();
}

class Composer {
  private readonly problems: YamlProblem[] = [];
  private readonly docs: ComposedDoc[] = [];
  private frames: Frame[] = [];
  private anchors = new Map<string, Anchor>();
  private aliasNodes = 0;
  private failed = false;

  constructor(
    private readonly text: string,
    private readonly events: Event[],
  ) {}

  run(): ComposeResult {
    const evs = this.events;
    let docEvent = -1;
    for (let i = 0; i < evs.length; i++) {
      const ev = evs[i];
      if (ev.type === EVENT_ID.DOCUMENT) {
        docEvent = i;
        this.frames = [new Frame('doc', { root: null }, null, i)];
        this.anchors = new Map();
        this.aliasNodes = 0;
        this.failed = false;
        continue;
      }
      if (this.failed) {
        // Skip to the end of a document whose construction was abandoned.
        if (ev.type === EVENT_ID.POP && this.frames.length === 1) this.endDocument(docEvent, i);
        else if (ev.type === EVENT_ID.POP) this.frames.pop();
        else if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) this.frames.push(new Frame('seq', [], null, i));
        continue;
      }
      switch (ev.type) {
        case EVENT_ID.SCALAR:
          this.scalar(ev, i);
          break;
        case EVENT_ID.ALIAS:
          this.alias(i);
          break;
        case EVENT_ID.MAPPING:
        case EVENT_ID.SEQUENCE:
          this.open(ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', ev, i);
          break;
        case EVENT_ID.POP:
          if (this.frames.length === 1) this.endDocument(docEvent, i);
          else this.close();
          break;
      }
    }
    return { events: this.events, docs: this.docs, problems: this.problems };
  }

  private problem(code: DiagnosticCode, message: string, eventIndex: number): void {
    const o = nodeOffset(this.text, this.events[eventIndex]);
    this.problems.push({ code, message, offset: o < 0 ? 0 : o, doc: this.docs.length });
  }

  private endDocument(docEvent: number, popIndex: number): void {
    const root = (this.frames[0].value as { root: unknown }).root;
    const content = this.events[docEvent + 1];
    const empty =
      popIndex === docEvent + 2 &&
      content.type === EVENT_ID.SCALAR &&
      content.valueStart === -1 &&
      content.tagStart === -1 &&
      content.anchorStart === -1;
    this.docs.push({ value: root, docEvent, empty: empty || popIndex === docEvent + 1, failed: this.failed });
    this.frames = [];
  }

  private scalar(ev: ScalarEvent, i: number): void {
    const source = getScalarValue(this.text, ev);
    let value: unknown = source;
    let isMerge = false;
    if (ev.tagStart !== -1) {
      const raw = this.text.slice(ev.tagStart, ev.tagEnd);
      const tagName = raw === '!' ? YAML_TAG_PREFIX + 'str' : fullTagName(raw);
      if (tagName === undefined || !SCALAR_TAGS.has(tagName)) {
        this.problem('unsupported-tag', `tag ${quoteKey(raw)} is not supported here; remove it`, i);
      } else {
        const tag = CORE_SCHEMA.lookupScalarTag(tagName);
        const r = tag ? tag.resolve(source, true, tagName) : NOT_RESOLVED;
        if (r === NOT_RESOLVED) this.problem('invalid-tagged-value', `value does not fit its tag ${quoteKey(raw)}`, i);
        else value = r;
      }
    } else if (ev.style === SCALAR_STYLE.PLAIN) {
      value = resolvePlain(source);
      isMerge = source === '<<';
    }
    this.remember(ev, value, 1, true);
    this.add(value, 1, i, isMerge);
  }

  private alias(i: number): void {
    const ev = this.events[i] as Extract<Event, { type: typeof EVENT_ID.ALIAS }>;
    const name = this.text.slice(ev.anchorStart, ev.anchorEnd);
    const anchor = this.anchors.get(name);
    if (!anchor) {
      this.problem('unknown-alias', `alias *${shorten(name)} refers to no anchor &${shorten(name)} defined before it`, i);
      this.add(null, 1, i, false);
      return;
    }
    if (!anchor.done) {
      this.problem('recursive-alias', `alias *${shorten(name)} refers to a collection that contains it`, i);
      this.add(null, 1, i, false);
      return;
    }
    this.aliasNodes += anchor.weight;
    if (this.aliasNodes > MAX_ALIAS_NODES) {
      this.problem('alias-limit', `aliases expand to more than ${MAX_ALIAS_NODES.toLocaleString('en-US')} nodes in this document (alias bomb?)`, i);
      this.failed = true;
      return;
    }
    this.add(anchor.value, anchor.weight, i, false);
  }

  private open(kind: 'map' | 'seq', ev: Extract<Event, { type: 2 | 3 }>, i: number): void {
    if (ev.tagStart !== -1) {
      const raw = this.text.slice(ev.tagStart, ev.tagEnd);
      const want = YAML_TAG_PREFIX + (kind === 'map' ? 'map' : 'seq');
      if (raw !== '!' && fullTagName(raw) !== want) {
        this.problem('unsupported-tag', `tag ${quoteKey(raw)} is not supported here; remove it`, i);
      }
    }
    const anchor = ev.anchorStart === -1 ? null : this.text.slice(ev.anchorStart, ev.anchorEnd);
    const value = kind === 'map' ? {} : [];
    const frame = new Frame(kind, value, anchor, i);
    if (anchor !== null) this.anchors.set(anchor, { value, weight: 1, done: false });
    this.frames.push(frame);
  }

  private close(): void {
    const frame = this.frames.pop()!;
    if (frame.anchor !== null) {
      const a = this.anchors.get(frame.anchor);
      // Only finish the anchor if it still names this collection (anchors may be redefined).
      if (a && a.value === frame.value) {
        a.weight = frame.weight;
        a.done = true;
      }
    }
    this.add(frame.value, frame.weight, -1, false);
  }

  private remember(ev: ScalarEvent, value: unknown, weight: number, done: boolean): void {
    if (ev.anchorStart !== -1) this.anchors.set(this.text.slice(ev.anchorStart, ev.anchorEnd), { value, weight, done });
  }

  /** Adds a finished node to the innermost open collection. `i` is its event (-1: a collection just closed). */
  private add(value: unknown, weight: number, i: number, isMerge: boolean): void {
    const f = this.frames[this.frames.length - 1];
    f.weight += weight;
    if (f.kind === 'doc') {
      (f.value as { root: unknown }).root = value;
    } else if (f.kind === 'seq') {
      (f.value as unknown[]).push(value);
    } else if (!f.hasKey) {
      f.hasKey = true;
      f.keyEvent = i;
      f.keyIsMerge = isMerge;
      f.keyInvalid = value !== null && typeof value === 'object';
      f.key = f.keyInvalid ? undefined : String(value);
      if (f.keyInvalid) this.complexKey(f);
    } else {
      f.hasKey = false;
      if (!f.keyInvalid) this.setPair(f, f.key!, value);
    }
  }

  private complexKey(f: Frame): void {
    // The key was a collection (`? [a, b]`); report at the mapping that holds it.
    this.problem('complex-key', 'mapping keys must be plain scalars, not lists or mappings', f.openEvent);
  }

  private setPair(f: Frame, key: string, value: unknown): void {
    const obj = f.value as Record<string, unknown>;
    if (f.keyIsMerge) {
      this.merge(f, obj, value);
      return;
    }
    if (Object.prototype.hasOwnProperty.call(obj, key)) {
      if (f.merged?.has(key)) f.merged.delete(key);
      else this.problem('duplicate-key', `duplicate key ${quoteKey(key)} in this mapping`, f.keyEvent);
    }
    setOwn(obj, key, value);
  }

  private merge(f: Frame, obj: Record<string, unknown>, source: unknown): void {
    const sources = Array.isArray(source) ? source : [source];
    for (const s of sources) {
      if (s === null || typeof s !== 'object' || Array.isArray(s)) {
        this.problem('invalid-merge', `merge key << needs a mapping or a list of mappings, not ${quoteValue(s)}`, f.keyEvent);
        return;
      }
      for (const k of Object.keys(s)) {
        if (Object.prototype.hasOwnProperty.call(obj, k)) continue; // explicit keys and earlier merges win
        setOwn(obj, k, (s as Record<string, unknown>)[k]);
        (f.merged ??= new Set()).add(k);
      }
    }
  }
}
