import { errorMessage, invalidArgument } from '../../../lib/errors.js';
import type { Engine } from '../../../engine/engine.js';
import type { ExecInspect, ExecStartRequest } from '../../types/index.js';
import { frame, MULTIPLEXED, openClientStream, RAW_STREAM, readBody } from '../hijack.js';
import type { Router } from '../router.js';
import { sendEmpty, sendJson } from '../server.js';
import { intParam } from '../query.js';
import { pumpSession } from './containers.js';

export function execRoutes(router: Router, engine: Engine): void {
  const execs = engine.execs;

  router.add('POST', '/exec/{id}/start', async (ctx) => {
    const { body, rest } = await readBody(ctx);
    let req: ExecStartRequest = {};
    if (body.length > 0) {
      try {
        req = JSON.parse(body.toString('utf8')) as ExecStartRequest;
      } catch (e) {
        throw invalidArgument('invalid_json', `invalid JSON: ${(e as Error).message}`);
      }
    }
    const id = ctx.params['id'] ?? '';
    const rec = execs.get(id);
    if (req.ConsoleSize) rec.config.ConsoleSize = req.ConsoleSize;
    if (req.Detach === true) {
      await execs.start(id, { detach: true });
      sendEmpty(ctx, 200);
      return;
    }
    execs.checkStartable(id);
    // As dockerd: the response headers go out before the process starts. docker-py reads them
    // through a buffered reader and then reads the raw socket, so output sent along with the
    // headers would be lost.
    const client = openClientStream(ctx, rec.config.Tty ? RAW_STREAM : MULTIPLEXED, rest);
    let started;
    try {
      started = await execs.start(id, { detach: false });
    } catch (e) {
      // Also as dockerd: an error after the headers (e.g. the process could not be launched,
      // exit code 126/127 recorded) is reported inside the stream.
      const text = Buffer.from(`${errorMessage(e)}\r\n`);
      client.write(rec.config.Tty ? text : frame(1, text));
      client.end();
      return;
    }
    const { session, exited } = started;
    if (!session) {
      client.end();
      return;
    }
    // The client reads the exit code right after the stream ends: record it first.
    pumpSession(session, client, { closeStdinOnEof: true, done: exited });
  });

  router.add('POST', '/exec/{id}/resize', async (ctx) => {
    const h = intParam(ctx.query, 'h');
    const w = intParam(ctx.query, 'w');
    if (h === undefined || w === undefined) throw invalidArgument('invalid_size', 'invalid resize parameters');
    await execs.resize(ctx.params['id'] ?? '', h, w);
    sendEmpty(ctx, 200);
  });

  router.add('GET', '/exec/{id}/json', async (ctx) => {
    const e = execs.get(ctx.params['id'] ?? '');
    const [entrypoint = '', ...args] = e.config.Cmd;
    const body: ExecInspect = {
      CanRemove: false,
      DetachKeys: e.config.DetachKeys ?? '',
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: {
        tty: e.config.Tty === true,
        entrypoint,
        arguments: args,
        privileged: e.config.Privileged === true,
        user: e.config.User ?? '',
      },
      OpenStdin: e.config.AttachStdin === true,
      OpenStderr: e.config.AttachStderr === true,
      OpenStdout: e.config.AttachStdout === true,
      ContainerID: e.containerId,
      Pid: e.pid,
    };
    sendJson(ctx, 200, body);
  });
}
