import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, dockerTemplateFuncs, TemplateError, type TemplateOptions } from './go-template.js';

const data = {
  ID: 'abc123',
  Name: '/web',
  N: 3,
  Zero: 0,
  F: 1.5,
  Big: 1234567890123,
  T: true,
  Nil: null,
  Empty: '',
  Names: ['a', 'b', 'c'],
  None: [],
  State: { Status: 'running', Running: true, Pid: 42, Health: null },
  M: { b: 2, a: 1, c: 3 },
  Labels: { 'com.example': 'yes' },
  Nested: { List: [{ X: 1 }, { X: 2 }] },
  Label: (key: unknown) => `label:${String(key)}`,
};

function run(text: string, d: unknown = data, options?: TemplateOptions): string {
  return compileTemplate(text, dockerTemplateFuncs, options).execute(d);
}

test('renders fields, literals and printing like Go', () => {
  const cases: [string, string][] = [
    ['plain text', 'plain text'],
    ['{{.ID}}', 'abc123'],
    ['{{.State.Status}} {{.State.Pid}}', 'running 42'],
    ['{{.N}} {{.F}} {{.Big}} {{.T}} {{.Nil}}', '3 1.5 1234567890123 true <nil>'],
    ['{{.Names}}', '[a b c]'],
    ['{{.M}}', 'map[a:1 b:2 c:3]'],
    ['{{.None}}', '[]'],
    ['{{"a\\tb\\u00e9\\x41\\101"}}', 'a\tbéAA'],
    ['{{`raw\\n`}}', 'raw\\n'],
    ['{{1}} {{-2}} {{0x10}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{1.5}} {{.5}} {{1e3}}', '1 -2 16 15 15 5 1000 1.5 0.5 1000'],
    ["{{'a'}} {{'\\n'}}", '97 10'],
    ['{{true}} {{false}}', 'true false'],
    ['{{.Nested.List}}', '[map[X:1] map[X:2]]'],
    ['{{(index .Nested.List 1).X}}', '2'],
    ['{{.Label "x"}}', 'label:x'],
    ['{{"x" | .Label}}', 'label:x'],
  ];
  for (const [text, want] of cases) assert.equal(run(text), want, text);
  assert.equal(run('{{.}}', { a: 1 }), 'map[a:1]');
  assert.equal(run('{{$}}', ['x']), '[x]');
});

test('trim markers and comments', () => {
  const cases: [string, string][] = [
    ['a  {{- "b" -}}  c', 'abc'],
    ['a \n\t{{- "b"}} c', 'ab c'],
    ['a {{"b" -}} \n c', 'a bc'],
    ['a{{/* comment */}}b', 'ab'],
    ['a {{- /* comment */ -}} b', 'ab'],
    ['{{-3}}', '-3'],
    ['x{{/* multi\nline */}}y', 'xy'],
  ];
  for (const [text, want] of cases) assert.equal(run(text), want, text);
});

test('control structures', () => {
  const cases: [string, string][] = [
    ['{{if .T}}yes{{end}}', 'yes'],
    ['{{if .Zero}}yes{{else}}no{{end}}', 'no'],
    ['{{if .Empty}}1{{else if .Nil}}2{{else if .N}}3{{else}}4{{end}}', '3'],
    ['{{if .None}}x{{else}}empty{{end}}', 'empty'],
    ['{{if .M}}map{{end}}', 'map'],
    ['{{if .Label}}method{{end}}', 'method'],
    ['{{with .State}}{{.Status}}{{end}}', 'running'],
    ['{{with .Empty}}x{{else}}none{{end}}', 'none'],
    ['{{with .Empty}}x{{else with .State}}{{.Pid}}{{end}}', '42'],
    ['{{range .Names}}[{{.}}]{{end}}', '[a][b][c]'],
    ['{{range $i, $v := .Names}}{{$i}}={{$v}} {{end}}', '0=a 1=b 2=c '],
    ['{{range $v := .Names}}{{$v}}{{end}}', 'abc'],
    ['{{range $k, $v := .M}}{{$k}}:{{$v}} {{end}}', 'a:1 b:2 c:3 '],
    ['{{range .M}}{{.}}{{end}}', '123'],
    ['{{range .None}}x{{else}}empty{{end}}', 'empty'],
    ['{{range .Nil}}x{{else}}nil{{end}}', 'nil'],
    ['{{range 3}}{{.}}{{end}}', '012'],
    ['{{range .Names}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', 'ac'],
    ['{{range .Names}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', 'a'],
    ['{{range .Nested.List}}{{.X}}{{end}}', '12'],
    ['{{range $i, $e := .Nested.List}}{{$i}}{{$e.X}}{{$.ID}}{{end}}', '01abc12312abc123'],
    ['{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}', '12'],
    ['{{$x := .State}}{{$x.Status}}', 'running'],
    ['{{$n := 0}}{{range .Names}}{{$n = .}}{{end}}{{$n}}', 'c'],
    ['{{with $x := .ID}}{{$x}}{{end}}', 'abc123'],
    ['{{define "T"}}<{{.}}>{{end}}{{template "T" .ID}}{{template "T"}}', '<abc123><<no value>>'],
    ['{{block "B" .N}}[{{.}}]{{end}}', '[3]'],
    ['{{define "R"}}{{if .}}{{.}}{{template "R" slice . 1}}{{end}}{{end}}{{template "R" "abc"}}', 'abcbcc'],
  ];
  for (const [text, want] of cases) assert.equal(run(text), want, text);
});

