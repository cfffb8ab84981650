import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { api, berth, BERTH_BIN, CLIENTS, docker, DOCKER_BIN, runCommand, SHARED_HOST, uniqueName, type RunResult } from './harness.js';

const execFileAsync = promisify(execFile);

/** A context directory made of `files` (path → content); removed by the returned cleanup. */
async function makeContext(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-build-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

type Run = (args: readonly string[], opts?: { input?: string | Buffer }) => Promise<RunResult>;

/** The short IDs of the RUN containers a build's output names: none of them may be left. */
async function leftoverContainers(run: Run, output: string): Promise<string[]> {
  const ran = [...output.matchAll(/ ---> Running in ([0-9a-f]{12})/g)].map((m) => m[1]!);
  assert.ok(ran.length > 0, output);
  const all = (await run(['ps', '-aq', '--no-trunc'])).stdout.split('\n');
  return ran.filter((id) => all.some((c) => c.startsWith(id)));
}

/** Image IDs a build's output names after its steps (` ---> 1a2b3c4d5e6f`), base image excluded. */
function stepImages(output: string): string[] {
  return [...output.matchAll(/ ---> ([0-9a-f]{12})\n/g)].map((m) => m[1]!).slice(1);
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: build, run, inspect, history, cache, rmi (the seed's flow)`, async () => {
    const repo = uniqueName('hello');
    const ctx = await makeContext({
      'app/greet.txt': 'hello from the context\n',
      'app/sub/more.txt': 'more\n',
      'ignored.txt': 'should not be sent\n',
      '.dockerignore': 'ignored.txt\n',
      Dockerfile: [
        'FROM busybox',
        'ARG WHO=world',
        'ENV GREETING="hello there" \\',
        '    DIR=/srv',
        'WORKDIR $DIR',
        'COPY app/ ./',
        'RUN echo "$GREETING ${WHO:-nobody}" > made.txt && test ! -e ignored.txt',
        'LABEL org.example.kind=demo',
        'EXPOSE 8080',
        'CMD ["sh", "-c", "cat greet.txt sub/more.txt made.txt"]',
        '',
      ].join('\n'),
    });
    let intermediates: string[] = [];
    const built: string[] = [];
    try {
      // --no-cache: the shared daemon may hold an identical chain from another run.
      const b = await run(['build', '--no-cache', '-t', repo, '--build-arg', 'WHO=berth', ctx.dir]);
      assert.equal(b.code, 0, b.stderr + b.stdout);
      assert.match(b.stdout, /Sending build context to Docker daemon {2}[0-9.]+k?B\r*\n/);
      assert.match(b.stdout, /Step 1\/9 : FROM busybox\n ---> [0-9a-f]{12}\n/);
      assert.match(b.stdout, /Step 6\/9 : RUN echo .*\n ---> Running in [0-9a-f]{12}\n ---> Removed intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
      assert.match(b.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged .*:latest\n$/);
      assert.doesNotMatch(b.stdout, /Using cache/);
      intermediates = stepImages(b.stdout);
      assert.equal(intermediates.length, 8, b.stdout);
      built.push(intermediates[7]!);
      assert.deepEqual(await leftoverContainers(run, b.stdout), []);

      const out = await run(['run', '--rm', repo]);
      assert.equal(out.stdout, 'hello from the context\nmore\nhello there berth\n', out.stderr);

      const inspect = await run(['image', 'inspect', '--format', '{{.RootFS.Type}} {{len .RootFS.Layers}} {{.Config.WorkingDir}} {{json .Config.ExposedPorts}} {{index .Config.Labels "org.example.kind"}}', repo]);
      // busybox, WORKDIR (busybox has no /srv: it makes it, as dockerd), COPY, RUN.
      assert.equal(inspect.stdout, 'layers 4 /srv {"8080/tcp":{}} demo\n');

      // Every step is in the history; metadata steps add no layer.
      const hist = (await api('GET', `/images/${repo}/history`)).json() as { CreatedBy: string; Size: number }[];
      assert.equal(hist.length, 9, JSON.stringify(hist));
      // dockerd's texts: `#(nop) ` and the step as two words (two spaces), WORKDIR and COPY as one.
      assert.equal(hist[0]!.CreatedBy, '/bin/sh -c #(nop)  CMD ["sh" "-c" "cat greet.txt sub/more.txt made.txt"]');
      assert.equal(hist[1]!.CreatedBy, '/bin/sh -c #(nop)  EXPOSE 8080');
      assert.equal(hist[5]!.CreatedBy, '/bin/sh -c #(nop) WORKDIR /srv');
      assert.equal(hist[6]!.CreatedBy, '/bin/sh -c #(nop)  ENV GREETING=hello there DIR=/srv');
      assert.equal(hist[0]!.Size, 0);
      assert.equal(hist[2]!.CreatedBy, '/bin/sh -c #(nop)  LABEL org.example.kind=demo');
      assert.match(hist[3]!.CreatedBy, /^\|1 WHO=berth \/bin\/sh -c echo /);
      assert.ok(hist[3]!.Size > 0);
      assert.match(hist[4]!.CreatedBy, /#\(nop\) COPY dir:[0-9a-f]{64} in \/srv\/ /);

      // Same context, same args: every step comes from the cache and the image is the same.
      const again = await run(['build', '-t', repo, '--build-arg', 'WHO=berth', ctx.dir]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout.match(/ ---> Using cache\n/g)?.length, 8, again.stdout);
      const id = (s: string): string => /Successfully built ([0-9a-f]{12})/.exec(s)?.[1] ?? '';
      assert.equal(id(again.stdout), id(b.stdout));

      // A changed file misses from its COPY on; a changed arg misses at RUN.
      await writeFile(join(ctx.dir, 'app/greet.txt'), 'changed\n');
      const changed = await run(['build', '-q', '-t', repo, '--build-arg', 'WHO=berth', ctx.dir]);
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /^sha256:[0-9a-f]{64}\n$/);
      built.push(changed.stdout.trim());
      assert.equal((await run(['run', '--rm', repo])).stdout, 'changed\nmore\nhello there berth\n');
    } finally {
      await run(['rmi', repo]);
      // The first build's image is dangling since the re-tag.
      await run(['rmi', ...built.slice(0, 1)]);
      await ctx.cleanup();
    }
    // rmi removed the untagged intermediate images with the final ones.
    for (const id of intermediates) {
      const r = await run(['image', 'inspect', id]);
      assert.notEqual(r.code, 0, `intermediate image ${id} is left`);
    }
  });

  test(`${client}: a failing RUN names the command and its code, and leaves no container`, async () => {
    const ctx = await makeContext({ Dockerfile: 'FROM busybox\nRUN echo partial output; exit 3\n' });
    try {
      const r = await run(['build', '--no-cache', ctx.dir]);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stdout, /partial output\n/);
      assert.match(r.stderr, /The command '\/bin\/sh -c echo partial output; exit 3' returned a non-zero code: 3/);
      assert.deepEqual(await leftoverContainers(run, r.stdout), []);
      // -q: the output held back is shown with the error, and the exit code is the command's, as dockerd's.
      const q = await run(['build', '-q', '--no-cache', ctx.dir]);
      assert.equal(q.code, 3, q.stdout + q.stderr);
      assert.match(q.stdout + q.stderr, /partial output\n/);
      assert.match(q.stderr, /^The command '\/bin\/sh -c echo partial output; exit 3' returned a non-zero code: 3$/m);
      assert.deepEqual(await leftoverContainers(run, q.stdout + q.stderr), []);
    } finally {
      await ctx.cleanup();
    }
  });

  test(`${client}: build --add-host: RUN sees the names in /etc/hosts; a bad one is refused before any step`, async () => {
    const ctx = await makeContext({ Dockerfile: 'FROM busybox\nRUN grep -wE "db|gw" /etc/hosts > /seen\n' });
    const tag = `${uniqueName('addhost')}:v1`;
    try {
      const gateway = (await run(['network', 'inspect', '--format', '{{(index .IPAM.Config 0).Gateway}}', 'bridge'])).stdout.trim();
      const built = await run(['build', '--no-cache', '--add-host', 'db:10.1.2.3', '--add-host', 'gw=host-gateway', '-t', tag, ctx.dir]);
      assert.equal(built.code, 0, built.stdout + built.stderr);
      const seen = await run(['run', '--rm', tag, 'cat', '/seen']);
      assert.equal(seen.stdout, `10.1.2.3\tdb\n${gateway}\tgw\n`, seen.stderr);
      const bad = await run(['build', '--add-host', 'db:nohost', ctx.dir]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /invalid IP address in add-host: "nohost"/);
      assert.doesNotMatch(bad.stdout, /Step 1/);
    } finally {
      await run(['rmi', '-f', tag]);
      await ctx.cleanup();
    }
  });

  test(`${client}: build -m, --memory-swap, --cpu-shares, --shm-size and --ulimit limit the RUN containers; a limit dockerd refuses fails the build`, async () => {
    const script = 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares; df -k /dev/shm | tail -1; ulimit -n';
    const ctx = await makeContext({ Dockerfile: `FROM busybox\nRUN (${script}) > /seen\n` });
    const tag = `${uniqueName('buildres')}:v1`;
    try {
      const built = await run(['build', '--no-cache', '-m', '64m', '--memory-swap', '96m', '--cpu-shares', '512', '--shm-size', '16m', '--ulimit', 'nofile=1000:1000', '-t', tag, ctx.dir]);
      assert.equal(built.code, 0, built.stdout + built.stderr);
      const seen = (await run(['run', '--rm', tag, 'cat', '/seen'])).stdout.split('\n');
      assert.deepEqual(seen.slice(0, 3), [String(64 << 20), String(96 << 20), '512']);
      assert.match(seen[3] ?? '', /^shm\s+16384\s/);
      assert.equal(seen[4], '1000');
      // The limits leave the cache key alone, as dockerd's: the same build without them is cached.
      assert.match((await run(['build', '-t', tag, ctx.dir])).stdout, /Using cache/);
      const small = await run(['build', '--no-cache', '-m', '1m', ctx.dir]);
      assert.notEqual(small.code, 0);
      assert.match(small.stdout + small.stderr, /Minimum memory limit allowed is 6MB/);
    } finally {
      await run(['rmi', '-f', tag]);
      await ctx.cleanup();
    }
  });

  test(`${client}: --cache-from takes the steps of a loaded image (no step images here) as the cache, as dockerd's classic builder`, async () => {
    const repo = uniqueName('cachefrom');
    const steps = ['FROM busybox', 'RUN head -c 8 /dev/urandom | od -x > /rand', 'COPY f /f', 'RUN cat /f /rand > /both', 'CMD ["cat", "/both"]'];
    const ctx = await makeContext({ f: 'file\n', Dockerfile: `${steps.join('\n')}\n`, 'Prefix.Dockerfile': `${steps.slice(0, 2).join('\n')}\n` });
    const archive = join(ctx.dir, '..', `${repo}.tar`);
    try {
      const first = await run(['build', '-t', `${repo}:src`, ctx.dir]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const srcId = (await run(['image', 'inspect', '--format', '{{.Id}}', `${repo}:src`])).stdout.trim();
      const rand = (await run(['run', '--rm', `${repo}:src`])).stdout;
      // As after a pull in a fresh CI job: the image, none of the step images that built it.
      assert.equal((await run(['save', '-o', archive, `${repo}:src`])).code, 0);
      assert.equal((await run(['rmi', `${repo}:src`])).code, 0);
      assert.equal((await run(['load', '-i', archive])).code, 0);

      const cold = await run(['build', '-t', `${repo}:cold`, ctx.dir]);
      assert.equal(cold.code, 0, cold.stderr + cold.stdout);
      assert.doesNotMatch(cold.stdout, /Using cache/);
      const warm = await run(['build', '--cache-from', `${repo}:src`, '--cache-from', 'no-such-image-here', '-t', `${repo}:warm`, ctx.dir]);
      assert.equal(warm.code, 0, warm.stderr + warm.stdout);
      assert.equal(warm.stdout.match(/Using cache/g)?.length, 4, warm.stdout);
      assert.equal((await run(['image', 'inspect', '--format', '{{.Id}}', `${repo}:warm`])).stdout.trim(), srcId);
      assert.equal((await run(['run', '--rm', `${repo}:warm`])).stdout, rand);
      // A Dockerfile that stops midway gets the step's image with its own config, runnable.
      const prefix = await run(['build', '--cache-from', `${repo}:src`, '-f', join(ctx.dir, 'Prefix.Dockerfile'), '-t', `${repo}:prefix`, ctx.dir]);
      assert.equal(prefix.code, 0, prefix.stderr + prefix.stdout);
      assert.match(prefix.stdout, /Using cache/);
      assert.equal((await run(['image', 'inspect', '--format', '{{json .Config.Cmd}}', `${repo}:prefix`])).stdout.trim(), '["sh"]');
      assert.equal((await run(['run', '--rm', `${repo}:prefix`, 'cat', '/rand'])).stdout, rand.slice(5));
    } finally {
      await run(['rmi', '-f', `${repo}:src`, `${repo}:cold`, `${repo}:warm`, `${repo}:prefix`]);
      await rm(archive, { force: true });
      await ctx.cleanup();
    }
  });

  test(`${client}: RUN --mount=type=cache keeps its directory across builds, type=tmpfs is scratch; neither leaves a trace in the layer; --network=none`, async () => {
    const id = uniqueName('cachemount');
    const ctx = await makeContext({
      Dockerfile: [
        'FROM busybox',
        `RUN --mount=type=cache,target=/root/.cache/tool,id=${id} sh -c "echo run >> /root/.cache/tool/runs; wc -l < /root/.cache/tool/runs"`,
        'RUN --mount=type=tmpfs,target=/scratch/tmp sh -c "echo x > /scratch/tmp/f && df /scratch/tmp | grep -c tmpfs"',
        'RUN --network=none sh -c "ip -o link | wc -l"',
        'RUN --mount=type=secret,id=s,target=/s true',
        '',
      ].join('\n'),
      'req.txt': 'one\ntwo\n',
      'lib/a.py': 'print(1)\n',
    });
    const tag = `${id}:v1`;
    try {
      const first = await run(['build', '--no-cache', '-t', tag, ctx.dir]);
      assert.notEqual(first.code, 0, 'type=secret is refused');
      assert.match(first.stderr + first.stdout, /RUN --mount=type=secret is not supported by this builder/);
      await writeFile(join(ctx.dir, 'Dockerfile'), (await readFile(join(ctx.dir, 'Dockerfile'), 'utf8')).replace('RUN --mount=type=secret,id=s,target=/s true\n', ''));
      const built = await run(['build', '--no-cache', '-t', tag, ctx.dir]);
      assert.equal(built.code, 0, built.stdout + built.stderr);
      // Two builds wrote to the same cache: the first run (refused later) and this one.
      assert.match(built.stdout, /Step 2\/4 : RUN --mount[^\n]*\n ---> Running in [0-9a-f]{12}\n2\n/);
      assert.match(built.stdout, /Step 3\/4 : RUN --mount[^\n]*\n ---> Running in [0-9a-f]{12}\n1\n/);
      assert.match(built.stdout, /Step 4\/4 : RUN --network=none[^\n]*\n ---> Running in [0-9a-f]{12}\n1\n/);
      const inImage = await run(['run', '--rm', tag, 'sh', '-c', 'ls -A /root; ls -d /scratch']);
      assert.equal(inImage.stdout, '');
      assert.match(inImage.stderr, /\/scratch: No such file or directory/);
      const history = (await api('GET', `/images/${tag}/history`)).json() as { CreatedBy: string }[];
      assert.ok(history.some((h) => h.CreatedBy.startsWith('--network=none /bin/sh -c ')), JSON.stringify(history));
      assert.ok(history.some((h) => h.CreatedBy.includes(`--mount=type=cache,target=/root/.cache/tool,id=${id}`)), JSON.stringify(history));
      // Build prune removes the cache directories no build uses.
      const pruned = (await api('POST', '/build/prune')).json() as { CachesDeleted: string[]; SpaceReclaimed: number };
      assert.ok(pruned.CachesDeleted.includes(createHash('sha256').update(id).digest('hex')), JSON.stringify(pruned));
      assert.ok(pruned.SpaceReclaimed >= 8, JSON.stringify(pruned));
      const again = await run(['build', '--no-cache', '-t', tag, ctx.dir]);
      assert.match(again.stdout, /Step 2\/4 : RUN --mount[^\n]*\n ---> Running in [0-9a-f]{12}\n1\n/, 'a fresh cache after the prune');
      await api('POST', '/build/prune');
    } finally {
      await run(['rmi', '-f', tag]);
      await ctx.cleanup();
    }
  });

  test(`${client}: RUN --mount=type=bind mounts context files read-only (rw: a throwaway copy), keyed in the cache by their content, leaving no trace`, async () => {
    const ctx = await makeContext({
      Dockerfile: [
        'FROM busybox',
        'WORKDIR /app',
        'RUN --mount=type=bind,source=req.txt,target=req.txt cat req.txt',
        'RUN --mount=type=bind,source=lib,target=/mnt/lib sh -c "ls /mnt/lib; touch /mnt/lib/x 2>/dev/null || echo read-only"',
        'RUN --mount=type=bind,target=/ctx,rw sh -c "echo x > /ctx/new && ls /ctx | tr \\"\\n\\" \\" \\""',
        '',
      ].join('\n'),
      'req.txt': 'one\ntwo\n',
      'lib/a.py': 'print(1)\n',
    });
    const tag = `${uniqueName('bindmount')}:v1`;
    try {
      const built = await run(['build', '--no-cache', '-t', tag, ctx.dir]);
      assert.equal(built.code, 0, built.stdout + built.stderr);
      assert.match(built.stdout, /Step 3\/5 : [^\n]*\n ---> Running in [0-9a-f]{12}\none\ntwo\n/);
      assert.match(built.stdout, /Step 4\/5 : [^\n]*\n ---> Running in [0-9a-f]{12}\na\.py\nread-only\n/);
      assert.match(built.stdout, /Step 5\/5 : [^\n]*\n ---> Running in [0-9a-f]{12}\nDockerfile lib new req\.txt /);
      assert.ok(!existsSync(join(ctx.dir, 'new')), 'the context is not written');
      const inImage = await run(['run', '--rm', tag, 'sh', '-c', 'ls -A /app; ls /mnt /ctx 2>&1 | wc -l']);
      assert.equal(inImage.stdout, '2\n', 'no mount points left in the layers');
      const cached = await run(['build', '-t', tag, ctx.dir]);
      assert.equal((cached.stdout.match(/Using cache/g) ?? []).length, 4, cached.stdout);
      await writeFile(join(ctx.dir, 'req.txt'), 'three\n');
      const changed = await run(['build', '-t', tag, ctx.dir]);
      assert.match(changed.stdout, /Step 3\/5 : [^\n]*\n ---> Running in [0-9a-f]{12}\nthree\n/, 'a changed source misses the cache');
    } finally {
      await run(['rmi', '-f', tag]);
      await ctx.cleanup();
    }
  });

  test(`${client}: Dockerfile errors: syntax, missing source, missing base image`, async () => {
    const ctx = await makeContext({ Dockerfile: 'FROM busybox\nRUNN echo\n', 'Missing.Dockerfile': 'FROM busybox\nCOPY nope.txt /\n', 'Base.Dockerfile': 'FROM no-such-image-here\n' });
    try {
      const syntax = await run(['build', ctx.dir]);
      assert.notEqual(syntax.code, 0);
      assert.match(syntax.stderr, /dockerfile parse error line 2 of Dockerfile: unknown instruction: RUNN/);
      const missing = await run(['build', '-f', join(ctx.dir, 'Missing.Dockerfile'), ctx.dir]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope\.txt: file does not exist/);
      const base = await run(['build', '-f', join(ctx.dir, 'Base.Dockerfile'), ctx.dir]);
      assert.notEqual(base.code, 0);
      // A base image not here is pulled, as dockerd's builder does: here its registry cannot be reached.
      assert.match(base.stderr, /registry-1\.docker\.io|pull access denied for no-such-image-here/);
    } finally {
      await ctx.cleanup();
    }
  });

  test(`${client}: multi-stage with --from and --target, -f outside the context, labels, --iidfile`, async () => {
    const repo = uniqueName('stages');
    const ctx = await makeContext({ 'src.txt': 'source\n' });
    const outside = await makeContext({
      'Build.Dockerfile': [
        'ARG BASE=busybox',
        'FROM $BASE AS builder',
        'COPY src.txt /work/',
        'RUN tr a-z A-Z < /work/src.txt > /work/out.txt',
        'FROM scratch AS final',
        'COPY --from=builder /work/out.txt /result.txt',
        'FROM busybox AS test',
        'COPY --from=final /result.txt /r.txt',
        'CMD ["cat", "/r.txt"]',
        'FROM busybox AS never',
        'RUN false',
        '',
      ].join('\n'),
    });
    const iid = join(outside.dir, 'iid');
    try {
      const b = await run(['build', '-f', join(outside.dir, 'Build.Dockerfile'), '--target', 'test', '--label', 'stage=test', '--iidfile', iid, '-t', repo, ctx.dir]);
      assert.equal(b.code, 0, b.stderr + b.stdout);
      assert.doesNotMatch(b.stdout, /RUN false/);
      assert.equal((await run(['run', '--rm', repo])).stdout, 'SOURCE\n');
      const id = (await run(['image', 'inspect', '--format', '{{.Id}} {{index .Config.Labels "stage"}}', repo])).stdout;
      assert.equal(id, `${await readFile(iid, 'utf8')} test\n`);
    } finally {
      await run(['rmi', repo]);
      await ctx.cleanup();
      await outside.cleanup();
    }
  });
}

test('COPY and ADD never read outside the context nor write outside the image root', async () => {
  const run = CLIENTS[0].run;
  const repo = uniqueName('confined');
  const marker = `/tmp/${uniqueName('berth-escape')}`;
  const ctx = await makeContext({ 'ok.txt': 'ok\n', 'evil/x': 'x\n' });
  try {
    await symlink('/etc', join(ctx.dir, 'etc-link'));
    // An archive whose entries climb out of the destination.
    const climb = await runCommand('tar', ['-cf', join(ctx.dir, 'climb.tar'), '-C', ctx.dir, '--transform', `s,^ok.txt,../../../..${marker},`, 'ok.txt']);
    assert.equal(climb.code, 0, climb.stderr);
    // An archive that makes a symlink out and then writes through it.
    const stage = join(ctx.dir, 'stage');
    await mkdir(stage);
    await symlink('/tmp', join(stage, 'out'));
    await writeFile(join(ctx.dir, 'payload'), 'pwned\n');
    const through = await runCommand('tar', ['-cf', join(ctx.dir, 'through.tar'), '-C', stage, 'out', '-C', ctx.dir, '--transform', `s,^payload,out/${marker.slice(5)},`, 'payload']);
    assert.equal(through.code, 0, through.stderr);
    const cases: [string, RegExp][] = [
      ['COPY ../../etc/passwd /x', /forbidden path outside the build context/],
      ['COPY etc-link/passwd /x', /file not found in build context/],
      ['ADD climb.tar /opt/', /escapes the destination/],
      ['ADD through.tar /opt/', /goes through symlink/],
    ];
    for (const [line, re] of cases) {
      await writeFile(join(ctx.dir, 'Dockerfile'), `FROM busybox\n${line}\n`);
      const r = await run(['build', ctx.dir]);
      assert.notEqual(r.code, 0, `${line}: ${r.stdout}`);
      assert.match(r.stderr, re, line);
      assert.equal(existsSync(marker), false, line);
    }
    // A symlink in the image at the destination is followed inside the image's root, not the host's.
    await writeFile(join(ctx.dir, 'Dockerfile'), `FROM busybox\nRUN ln -s ${dirname(marker)} /dest && ln -s ../../../.. /up\nCOPY ok.txt /dest/${marker.slice(5)}\nCOPY ok.txt /up/tmp/second\n`);
    const r = await run(['build', '-t', repo, ctx.dir]);
    assert.equal(r.code, 0, r.stderr);
    const seen = await run(['run', '--rm', repo, 'cat', marker, `/dest/${marker.slice(5)}`, '/tmp/second']);
    assert.equal(seen.stdout, 'ok\nok\nok\n', seen.stderr);
    assert.equal(existsSync(marker), false);
  } finally {
    await run(['rmi', repo]);
    await rm(marker, { force: true });
    await ctx.cleanup();
  }
});

test('build from a tar on stdin and from a Dockerfile on stdin', async () => {
  const run = CLIENTS[0].run;
  const ctx = await makeContext({ Dockerfile: 'FROM busybox\nCOPY a.txt /\nCMD ["cat", "/a.txt"]\n', 'a.txt': 'from tar\n' });
  const repo = uniqueName('stdin');
  try {
    const packed = (await execFileAsync('tar', ['-czf', '-', '-C', ctx.dir, '.'], { encoding: 'buffer' })).stdout;
    for (const c of CLIENTS) {
      const b = await c.run(['build', '-t', repo, '-'], { input: packed });
      assert.equal(b.code, 0, `${c.name}: ${b.stderr}`);
      assert.equal((await c.run(['run', '--rm', repo])).stdout, 'from tar\n');
    }
    const plain = await run(['build', '-q', '-t', `${repo}:df`, '-'], { input: 'FROM busybox\nCMD ["echo", "from stdin"]\n' });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal((await run(['run', '--rm', `${repo}:df`])).stdout, 'from stdin\n');
  } finally {
    await run(['rmi', repo, `${repo}:df`]);
    await ctx.cleanup();
  }
});

test('a build whose client goes away stops its RUN and leaves no container', async () => {
  const ctx = await makeContext({ Dockerfile: `FROM busybox\nRUN echo ${uniqueName('started')}; sleep 60\n` });
  try {
    for (const c of CLIENTS) {
      const argv = c.name === 'berth' ? [BERTH_BIN] : [DOCKER_BIN];
      const child = spawn(argv[0]!, [...argv.slice(1), 'build', '--no-cache', ctx.dir], {
        env: { ...process.env, BERTH_HOST: SHARED_HOST, DOCKER_HOST: SHARED_HOST },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const running = new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = / ---> Running in ([0-9a-f]{12})\n[^\n]*started/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', () => reject(new Error(`build ended early: ${out}`)));
      });
      const id = await running;
      child.kill('SIGINT');
      const deadline = Date.now() + 15_000;
      let left = true;
      while (left && Date.now() < deadline) {
        left = (await c.run(['ps', '-aq'])).stdout.split('\n').includes(id);
        if (left) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(left, false, `${c.name}: container ${id} is left`);
    }
  } finally {
    await ctx.cleanup();
  }
});

test('reproducible: with SOURCE_DATE_EPOCH, two cold builds (rmi between) give the same image ID', async () => {
  const run = CLIENTS[0].run;
  const repo = uniqueName('repro');
  const ctx = await makeContext({
    'f.txt': 'data\n',
    Dockerfile: 'FROM busybox\nWORKDIR /app\nCOPY f.txt .\nRUN mkdir -p out && echo built > out/x && touch /etc/newfile\nENV A=1\n',
  });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const b = await run(['build', '-q', '--no-cache', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '-t', repo, ctx.dir]);
      assert.equal(b.code, 0, b.stderr);
      ids.push(b.stdout.trim());
      const created = await run(['image', 'inspect', '--format', '{{.Created}}', repo]);
      assert.equal(created.stdout.trim(), '2023-11-14T22:13:20Z');
      assert.equal((await run(['rmi', repo])).code, 0);
      // Let a second pass by, so unclamped times would differ.
      await new Promise((r) => setTimeout(r, 1100));
    }
    assert.equal(ids[0], ids[1]);
  } finally {
    await run(['rmi', repo]);
    await ctx.cleanup();
  }
});

