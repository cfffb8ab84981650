/**
 * Go text/template for docker's `--format` flag: parsing in go-template-parse.ts, execution and
 * the builtin functions here. Data is decoded JSON; objects act as Go maps or structs (see
 * TemplateOptions.missingKey) and function-valued properties act as methods, so callers can offer
 * docker's `{{.Label "key"}}` style accessors.
 */
import {
  compareGoStrings,
  formatValue,
  goQuote,
  goTypeName,
  isGoInt,
  sortedKeys,
  sprint,
  sprintf,
  sprintln,
} from './gofmt.js';
import {
  isIdentifier,
  nodeString,
  parseTemplate,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type Node,
  type PipeNode,
  type TemplateNode,
  type TemplateSet,
  type VariableNode,
} from './go-template-parse.js';
import { wantString, type TemplateFunc } from './template-funcs.js';
import { TemplateCallError, TemplateError } from './template-errors.js';

export { TemplateError } from './template-errors.js';
export { dockerTemplateFuncs, type TemplateFunc } from './template-funcs.js';

export interface TemplateOptions {
  /**
   * What a missing object key does:
   * - `error` (default): objects are structs, as docker's typed data; an unknown field fails with
   *   `can't evaluate field X in type interface {}`.
   * - `zero`: objects are maps; a missing key renders `<no value>` (Go's default for maps).
   * - `map-error`: objects are maps with Go's `missingkey=error`; fails with
   *   `map has no entry for key "X"`, as `docker inspect -f` does on raw JSON.
   */
  missingKey?: 'error' | 'zero' | 'map-error';
}

export interface GoTemplate {
  /** Runs the template; throws TemplateError (with partialOutput) on execution errors. */
  execute(data: unknown): string;
}

/** Go's invalid reflect.Value: a missing map entry or an absent pipeline value. */
const NO_VALUE: unique symbol = Symbol('no value');
/** Go's missingVal: no value flows in from a previous pipeline stage. */
const MISSING: unique symbol = Symbol('missing');
const BREAK: unique symbol = Symbol('break');
const CONTINUE: unique symbol = Symbol('continue');
/** Go allows 100000; JavaScript's stack does not, and no real template nests this deep. */
const MAX_DEPTH = 1000;

type Final = unknown;

interface Builtin {
  min: number;
  max?: number;
  fn: TemplateFunc;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go template truthiness: false, 0, nil and empty strings, arrays and maps are false. */
function isTrue(v: unknown): boolean {
  if (v === NO_VALUE || v === null || v === undefined) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'string':
      return v.length > 0;
    case 'function':
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  return typeof v === 'object' ? Object.keys(v).length > 0 : true;
}

type Kind = 'nil' | 'bool' | 'number' | 'string' | 'other';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined || v === NO_VALUE) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'other';
  }
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const ka = kindOf(a);
  for (const b of rest) {
    const kb = kindOf(b);
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new Error('incompatible types for comparison');
      continue;
    }
    if (ka === 'other') {
      throw new Error(`non-comparable types ${formatValue(a)}: ${goTypeName(a)}, ${goTypeName(b)}: ${formatValue(b)}`);
    }
    if (ka === 'nil' || a === b) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'nil' || ka === 'other' || kb === 'nil' || kb === 'other') {
    throw new Error('invalid type for comparison');
  }
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') throw new Error('invalid type for comparison');
  if (ka === 'string') return compareGoStrings(a as string, b as string) < 0;
  return (a as number) < (b as number);
}

const le = (a: unknown, b: unknown): boolean => lt(a, b) || eq(a, b);

function lenOf(v: unknown): number {
  if (v === null) throw new Error('len of nil pointer');
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (isObject(v)) return Object.keys(v).length;
  throw new Error(`len of type ${goTypeName(v)}`);
}

function indexArg(index: unknown, cap: number): number {
  if (index === null) throw new Error('cannot index slice/array with nil');
  if (typeof index !== 'number' || !isGoInt(index)) {
    throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  }
  if (index < 0 || index > cap) throw new Error(`index out of range: ${index}`);
  return index;
}

/**
 * A missing key in a map of strings gives "" rather than <no value>: docker evaluates against
 * typed structs where label-like maps are map[string]string, and scripts rely on
 * `{{index .Config.Labels "x"}}` printing nothing.
 */