test('builtin functions', () => {
  const cases: [string, string][] = [
    ['{{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}}', '0 2 x '],
    ['{{and .Nil .Nil.Missing}}', '<nil>'], // short-circuits before the failing operand
    ['{{not .T}} {{not .Empty}}', 'false true'],
    ['{{len .Names}} {{len .M}} {{len "héllo"}}', '3 3 6'],
    ['{{index .Names 1}} {{index .M "b"}} {{index .Labels "com.example"}}', 'b 2 yes'],
    ['{{index .Labels "missing"}}|', '|'],
    ['{{index .M "missing"}}', '<no value>'],
    ['{{index .Nested.List 1 "X"}}', '2'],
    ['{{index "abc" 1}}', '98'],
    ['{{slice .Names 1}} {{slice .Names 1 2}} {{slice "hello" 1 3}}', '[b c] [b] el'],
    ['{{print 1 2 "a" "b" 3}}', '1 2ab3'],
    ['{{println "a" 1}}', 'a 1\n'],
    ['{{printf "%s-%d-%.2f-%v-%q-%x-%5s|%-4s|%t-%%" .ID .N .F .Names .ID 255 "ab" "c" .T}}', 'abc123-3-1.50-[a b c]-"abc123"-ff-   ab|c   |true-%'],
    ['{{eq .N 3}} {{eq .ID "x" "abc123"}} {{eq .Nil .Nil}} {{eq .ID .Nil}} {{ne .N 4}}', 'true true true false true'],
    ['{{lt 1 2}} {{le 2 2}} {{gt 1.5 1}} {{ge "a" "b"}} {{lt "a" "b"}}', 'true true true false true'],
    ['{{html "<a href=\'x\'>&\\""}}', '&lt;a href=&#39;x&#39;&gt;&amp;&#34;'],
    ['{{js "it\'s <b> & \\"q\\" = \\\\"}}', 'it\\\'s \\u003Cb\\u003E \\u0026 \\"q\\" \\u003D \\\\'],
    ['{{urlquery "a b&c=d/é"}}', 'a+b%26c%3Dd%2F%C3%A9'],
    ['{{.ID | printf "%s!"}}', 'abc123!'],
    ['{{"a" | printf "%s%s" "b"}}', 'ba'],
    ['{{len (slice .Names 1)}}', '2'],
  ];
  for (const [text, want] of cases) assert.equal(run(text), want, text);
});

test('docker functions', () => {
  const cases: [string, string][] = [
    ['{{json .State}}', '{"Status":"running","Running":true,"Pid":42,"Health":null}'],
    ['{{json "<&>"}}', '"<&>"'],
    ['{{json .Nil}} {{json .None}}', 'null []'],
    ['{{join .Names ", "}}', 'a, b, c'],
    ['{{split "a:b:c" ":"}} {{len (split "abc" "")}}', '[a b c] 3'],
    ['{{upper "abc"}} {{lower "ABC"}} {{title "hello wide-world_x"}}', 'ABC abc Hello Wide-World_x'],
    ['{{truncate "abcdef" 3}} {{truncate "ab" 3}}', 'abc ab'],
    ['[{{pad "x" 2 1}}][{{pad "" 2 1}}]', '[  x ][]'],
    ['{{join .Names "-" | upper}}', 'A-B-C'],
  ];
  for (const [text, want] of cases) assert.equal(run(text), want, text);
  // join takes the list first, so piping the list into it is a type error, as in Go.
  assert.throws(() => run('{{.Names | join "-"}}'), /wrong type for value; expected \[\]string; got string/);
});