test('heredocs: RUN <<EOF runs the document, COPY <<EOF writes it as a file', async () => {
  const run = CLIENTS[1].run;
  const repo = uniqueName('heredoc');
  const ctx = await makeContext({
    Dockerfile: ['FROM busybox', 'RUN <<EOF', 'echo one > /one.txt', 'echo two >> /one.txt', 'EOF', 'COPY <<EOF /etc/motd', 'welcome $USER', 'EOF', 'CMD ["cat", "/one.txt", "/etc/motd"]', ''].join('\n'),
  });
  try {
    const b = await run(['build', '-t', repo, ctx.dir]);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    assert.equal((await run(['run', '--rm', repo])).stdout, 'one\ntwo\nwelcome $USER\n');
  } finally {
    await run(['rmi', repo]);
    await ctx.cleanup();
  }
});

test('--explain-cache says which file and which build arg made a step miss', async () => {
  const run = CLIENTS[0].run;
  const repo = uniqueName('explain');
  const ctx = await makeContext({
    // The label makes this run's chain its own: leftovers of a killed run cannot serve its cache.
    Dockerfile: ['FROM busybox', `LABEL run=${repo}`, 'ARG FLAVOUR', 'RUN echo $FLAVOUR > /flavour', 'COPY src/ /app/', 'CMD ["ls", "/app"]', ''].join('\n'),
    'src/main.sh': 'echo main\n',
    'src/util.sh': 'echo util\n',
  });
  const builds: RunResult[] = [];
  const build = async (args: string[]): Promise<RunResult> => {
    const r = await run(['build', ...args, '-t', repo, ctx.dir]);
    builds.push(r);
    return r;
  };
  try {
    const first = await build(['--build-arg', 'FLAVOUR=plain']);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    await writeFile(join(ctx.dir, 'src/util.sh'), 'echo util v2\n');
    const fileChanged = await build(['--explain-cache', '--build-arg', 'FLAVOUR=plain']);
    assert.equal(fileChanged.code, 0, fileChanged.stderr + fileChanged.stdout);
    assert.match(fileChanged.stdout, /Step 5\/6 : COPY src\/ \/app\/\n ---> Cache miss: files copied by COPY \/app\/ differ: changed: app\/util\.sh\n/);
    assert.equal(fileChanged.stdout.match(/Using cache/g)?.length, 3, fileChanged.stdout);
    const argChanged = await build(['--explain-cache', '--build-arg', 'FLAVOUR=spicy']);
    assert.match(argChanged.stdout, /Step 4\/6 : RUN echo \$FLAVOUR > \/flavour\n ---> Cache miss: build arg FLAVOUR changed: "plain" -> "spicy"\n/);
    const plain = await build(['--build-arg', 'FLAVOUR=spicy']);
    assert.doesNotMatch(plain.stdout, /Cache miss/);
  } finally {
    // Each rebuild left the previous image untagged: remove them all, with their step images.
    const ids = builds.map((b) => /Successfully built ([0-9a-f]{12})/.exec(b.stdout)?.[1]).filter((id) => id !== undefined);
    await run(['rmi', repo, ...new Set(ids)]);
    await ctx.cleanup();
  }
});

