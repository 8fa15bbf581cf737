import { type KnownCheck, SelectionError } from './types.js';

/** A request's list of checks or exclusions: a comma-separated string, or several. */
export type CheckList = string | readonly string[];

const NAME = /^[A-Za-z0-9_.:-]+$/;
const MAX_ITEMS = 100;

/**
 * Which checks a run asks for: `all`, `_defaults`, names, `@tags`, minus exclusions.
 * Keywords are case-insensitive, names are not.
 */
export class Selection {
  /** Every check. */
  static readonly all: Selection = new Selection(true, false, [], [], [], []);
  /** No check at all. */
  static readonly none: Selection = new Selection(false, false, [], [], [], []);

  /** A key that is the same for every selection that runs the same checks. */
  readonly key: string;
  readonly #all: boolean;
  readonly #defaults: boolean;
  readonly #names: ReadonlySet<string>;
  readonly #tags: ReadonlySet<string>;
  readonly #excludedNames: ReadonlySet<string>;
  readonly #excludedTags: ReadonlySet<string>;

  private constructor(
    all: boolean,
    defaults: boolean,
    names: string[],
    tags: string[],
    excludedNames: string[],
    excludedTags: string[],
  ) {
    this.#all = all;
    this.#defaults = defaults && !all;
    this.#names = new Set(all ? [] : names);
    this.#tags = new Set(all ? [] : tags);
    this.#excludedNames = new Set(excludedNames);
    this.#excludedTags = new Set(excludedTags);
    const list = (items: Iterable<string>, prefix = ''): string =>
      [...items]
        .map((i) => prefix + i)
        .sort()
        .join(',');
    this.key = [
      all
        ? 'all'
        : [this.#defaults ? '_defaults' : '', list(this.#names), list(this.#tags, '@')].filter(Boolean).join(','),
      [list(this.#excludedNames), list(this.#excludedTags, '@')].filter(Boolean).join(','),
    ].join('|');
  }

  /**
   * Reads `checks` and `exclude` as a request gives them.
   * Returns `undefined` when no checks are asked for (absent, empty, or `false`).
   * @throws {SelectionError} for a malformed name
   */
  static parse(checks: CheckList | undefined, exclude?: CheckList): Selection | undefined {
    const requested = listItems(checks);
    if (requested.length === 0 || (requested.length === 1 && requested[0]!.toLowerCase() === 'false')) return undefined;
    let all = false;
    let defaults = false;
    const names: string[] = [];
    const tags: string[] = [];
    for (const item of requested) {
      const keyword = item.toLowerCase();
      if (keyword === 'all' || keyword === 'true') all = true;
      else if (keyword === '_defaults') defaults = true;
      else if (item.startsWith('@')) tags.push(validName(item.slice(1), 'tag'));
      else names.push(validName(item, 'check name'));
    }
    return Selection.#build(all, defaults, names, tags, listItems(exclude));
  }

  /** A selection of names and tags, minus the exclusions as listed (`name` or `@tag`). */
  static #build(
    all: boolean,
    defaults: boolean,
    names: string[],
    tags: string[],
    excluded: readonly string[],
  ): Selection {
    const excludedNames: string[] = [];
    const excludedTags: string[] = [];
    for (const item of excluded) {
      if (item.startsWith('@')) excludedTags.push(validName(item.slice(1), 'tag'));
      else excludedNames.push(validName(item, 'check name'));
    }
    return new Selection(all, defaults, names, tags, excludedNames, excludedTags);
  }

  /**
   * Exactly the one check `name`, whatever it spells (`all`, `@tag` and `a,b` are names here, and refused
   * as malformed): what `path/ready/<name>` runs.
   * @throws {SelectionError} for a malformed name
   */
  static named(name: string, exclude?: CheckList): Selection {
    return Selection.#build(false, false, [validName(name, 'check name')], [], listItems(exclude));
  }

  /** The same selection with these names or `@tag`s left out too. */
  excluding(exclude: CheckList | undefined): Selection {
    const items = listItems(exclude);
    if (items.length === 0) return this;
    const excluded = [...this.#excludedNames, ...[...this.#excludedTags].map((tag) => `@${tag}`), ...items];
    return Selection.#build(this.#all, this.#defaults, [...this.#names], [...this.#tags], excluded);
  }

  /** The part of the key that says what is asked for, without the exclusions. */
  get asked(): string {
    return this.key.slice(0, this.key.indexOf('|'));
  }

  /** Whether a check of this name and registration is part of the run. */
  includes(name: string, known: KnownCheck): boolean {
    if (this.#excludedNames.has(name) || known.tags.some((tag) => this.#excludedTags.has(tag))) return false;
    if (this.#all || this.#names.has(name)) return true;
    if (this.#defaults && known.default) return true;
    return known.tags.some((tag) => this.#tags.has(tag));
  }

  /** What was asked for by name or tag that no subscriber knows; empty when all is well. */
  missing(known: ReadonlyMap<string, KnownCheck>): string[] {
    const missing = [...this.#names].filter((name) => !known.has(name));
    for (const tag of this.#tags) {
      if (![...known.values()].some((check) => check.tags.includes(tag))) missing.push(`@${tag}`);
    }
    return missing;
  }
}

/**
 * The items of a check list: its comma-separated parts, trimmed, empty ones dropped.
 * @throws {SelectionError} for more than 100 items
 */
export function listItems(list: CheckList | undefined): string[] {
  if (list === undefined) return [];
  const parts = (typeof list === 'string' ? [list] : list).flatMap((value) => value.split(','));
  const items = parts.map((part) => part.trim()).filter((part) => part !== '');
  if (items.length > MAX_ITEMS) throw new SelectionError(`too many checks named (at most ${MAX_ITEMS})`);
  return items;
}

/** Whether a name can be asked for in `?checks=`: letters, digits and `_ . : -`. */
export function validCheckName(name: string): boolean {
  return NAME.test(name);
}

function validName(name: string, what: string): string {
  if (!NAME.test(name)) throw new SelectionError(`invalid ${what}: only letters, digits and _ . : - are allowed`);
  return name;
}