function missingEntry(map: Record<string, unknown> | null): unknown {
  if (map === null || Object.values(map).every((v) => typeof v === 'string')) return '';
  return NO_VALUE;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === null && indexes.length > 0 && typeof indexes[0] === 'string') {
    if (indexes.length > 1) throw new Error('index of nil pointer');
    return missingEntry(null);
  }
  if (item === null) throw new Error('index of untyped nil');
  for (const idx of indexes) {
    if (item === null || item === NO_VALUE) throw new Error('index of nil pointer');
    if (typeof item === 'string') {
      const bytes = Buffer.from(item, 'utf8');
      const i = indexArg(idx, bytes.length);
      if (i >= bytes.length) throw new Error(`index out of range: ${i}`);
      item = bytes[i];
    } else if (Array.isArray(item)) {
      const i = indexArg(idx, item.length);
      if (i >= item.length) throw new Error(`index out of range: ${i}`);
      item = item[i];
    } else if (isObject(item)) {
      if (typeof idx !== 'string') throw new Error(`value has type ${goTypeName(idx)}; should be string`);
      item = Object.hasOwn(item, idx) && item[idx] !== undefined ? item[idx] : missingEntry(item);
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = Buffer.byteLength(item, 'utf8');
  } else if (Array.isArray(item)) {
    len = item.length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(x, len);
  });
  const [i = 0, j = len, k = len] = idx;
  if (i > j) throw new Error(`invalid slice index: ${i} > ${j}`);
  if (indexes.length === 3 && j > k) throw new Error(`invalid slice index: ${j} > ${k}`);
  if (typeof item === 'string') return Buffer.from(item, 'utf8').subarray(i, j).toString('utf8');
  return item.slice(i, j);
}

/** Go's evalArgs for html/js/urlquery: a lone string as is, anything else through Sprint. */
function joinArgs(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) =>
    ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] ?? c,
  );
}

const JS_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

function jsEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const cp = c.codePointAt(0) ?? 0;
    const esc = JS_ESCAPES[c];
    if (esc !== undefined) out += esc;
    else if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c)) out += c;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const BUILTINS: Record<string, Builtin> = {
  // and/or are evaluated lazily by the executor; fn is never called.
  and: { min: 1, fn: () => undefined },
  or: { min: 1, fn: () => undefined },
  not: { min: 1, max: 1, fn: (a) => !isTrue(a) },
  len: { min: 1, max: 1, fn: (a) => lenOf(a) },
  index: { min: 1, fn: (item, ...rest) => index(item, ...rest) },
  slice: { min: 1, fn: (item, ...rest) => slice(item, ...rest) },
  print: { min: 0, fn: (...a) => sprint(a) },
  printf: { min: 1, fn: (f, ...a) => sprintf(wantString(f), a) },
  println: { min: 0, fn: (...a) => sprintln(a) },
  eq: { min: 1, fn: (a, ...rest) => eq(a, ...rest) },
  ne: { min: 2, max: 2, fn: (a, b) => !eq(a, b) },
  lt: { min: 2, max: 2, fn: (a, b) => lt(a, b) },
  le: { min: 2, max: 2, fn: (a, b) => le(a, b) },
  gt: { min: 2, max: 2, fn: (a, b) => !le(a, b) },
  ge: { min: 2, max: 2, fn: (a, b) => !lt(a, b) },
  html: { min: 0, fn: (...a) => htmlEscape(joinArgs(a)) },
  js: { min: 0, fn: (...a) => jsEscape(joinArgs(a)) },
  urlquery: { min: 0, fn: (...a) => queryEscape(joinArgs(a)) },
  call: {
    min: 1,
    fn: (f, ...a) => {
      if (f === null) throw new Error('call of nil');
      if (typeof f !== 'function') throw new Error(`non-function of type ${goTypeName(f)}`);
      return (f as TemplateFunc)(...a);
    },
  },
};

interface Variable {
  name: string;
  value: unknown;
}

type AnyNode = Node | ArgNode | CommandNode;

/** One template invocation: its name (for messages), variables and current node. */
interface Frame {
  name: string;
  depth: number;
  vars: Variable[];
  node: AnyNode | undefined;
}

class Execution {
  private readonly out: string[] = [];