test('history prints what the docker CLI prints: tables, -q, --no-trunc, json rows sorted and HTML-escaped', async () => {
  const repo = uniqueName('hist');
  const ctx = await makeContext({ Dockerfile: 'FROM busybox\nENV A=1\nRUN echo x > /y\n' });
  try {
    const b = await berth(['build', '-t', repo, ctx.dir]);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    // Exact times and sizes: the relative ones could tick between the two commands.
    const variants = [['-H=false'], ['-H=false', '--no-trunc'], ['-q'], ['image', '-q'], ['-H=false', '--format', 'json'], ['-H=false', '--format', '{{json .}}'], ['--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}']];
    for (const v of variants) {
      const args = v[0] === 'image' ? ['image', 'history', ...v.slice(1), repo] : ['history', ...v, repo];
      const [mine, theirs] = await Promise.all([berth(args), docker(args)]);
      assert.equal(mine.code, 0, mine.stderr);
      assert.equal(mine.stdout, theirs.stdout, args.join(' '));
    }
    assert.match((await berth(['history', repo])).stdout, /^IMAGE {10}CREATED +CREATED BY +SIZE +COMMENT\n[0-9a-f]{12} {3}(Less than a second|\d+ seconds?) ago +\/bin\/sh -c echo x > \/y +2B +\n/);
    assert.match((await berth(['history', '-H=false', '--format', 'json', repo])).stdout, /"CreatedBy":"\/bin\/sh -c echo x \\u003e \/y"/);
  } finally {
    await berth(['rmi', '-f', repo]);
    await ctx.cleanup();
  }
});