test('missingKey modes', () => {
  assert.throws(() => run('{{.Missing}}'), {
    message: 'template: :1:2: executing "" at <.Missing>: can\'t evaluate field Missing in type interface {}',
  });
  assert.equal(run('{{.Missing}}', data, { missingKey: 'zero' }), '<no value>');
  assert.equal(run('{{.Missing.Deeper}}', data, { missingKey: 'zero' }), '<no value>');
  assert.equal(run('{{if .Missing}}x{{else}}y{{end}}', data, { missingKey: 'zero' }), 'y');
  assert.equal(run('{{json .Missing}}', data, { missingKey: 'zero' }), 'null');
  assert.throws(() => run('{{.Missing}}', data, { missingKey: 'map-error' }), {
    message: 'template: :1:2: executing "" at <.Missing>: map has no entry for key "Missing"',
  });
});

test('parse errors use Go wording', () => {
  const cases: [string, string][] = [
    ['{{.ID}', 'template: :1: unexpected "}" in operand'],
    ['{{foo}}', 'template: :1: function "foo" not defined'],
    ['{{.ID', 'template: :1: unclosed action'],
    ['a\n{{if .T}}', 'template: :2: unexpected EOF'],
    ['{{end}}', 'template: :1: unexpected {{end}}'],
    ['{{else}}', 'template: :1: unexpected {{else}}'],
    ['{{if}}{{end}}', 'template: :1: missing value for if'],
    ['{{range}}{{end}}', 'template: :1: missing value for range'],
    ['{{}}', 'template: :1: missing value for command'],
    ['{{$x}}', 'template: :1: undefined variable "$x"'],
    ['{{"abc}}', 'template: :1: unterminated quoted string'],
    ['{{`abc}}', 'template: :1: unterminated raw quoted string'],
    ['{{(.ID}}', 'template: :1: unclosed left paren'],
    ['{{.ID)}}', "template: :1: unexpected right paren U+0029 ')'"],
    ['{{.ID | "x"}}', 'template: :1: non executable command in pipeline stage 2'],
    ['{{break}}', 'template: :1: {{break}} outside {{range}}'],
    ['{{/* x }}', 'template: :1: unclosed comment'],
    ['{{/* x */ .ID}}', 'template: :1: comment ends before closing delimiter'],
    ['{{3x}}', 'template: :1: bad number syntax: "3x"'],
    ['{{.ID#}}', "template: :1: bad character U+0023 '#'"],
    ['{{"a".X}}', 'template: :1: unexpected . after term "\\"a\\""'],
    ['{{"\\q"}}', 'template: :1: invalid syntax'],
    ['{{if .T}}{{else}}{{else}}{{end}}', 'template: :1: expected end; found {{else}}'],
    ['{{template .ID}}', 'template: :1: unexpected ".ID" in template clause'],
    ['{{range $a, $b, $c := .}}{{end}}', 'template: :1: too many declarations in range'],
    ['{{define "a"}}x{{end}}{{define "a"}}y{{end}}', 'template: :1: template: multiple definition of template "a"'],
    ['{{.ID\n', 'template: :2: unclosed action started at :1'],
    ['{{if .T}}\n{{.ID', 'template: :2: unclosed action'],
    ['{{.ID\n}}{{', 'template: :2: unclosed action'],
    ['{{ print (1\n }}', 'template: :2: unclosed left paren in action started at :1'],
    ['{{99999999999999999999}}', 'template: :1: integer overflow: "99999999999999999999"'],
  ];
  for (const [text, want] of cases) {
    assert.throws(
      () => compileTemplate(text, dockerTemplateFuncs),
      (e: unknown) => e instanceof TemplateError && e.message === want,
      `${JSON.stringify(text)} should fail with ${want}`,
    );
  }
});

