/**
 * Parser for Go's text/template: the same grammar, tree shape, node positions and error messages
 * as Go's text/template/parse, so that execution errors can point at the same columns.
 */
import { goQuote } from './gofmt.js';
import { isAlphaNumeric, itemString, lex, type Item, type ItemType } from './go-template-lex.js';
import { TemplateError } from './template-errors.js';

export interface TextNode { type: 'text'; pos: number; text: string }
export interface ActionNode { type: 'action'; pos: number; pipe: PipeNode }
export interface BranchNode {
  type: 'if' | 'range' | 'with';
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | undefined;
}
export interface TemplateNode { type: 'template'; pos: number; name: string; pipe: PipeNode | undefined }
export interface LoopControlNode { type: 'break' | 'continue'; pos: number }
export interface ListNode { type: 'list'; pos: number; nodes: Node[] }
export interface PipeNode {
  type: 'pipe';
  pos: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode { type: 'command'; pos: number; args: ArgNode[] }
export interface FieldNode { type: 'field'; pos: number; ident: string[] }
export interface ChainNode { type: 'chain'; pos: number; node: ArgNode; field: string[] }
export interface IdentifierNode { type: 'identifier'; pos: number; ident: string }
export interface VariableNode { type: 'variable'; pos: number; ident: string[] }
export interface DotNode { type: 'dot'; pos: number }
export interface NilNode { type: 'nil'; pos: number }
export interface BoolNode { type: 'bool'; pos: number; value: boolean }
export interface NumberNode { type: 'number'; pos: number; text: string; value: number }
export interface StringNode { type: 'string'; pos: number; quoted: string; text: string }
/** Only seen while parsing: the `{{end}}` and `{{else}}` that close a list. */
interface EndNode { type: 'end' | 'else'; pos: number }

export type ArgNode =
  | FieldNode
  | ChainNode
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;
export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode | ListNode;
type AnyNode = Node | ArgNode | CommandNode | EndNode;

/** A node as Go prints it in `executing "" at <...>` contexts. */
export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case 'text':
      return n.text;
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      const els = n.elseList === undefined ? '' : `{{else}}${nodeString(n.elseList)}`;
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case 'template':
      return n.pipe === undefined
        ? `{{template ${goQuote(n.name)}}}`
        : `{{template ${goQuote(n.name)} ${nodeString(n.pipe)}}}`;
    case 'break':
    case 'continue':
    case 'end':
    case 'else':
      return `{{${n.type}}}`;
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) {
        s = n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ');
      }
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return '.' + n.ident.join('.');
    case 'chain': {
      const base = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return base + n.field.map((f) => '.' + f).join('');
    }
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
  }
}

function isEnd(n: Node | EndNode): n is EndNode {
  return n.type === 'end' || n.type === 'else';
}

function isEmptyTree(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === 'text' && n.text.trim() === '');
}

// ---- literals -------------------------------------------------------------------------------

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/** One character of a Go quoted literal: [code point or byte, is a raw byte, rest]. */
function unquoteChar(s: string, quote: string): [number, boolean, string] {
  const cp = s.codePointAt(0);
  if (cp === undefined) throw new Error('invalid syntax');
  const c = String.fromCodePoint(cp);
  if (c === quote && (quote === "'" || quote === '"')) throw new Error('invalid syntax');
  if (c !== '\\') return [cp, false, s.slice(c.length)];
  const e = s[1] ?? '';
  const rest = s.slice(2);
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined && Object.hasOwn(SIMPLE_ESCAPES, e)) return [simple, false, rest];
  const hexDigits = (n: number): number => {
    const h = rest.slice(0, n);
    if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new Error('invalid syntax');
    return parseInt(h, 16);
  };
  switch (e) {
    case 'x':
      return [hexDigits(2), true, rest.slice(2)];
    case 'u':
    case 'U': {
      const n = e === 'u' ? 4 : 8;
      const v = hexDigits(n);
      if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new Error('invalid syntax');
      return [v, false, rest.slice(n)];
    }
    case "'":
    case '"':
      if (e !== quote) throw new Error('invalid syntax');
      return [e.charCodeAt(0), false, rest];
  }
  if (/^[0-7]$/.test(e)) {
    const o = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(o)) throw new Error('invalid syntax');
    const v = parseInt(o, 8);
    if (v > 255) throw new Error('invalid syntax');
    return [v, true, s.slice(4)];
  }
  throw new Error('invalid syntax');
}