  constructor(
    private readonly text: string,
    private readonly trees: TemplateSet,
    private readonly funcs: Record<string, TemplateFunc>,
    private readonly missingKey: 'error' | 'zero' | 'map-error',
  ) {}

  run(data: unknown): string {
    const dot = data === undefined ? NO_VALUE : data;
    const root = this.trees.get('');
    if (root !== undefined) {
      this.walk({ name: '', depth: 0, vars: [{ name: '$', value: dot }], node: undefined }, dot, root);
    }
    return this.out.join('');
  }

  private errorf(f: Frame, message: string): never {
    const partialOutput = this.out.join('');
    if (f.node === undefined) throw new TemplateError(`template: ${f.name}: ${message}`, { partialOutput });
    const before = this.text.slice(0, f.node.pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = Buffer.byteLength(before.slice(nl + 1), 'utf8');
    const ctx = Array.from(nodeString(f.node));
    const context = ctx.length > 20 ? ctx.slice(0, 20).join('') + '...' : ctx.join('');
    throw new TemplateError(
      `template: :${line}:${col}: executing ${goQuote(f.name)} at <${context}>: ${message}`,
      { partialOutput },
    );
  }

  // -- statements --

  private walk(f: Frame, dot: unknown, node: Node): void {
    f.node = node;
    switch (node.type) {
      case 'action': {
        const v = this.evalPipeline(f, dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(f, node, v);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(f, dot, node);
      case 'list':
        for (const n of node.nodes) this.walk(f, dot, n);
        return;
      case 'range':
        return this.walkRange(f, dot, node);
      case 'template':
        return this.walkTemplate(f, dot, node);
      case 'text':
        this.out.push(node.text);
        return;
    }
  }

  private printValue(f: Frame, node: Node, v: unknown): void {
    f.node = node;
    if (v === NO_VALUE) this.out.push('<no value>');
    else if (typeof v === 'function') this.errorf(f, `can't print ${nodeString(node)} of type ${goTypeName(v)}`);
    else this.out.push(formatValue(v));
  }

  private walkIfOrWith(f: Frame, dot: unknown, node: BranchNode): void {
    const mark = f.vars.length;
    try {
      const val = this.evalPipeline(f, dot, node.pipe);
      if (isTrue(val)) this.walk(f, node.type === 'with' ? val : dot, node.list);
      else if (node.elseList !== undefined) this.walk(f, dot, node.elseList);
    } finally {
      f.vars.length = mark;
    }
  }

  private walkRange(f: Frame, dot: unknown, node: BranchNode): void {
    f.node = node;
    const mark = f.vars.length;
    try {
      const val = this.evalPipeline(f, dot, node.pipe);
      const bodyMark = f.vars.length;
      const { decl, isAssign } = node.pipe;
      const setTop = (n: number, value: unknown): void => {
        const v = f.vars[f.vars.length - n];
        if (v !== undefined) v.value = value;
      };
      /** Runs the body once; false when it hit {{break}}. */
      const once = (key: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (isAssign) this.setVar(f, decl[0]?.ident[0] ?? '', decl.length > 1 ? key : elem);
          else setTop(1, elem);
        }
        if (decl.length > 1) {
          if (isAssign) this.setVar(f, decl[1]?.ident[0] ?? '', elem);
          else setTop(2, key);
        }
        try {
          this.walk(f, elem, node.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          f.vars.length = bodyMark;
        }
        return true;
      };
      let ran = false;
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) {
          ran = true;
          if (!once(i, val[i])) break;
        }
      } else if (isObject(val)) {
        for (const k of sortedKeys(val)) {
          ran = true;
          if (!once(k, val[k])) break;
        }
      } else if (typeof val === 'number' && isGoInt(val)) {
        if (decl.length > 1) this.errorf(f, `can't use ${formatValue(val)} to iterate over more than one variable`);
        for (let i = 0; i < val; i++) {
          ran = true;
          if (!once(i, i)) break;
        }
      } else if (val !== NO_VALUE && val !== null) {
        this.errorf(f, `range can't iterate over ${formatValue(val)}`);
      }
      if (!ran && node.elseList !== undefined) this.walk(f, dot, node.elseList);
    } finally {
      f.vars.length = mark;
    }
  }

  private walkTemplate(f: Frame, dot: unknown, node: TemplateNode): void {
    f.node = node;
    const tree = this.trees.get(node.name);
    if (tree === undefined) this.errorf(f, `template ${goQuote(node.name)} not defined`);
    if (f.depth >= MAX_DEPTH) this.errorf(f, `exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = node.pipe === undefined ? NO_VALUE : this.evalPipeline(f, dot, node.pipe);
    // No dynamic scoping: the invoked template sees only $.
    const frame: Frame = { name: node.name, depth: f.depth + 1, vars: [{ name: '$', value: newDot }], node: undefined };
    this.walk(frame, newDot, tree);
  }

  // -- variables --

  private varValue(f: Frame, name: string): unknown {
    for (let i = f.vars.length - 1; i >= 0; i--) {
      const v = f.vars[i];
      if (v?.name === name) return v.value;
    }
    this.errorf(f, `undefined variable: ${name}`);
  }

  private setVar(f: Frame, name: string, value: unknown): void {
    for (let i = f.vars.length - 1; i >= 0; i--) {
      const v = f.vars[i];
      if (v?.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(f, `undefined variable: ${name}`);
  }

  // -- expressions --

  private evalPipeline(f: Frame, dot: unknown, pipe: PipeNode): unknown {
    f.node = pipe;
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(f, dot, cmd, value);
    for (const v of pipe.decl) {
      const name = v.ident[0] ?? '';
      if (pipe.isAssign) this.setVar(f, name, value);
      else f.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(f: Frame, args: ArgNode[], final: Final): void {
    const first = args[0];
    if (first !== undefined && (args.length > 1 || final !== MISSING)) {
      this.errorf(f, `can't give argument to non-function ${nodeString(first)}`);
    }
  }

  private evalCommand(f: Frame, dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0];
    if (first === undefined) this.errorf(f, 'empty command');
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(f, dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(f, dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(f, dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(f, cmd.args, final);
        return this.evalPipeline(f, dot, first);
      case 'variable':
        return this.evalVariableNode(f, dot, first, cmd.args, final);
    }
    f.node = first;
    this.notAFunction(f, cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf(f, 'nil is not a command');
      case 'number':
        return first.value;
      case 'string':
        return first.text;
    }
  }

  private evalArg(f: Frame, dot: unknown, n: ArgNode): unknown {
    f.node = n;
    switch (n.type) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldNode(f, dot, n, [n], MISSING);
      case 'variable':
        return this.evalVariableNode(f, dot, n, undefined, MISSING);
      case 'pipe':
        return this.evalPipeline(f, dot, n);
      case 'identifier':
        return this.evalFunction(f, dot, n, n, undefined, MISSING);
      case 'chain':
        return this.evalChainNode(f, dot, n, undefined, MISSING);
      case 'bool':
        return n.value;
      case 'number':
        return n.value;
      case 'string':
        return n.text;
    }
  }

  private evalFieldNode(f: Frame, dot: unknown, field: FieldNode, args: ArgNode[], final: Final): unknown {
    f.node = field;
    return this.evalFieldChain(f, dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(f: Frame, dot: unknown, chain: ChainNode, args: ArgNode[] | undefined, final: Final): unknown {
    f.node = chain;
    if (chain.node.type === 'nil') this.errorf(f, `indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.evalArg(f, dot, chain.node);
    return this.evalFieldChain(f, dot, receiver, chain, chain.field, args, final);
  }

  private evalVariableNode(
    f: Frame,
    dot: unknown,
    variable: VariableNode,
    args: ArgNode[] | undefined,
    final: Final,
  ): unknown {
    f.node = variable;
    const value = this.varValue(f, variable.ident[0] ?? '$');
    if (variable.ident.length === 1) {
      this.notAFunction(f, args ?? [], final);
      return value;
    }
    return this.evalFieldChain(f, dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(
    f: Frame,
    dot: unknown,
    receiver: unknown,
    node: AnyNode,
    ident: string[],
    args: ArgNode[] | undefined,
    final: Final,
  ): unknown {
    for (let i = 0; i < ident.length - 1; i++) {
      receiver = this.evalField(f, dot, ident[i] ?? '', node, undefined, MISSING, receiver);
    }
    return this.evalField(f, dot, ident[ident.length - 1] ?? '', node, args, final, receiver);
  }

  private evalField(
    f: Frame,
    dot: unknown,
    name: string,
    node: AnyNode,
    args: ArgNode[] | undefined,
    final: Final,
    receiver: unknown,
  ): unknown {
    f.node = node;
    if (receiver === NO_VALUE) {
      if (this.missingKey === 'map-error') this.errorf(f, `nil data; no entry for key ${goQuote(name)}`);
      return NO_VALUE;
    }
    if (receiver === null || receiver === undefined) this.errorf(f, `nil pointer evaluating interface {}.${name}`);
    const hasArgs = (args?.length ?? 0) > 1 || final !== MISSING;
    if (!isObject(receiver)) this.errorf(f, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    const present = Object.hasOwn(receiver, name) && receiver[name] !== undefined;
    const value = present ? receiver[name] : undefined;
    if (typeof value === 'function') {
      return this.evalCall(f, dot, value as TemplateFunc, false, node, name, args, final, receiver);
    }
    if (this.missingKey === 'error') {
      if (!present) this.errorf(f, `can't evaluate field ${name} in type interface {}`);
      if (hasArgs) this.errorf(f, `${name} has arguments but cannot be invoked as function`);
      return value;
    }
    if (hasArgs) this.errorf(f, `${name} is not a method but has arguments`);
    if (present) return value;
    if (this.missingKey === 'map-error') this.errorf(f, `map has no entry for key ${goQuote(name)}`);
    return NO_VALUE;
  }

  private evalFunction(
    f: Frame,
    dot: unknown,
    node: IdentifierNode,
    cmd: AnyNode,
    args: ArgNode[] | undefined,
    final: Final,
  ): unknown {
    f.node = node;
    const name = node.ident;
    const user = Object.hasOwn(this.funcs, name) ? this.funcs[name] : undefined;
    const builtin = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
    const fn = user ?? builtin?.fn;
    if (fn === undefined) this.errorf(f, `${goQuote(name)} is not a defined function`);
    return this.evalCall(f, dot, fn, user === undefined, cmd, name, args, final, undefined);
  }

  private evalCall(
    f: Frame,
    dot: unknown,
    fn: TemplateFunc,
    isBuiltin: boolean,
    node: AnyNode,
    name: string,
    args: ArgNode[] | undefined,
    final: Final,
    receiver: object | undefined,
  ): unknown {
    const argNodes = args === undefined ? [] : args.slice(1);
    const count = argNodes.length + (final === MISSING ? 0 : 1);
    const spec = isBuiltin ? BUILTINS[name] : undefined;
    if (spec !== undefined) {
      if (spec.max === undefined && count < spec.min) {
        this.errorf(f, `wrong number of args for ${name}: want at least ${spec.min} got ${count}`);
      }
      if (spec.max !== undefined && count !== spec.max) {
        this.errorf(f, `wrong number of args for ${name}: want ${spec.max} got ${count}`);
      }
    }
    if (isBuiltin && (name === 'and' || name === 'or')) {
      // Go 1.18+ short-circuits: the first decisive operand is the result.
      let v: unknown = NO_VALUE;
      for (const a of argNodes) {
        v = this.evalArg(f, dot, a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const values = argNodes.map((a) => this.evalArg(f, dot, a));
    if (final !== MISSING) values.push(final);
    let result: unknown;
    try {
      // A missing value reaches functions as nil, as Go passes the zero interface{}.
      result = fn.apply(receiver, values.map((v) => (v === NO_VALUE ? null : v)));
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      f.node = node;
      if (e instanceof TemplateCallError) this.errorf(f, e.message);
      this.errorf(f, `error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return result === undefined ? NO_VALUE : result;
  }
}

/**
 * Parses a Go template. `funcs` adds functions (they shadow builtins, as in Go); throws
 * TemplateError with Go's wording, e.g. `template: :1: function "foo" not defined`.
 */
export function compileTemplate(
  text: string,
  funcs: Record<string, TemplateFunc> = {},
  options: TemplateOptions = {},
): GoTemplate {
  for (const name of Object.keys(funcs)) {
    if (!isIdentifier(name)) throw new TemplateError(`function name ${goQuote(name)} is not a valid identifier`);
  }
  const trees = parseTemplate(text, (name) => Object.hasOwn(funcs, name) || Object.hasOwn(BUILTINS, name));
  const missingKey = options.missingKey ?? 'error';
  return {
    execute: (data) => new Execution(text, trees, funcs, missingKey).run(data),
  };
}