test('execution errors point at the node like Go', () => {
  const cases: [string, string][] = [
    ['{{.State.Foo}}', 'template: :1:8: executing "" at <.State.Foo>: can\'t evaluate field Foo in type interface {}'],
    ['x\n  {{.Nope}}', 'template: :2:4: executing "" at <.Nope>: can\'t evaluate field Nope in type interface {}'],
    ['{{.ID.X}}', 'template: :1:5: executing "" at <.ID.X>: can\'t evaluate field X in type string'],
    ['{{.State.Health.Status}}', 'template: :1:8: executing "" at <.State.Health.Status>: nil pointer evaluating interface {}.Status'],
    ['{{index .Names 5}}', 'template: :1:2: executing "" at <index .Names 5>: error calling index: index out of range: 5'],
    ['{{index .N 1}}', 'template: :1:2: executing "" at <index .N 1>: error calling index: can\'t index item of type int'],
    ['{{len .N}}', 'template: :1:2: executing "" at <len .N>: error calling len: len of type int'],
    ['{{eq .N "3"}}', 'template: :1:2: executing "" at <eq .N "3">: error calling eq: incompatible types for comparison'],
    ['{{lt .T .T}}', 'template: :1:2: executing "" at <lt .T .T>: error calling lt: invalid type for comparison'],
    ['{{eq .Names .Names}}', 'template: :1:2: executing "" at <eq .Names .Names>: error calling eq: non-comparable types [a b c]: []interface {}, []interface {}: [a b c]'],
    ['{{not}}', 'template: :1:2: executing "" at <not>: wrong number of args for not: want 1 got 0'],
    ['{{eq}}', 'template: :1:2: executing "" at <eq>: wrong number of args for eq: want at least 1 got 0'],
    ['{{upper .N}}', 'template: :1:2: executing "" at <upper .N>: wrong type for value; expected string; got int'],
    ['{{.ID "x"}}', 'template: :1:2: executing "" at <.ID>: ID has arguments but cannot be invoked as function'],
    ['{{"x" 1}}', 'template: :1:2: executing "" at <"x">: can\'t give argument to non-function "x"'],
    ['{{nil}}', 'template: :1:2: executing "" at <nil>: nil is not a command'],
    ['{{range .ID}}{{end}}', 'template: :1:8: executing "" at <.ID>: range can\'t iterate over abc123'],
    ['{{template "x"}}', 'template: :1:11: executing "" at <{{template "x"}}>: template "x" not defined'],
    ['{{define "d"}}{{.Q}}{{end}}{{template "d" .}}', 'template: :1:16: executing "d" at <.Q>: can\'t evaluate field Q in type interface {}'],
    ['{{printf "%d" .Nested.List.Whatever.Is.Long}}', 'template: :1:21: executing "" at <.Nested.List.Whateve...>: can\'t evaluate field Whatever in type []interface {}'],
    ['{{$x = 1}}', 'template: :1:7: executing "" at <1>: undefined variable: $x'],
    ['{{call .N}}', 'template: :1:2: executing "" at <call .N>: error calling call: non-function of type int'],
    ['{{slice .Names 2 1}}', 'template: :1:2: executing "" at <slice .Names 2 1>: error calling slice: invalid slice index: 2 > 1'],
  ];
  for (const [text, want] of cases) {
    assert.throws(
      () => run(text),
      (e: unknown) => e instanceof TemplateError && e.message === want,
      `${JSON.stringify(text)} should fail with ${want}`,
    );
  }
});

test('execution errors carry the partial output', () => {
  try {
    run('before {{.Nope}} after');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.partialOutput, 'before ');
  }
});

test('custom functions shadow builtins and report their failures', () => {
  const tmpl = compileTemplate('{{len .}} {{twice .}}', {
    len: () => 'mine',
    twice: (s: unknown) => String(s) + String(s),
  });
  assert.equal(tmpl.execute('ab'), 'mine abab');
  const failing = compileTemplate('{{boom}}', {
    boom: () => {
      throw new Error('kaput');
    },
  });
  assert.throws(() => failing.execute(null), { message: 'template: :1:2: executing "" at <boom>: error calling boom: kaput' });
  assert.throws(() => compileTemplate('', { 'bad-name': () => 1 }), /is not a valid identifier/);
  const withCall = compileTemplate('{{call (adder) 2 3}}', { adder: () => (a: unknown, b: unknown) => Number(a) + Number(b) });
  assert.equal(withCall.execute(null), '5');
});

test('a template can be executed many times with different data', () => {
  const tmpl = compileTemplate('{{.A}}-{{len .B}}');
  assert.equal(tmpl.execute({ A: 1, B: [1] }), '1-1');
  assert.equal(tmpl.execute({ A: 'x', B: 'yz' }), 'x-2');
});