const inspectId = async (ref: string): Promise<string> => ((await api('GET', `/images/${ref}/json`)).json() as { Id: string }).Id;

test("image metadata as dockerd's classic builder records it: default PATH, MAINTAINER, EXPOSE ranges, WORKDIR's layer, HEALTHCHECK and RUN's build args in history, whose entries name their step images", async () => {
  const run = CLIENTS[1].run;
  const repo = uniqueName('meta');
  const ctx = await makeContext({
    Dockerfile: [
      'FROM busybox',
      `LABEL run=${repo}`,
      'MAINTAINER Jane Doe <jane@example.com>',
      'ENV PATH=/opt/bin:$PATH',
      'ARG A=1',
      'ARG B=2',
      'ENV B=env',
      'WORKDIR /tmp',
      'WORKDIR /w/x',
      'RUN echo "$A $B" > /ab',
      'RUN true',
      'EXPOSE 8000-8002 53/udp',
      'HEALTHCHECK --interval=1m30s --timeout=3s --retries=4 CMD wget -q localhost || exit 1',
      '',
    ].join('\n'),
  });
  try {
    const b = await run(['build', '-t', repo, ctx.dir]);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    const inspect = await run(['image', 'inspect', '--format', '{{.Author}}|{{json .Config.Env}}|{{json .Config.ExposedPorts}}|{{len .RootFS.Layers}}', repo]);
    // busybox's layer, the new WORKDIR's and the first RUN's: a RUN that changed nothing, or a
    // WORKDIR the image has, adds none.
    assert.equal(
      inspect.stdout,
      'Jane Doe <jane@example.com>|["PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","B=env"]|{"53/udp":{},"8000/tcp":{},"8001/tcp":{},"8002/tcp":{}}|3\n',
    );
    assert.equal((await run(['run', '--rm', repo, 'cat', '/ab'])).stdout, '1 env\n');
    const hist = (await run(['history', '--no-trunc', '--format', '{{.CreatedBy}}\t{{.Size}}', repo])).stdout.split('\n');
    assert.deepEqual(hist.slice(0, 3), [
      `/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "wget -q localhost || exit 1"] "1m30s" "3s" "0s" "0s" '\\x04'}\t0B`,
      '/bin/sh -c #(nop)  EXPOSE 53/udp 8000-8002\t0B',
      '|1 A=1 /bin/sh -c true\t0B',
    ]);
    assert.match(hist[3]!, /^\|1 A=1 \/bin\/sh -c echo "\$A \$B" > \/ab\t\d/);
    assert.deepEqual(hist.slice(4, 6), ['/bin/sh -c #(nop) WORKDIR /w/x\t0B', '/bin/sh -c #(nop) WORKDIR /tmp\t0B']);
    assert.equal(hist[9], '/bin/sh -c #(nop)  ENV PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\t0B');
    assert.equal(hist[10], '/bin/sh -c #(nop)  MAINTAINER Jane Doe <jane@example.com>\t0B');
    // As dockerd: each entry names the image its step made (the parent chain), down to busybox's.
    const ids = (await api('GET', `/images/${repo}/history`)).json() as { Id: string; Tags: string[] | null }[];
    const parent = (ref: string) => api('GET', `/images/${ref}/json`).then((r) => (r.json() as { Parent: string }).Parent);
    assert.equal(ids[1]!.Id, await parent(repo));
    assert.equal(ids[2]!.Id, await parent(ids[1]!.Id));
    assert.deepEqual(ids.at(-1), { ...ids.at(-1), Id: (await inspectId('busybox')), Tags: ['busybox:latest'] });
    assert.deepEqual([ids[0]!.Tags, ids[1]!.Tags], [[`${repo}:latest`], null]);
    assert.ok(ids.every((h) => h.Id !== '<missing>'), JSON.stringify(ids));
    // The image holds the directories (a container not yet started has them).
    const ctr = uniqueName('meta-ctr');
    try {
      assert.equal((await run(['create', '--name', ctr, repo])).code, 0);
      const cp = await run(['cp', `${ctr}:/w`, '-']);
      assert.equal(cp.code, 0, cp.stderr);
      assert.match(cp.stdout, /^w\/\0/);
      assert.match(cp.stdout, /w\/x\/\0/);
    } finally {
      await run(['rm', '-f', ctr]);
    }
  } finally {
    await run(['rmi', repo]);
    await ctx.cleanup();
  }
});