/** strconv.Unquote for "..." and `...` literals. */
function unquote(q: string): string {
  if (q.startsWith('`')) {
    const body = q.slice(1, -1);
    if (!q.endsWith('`') || q.length < 2 || body.includes('`')) throw new Error('invalid syntax');
    return body.replaceAll('\r', '');
  }
  if (q.length < 2 || !q.startsWith('"') || !q.endsWith('"')) throw new Error('invalid syntax');
  let s = q.slice(1, -1);
  if (s.includes('\n')) throw new Error('invalid syntax');
  // \x and octal escapes are bytes: collect UTF-8 and decode once, as Go strings are bytes.
  const bytes: number[] = [];
  while (s.length > 0) {
    const [v, isByte, rest] = unquoteChar(s, '"');
    if (isByte) bytes.push(v);
    else bytes.push(...Buffer.from(String.fromCodePoint(v), 'utf8'));
    s = rest;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** strconv's underscoreOK: underscores only between digits (or after a base prefix). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let hex = false;
  if (/^0[bBoOxX]/.test(s)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

function parseIntLiteral(body: string): bigint | undefined {
  const clean = body.replaceAll('_', '');
  if (/^0[xX][0-9a-fA-F]+$/.test(clean) || /^0[oO][0-7]+$/.test(clean) || /^0[bB][01]+$/.test(clean)) {
    return BigInt(clean.slice(0, 2).toLowerCase() + clean.slice(2));
  }
  if (/^0[0-7]*$/.test(clean)) return clean.length > 1 ? BigInt('0o' + clean.slice(1)) : 0n;
  if (/^[1-9][0-9]*$/.test(clean)) return BigInt(clean);
  return undefined;
}

function parseFloatLiteral(body: string): number | undefined {
  const clean = body.replaceAll('_', '');
  if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(clean)) return Number(clean);
  const hex = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?[0-9]+)$/.exec(clean);
  if (hex !== null && (hex[1] !== '' || hex[2] !== '')) {
    const intPart = hex[1] ?? '';
    const frac = hex[2] ?? '';
    const mant = parseInt(intPart + frac || '0', 16);
    return mant * 2 ** (Number(hex[3]) - 4 * frac.length);
  }
  return undefined;
}

/** The value of a number literal, as Go's parse.newNumber accepts it. */
function parseNumber(text: string, typ: ItemType): number {
  if (typ === 'charConstant') {
    const [v, , tail] = unquoteChar(text.slice(1), "'");
    if (tail !== "'") throw new Error(`malformed character constant: ${text}`);
    return v;
  }
  if (typ === 'complex' || text.endsWith('i')) {
    throw new Error(`complex constant ${goQuote(text)} is not supported`);
  }
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  if (underscoreOK(text)) {
    const big = parseIntLiteral(body);
    if (big !== undefined) {
      if (big > 2n ** 64n - 1n) throw new Error(`integer overflow: ${goQuote(text)}`);
      return Number(neg ? -big : big);
    }
    const f = parseFloatLiteral(body);
    if (f !== undefined) return neg ? -f : f;
  }
  throw new Error(`illegal number syntax: ${goQuote(text)}`);
}

// ---- parser ---------------------------------------------------------------------------------

const COMMAND_START = new Set<ItemType>([
  'bool', 'charConstant', 'complex', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString',
  'string', 'variable', 'leftParen',
]);

/** The templates of one text: "" is the main one, the rest come from define and block. */
export type TemplateSet = Map<string, ListNode>;

class Parser {
  private idx = 0;
  private furthest = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;

  constructor(
    private readonly items: Item[],
    private readonly hasFunction: (name: string) => boolean,
    private readonly trees: TemplateSet,
  ) {}

  parse(): void {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== 'eof') {
      if (this.peek().typ === 'leftDelim') {
        const at = this.idx;
        this.next();
        if (this.nextNonSpace().typ === 'define') {
          this.parseDefinition();
          continue;
        }
        this.idx = at;
      }
      const n = this.textOrAction();
      if (isEnd(n)) this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    this.add('', root);
  }

  // -- token stream --

  private next(): Item {
    const i = Math.min(this.idx, this.items.length - 1);
    this.idx++;
    this.furthest = Math.max(this.furthest, i);
    return this.items[i] as Item;
  }

  private backup(): void {
    this.idx--;
  }

  private peek(): Item {
    const it = this.next();
    this.backup();
    return it;
  }

  private nextNonSpace(): Item {
    let it = this.next();
    while (it.typ === 'space') it = this.next();
    return it;
  }

  private peekNonSpace(): Item {
    const it = this.nextNonSpace();
    this.backup();
    return it;
  }

  private errorf(message: string): never {
    const line = this.items[this.furthest]?.line ?? 1;
    throw new TemplateError(`template: :${line}: ${message}`);
  }

  private unexpected(token: Item, context: string): never {
    if (token.typ === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at :${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(token.val + extra);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  private expect(typ: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== typ) this.unexpected(token, context);
    return token;
  }

  // -- structure --

  private add(name: string, root: ListNode): void {
    const existing = this.trees.get(name);
    if (existing === undefined || isEmptyTree(existing)) {
      this.trees.set(name, root);
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${goQuote(name)}`);
  }

  /** Parses a nested template body (define, block) with its own variable scope. */
  private parseSubtree(name: string, context: string): void {
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add(name, list);
    this.vars = savedVars;
    this.rangeDepth = savedRange;
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const token = this.nextNonSpace();
    if (token.typ !== 'string' && token.typ !== 'rawString') this.unexpected(token, context);
    const name = this.unquoteOrFail(token.val);
    this.expect('rightDelim', context);
    this.parseSubtree(name, context);
  }

  private itemList(): [ListNode, EndNode] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== 'eof') {
      const n = this.textOrAction();
      if (isEnd(n)) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'text':
        return { type: 'text', pos: token.pos, text: token.val };
      case 'leftDelim':
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node | EndNode {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue':
        return this.loopControl(token);
      case 'else':
        return this.elseControl();
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
      case 'range':
      case 'with':
        return this.branch(token.typ);
      case 'template':
        return this.templateControl();
    }
    this.backup();
    const start = this.peek();
    // Variables declared in a plain action stay in scope until the enclosing {{end}}.
    return { type: 'action', pos: start.pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(token: Item): LoopControlNode {
    const kind = token.typ === 'break' ? 'break' : 'continue';
    const after = this.nextNonSpace();
    if (after.typ !== 'rightDelim') this.unexpected(after, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos: token.pos };
  }

  private elseControl(): EndNode {
    const peek = this.peekNonSpace();
    // `{{else if}}` / `{{else with}}` leave the keyword pending for branch() to nest.
    if (peek.typ === 'if' || peek.typ === 'with') return { type: 'else', pos: peek.pos };
    return { type: 'else', pos: this.expect('rightDelim', 'else').pos };
  }

  private branch(kind: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: ListNode | undefined;
    if (next.type === 'else') {
      const peek = this.peek();
      if ((kind === 'if' && peek.typ === 'if') || (kind === 'with' && peek.typ === 'with')) {
        this.next();
        elseList = { type: 'list', pos: next.pos, nodes: [this.branch(kind)] };
      } else {
        const [els, end] = this.itemList();
        if (end.type !== 'end') this.errorf(`expected end; found ${nodeString(end)}`);
        elseList = els;
      }
    }
    this.vars.length = mark;
    return { type: kind, pos: pipe.pos, pipe, list, elseList };
  }

  private templateName(token: Item, context: string): string {
    if (token.typ !== 'string' && token.typ !== 'rawString') this.unexpected(token, context);
    return this.unquoteOrFail(token.val);
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: token.pos, name, pipe };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    this.parseSubtree(name, context);
    return { type: 'template', pos: token.pos, name, pipe };
  }

  // -- pipelines --

  private pipeline(context: string, end: ItemType): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: start.pos, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      const at = this.idx;
      this.next();
      const after = this.peekNonSpace();
      if (after.typ === 'assign' || after.typ === 'declare') {
        pipe.isAssign = after.typ === 'assign';
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        break;
      }
      if (after.typ === 'char' && after.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      // `$x` is an operand, not a declaration.
      this.idx = at;
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (!COMMAND_START.has(token.typ)) this.unexpected(token, context);
      this.backup();
      pipe.cmds.push(this.command());
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === 'space') continue;
      if (token.typ === 'rightDelim' || token.typ === 'rightParen') this.backup();
      else if (token.typ !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined || this.peek().typ !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'identifier':
        if (!this.hasFunction(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: 'identifier', pos: token.pos, ident: token.val };
      case 'dot':
        return { type: 'dot', pos: token.pos };
      case 'nil':
        return { type: 'nil', pos: token.pos };
      case 'variable': {
        if (!this.vars.includes(token.val)) this.errorf(`undefined variable ${goQuote(token.val)}`);
        return { type: 'variable', pos: token.pos, ident: [token.val] };
      }
      case 'field':
        return { type: 'field', pos: token.pos, ident: [token.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: token.pos, value: token.val === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number':
        try {
          return { type: 'number', pos: token.pos, text: token.val, value: parseNumber(token.val, token.typ) };
        } catch (e) {
          this.errorf(e instanceof Error ? e.message : String(e));
        }
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: token.pos, quoted: token.val, text: this.unquoteOrFail(token.val) };
    }
    this.backup();
    return undefined;
  }

  private unquoteOrFail(quoted: string): string {
    try {
      return unquote(quoted);
    } catch (e) {
      this.errorf(e instanceof Error ? e.message : String(e));
    }
  }
}

/** Parses a template text into its named trees; throws TemplateError with Go's wording. */
export function parseTemplate(text: string, hasFunction: (name: string) => boolean): TemplateSet {
  const trees: TemplateSet = new Map();
  new Parser(lex(text), hasFunction, trees).parse();
  return trees;
}

/** True if `name` could be a Go identifier: template function names must be. */
export function isIdentifier(name: string): boolean {
  return name !== '' && Array.from(name).every((c) => isAlphaNumeric(c));
}
