import { spawnSync } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { FrameDemuxer } from '../api/client/frame-demuxer.js';
import { DetachKeyScanner, parseDetachKeys, DEFAULT_DETACH_KEYS } from './detach-keys.js';
import type { CliIo } from './io.js';
import { terminalSize } from './io.js';

export interface AttachSessionOptions {
  io: CliIo;
  /** The hijacked connection of an attach or exec start. */
  socket: Duplex;
  /** The container/exec has a TTY: output is raw, not multiplexed. */
  tty: boolean;
  /** Forward our stdin into the session. */
  stdin: boolean;
  detachKeys?: string;
}

export type AttachOutcome = 'ended' | 'detached';

/**
 * What docker's `attach` and `exec` do after the detach keys: report the escape as an error and
 * exit 1 (`run` and `start -a` detach quietly with 0).
 */
export function reportDetach(io: CliIo): number {
  io.stderr.write('read escape sequence\n');
  return 1;
}

/**
 * Streams a hijacked session: output to stdout/stderr (demultiplexed unless TTY), stdin to the
 * socket (half-closing it at EOF while output continues), the terminal in raw mode with a TTY and
 * stdin, and client-side detach keys. Resolves when the daemon closes the stream or the user detaches;
 * the terminal is restored in every case.
 */
export function runAttachSession(opts: AttachSessionOptions): Promise<AttachOutcome> {
  const { io, socket } = opts;
  const keys = parseDetachKeys(opts.detachKeys ?? DEFAULT_DETACH_KEYS);
  return new Promise<AttachOutcome>((resolve, reject) => {
    let finished = false;
    const stdin = io.stdin;
    const rawMode = opts.tty && opts.stdin && stdin.isTTY === true && typeof stdin.setRawMode === 'function';
    const cleanups: (() => void)[] = [];
    const finish = (outcome: AttachOutcome | Error): void => {
      if (finished) return;
      finished = true;
      for (const c of cleanups.reverse()) c();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };

    if (opts.tty) {
      const onData = (chunk: Buffer): void => void io.stdout.write(chunk);
      socket.on('data', onData);
      cleanups.push(() => socket.off('data', onData));
    } else {
      const demuxer = new FrameDemuxer((stream, payload) => {
        if (stream === 'stderr') io.stderr.write(payload);
        else if (stream === 'system') finish(new Error(payload.toString()));
        else io.stdout.write(payload);
      });
      const onData = (chunk: Buffer): void => {
        try {
          demuxer.push(chunk);
        } catch (e) {
          finish(e as Error);
        }
      };
      socket.on('data', onData);
      cleanups.push(() => socket.off('data', onData));
    }
    const onEnd = (): void => finish('ended');
    const onError = (e: Error): void => finish(e);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    cleanups.push(() => {
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.destroy();
    });

    if (opts.stdin) {
      if (rawMode) {
        stdin.setRawMode?.(true);
        // libuv's raw mode keeps output post-processing (ONLCR), so the container's own "\r\n"
        // would reach the terminal as "\r\r\n"; docker's raw mode turns it off. setRawMode(false)
        // restores the terminal's original settings, this included.
        spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
        cleanups.push(() => void stdin.setRawMode?.(false));
      }
      const scanner = opts.tty ? new DetachKeyScanner(keys) : undefined;
      const onInput = (chunk: Buffer | string): void => {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (scanner !== undefined) {
          const { forward, detached } = scanner.feed(data);
          if (forward.length > 0 && socket.writable) socket.write(forward);
          if (detached) finish('detached');
          return;
        }
        if (socket.writable) socket.write(data);
      };
      // stdin EOF: half-close so the container sees EOF, and keep reading its output.
      const onInputEnd = (): void => {
        if (socket.writable) socket.end();
      };
      stdin.on('data', onInput);
      stdin.on('end', onInputEnd);
      stdin.resume();
      cleanups.push(() => {
        stdin.off('data', onInput);
        stdin.off('end', onInputEnd);
        stdin.pause();
      });
    }
  });
}

/**
 * Keeps the remote TTY's size in step with ours: an initial resize (retried briefly, as the process
 * may not have started yet) and one per SIGWINCH. Returns a function that stops watching.
 */
export function monitorTtySize(io: CliIo, resize: (height: number, width: number) => Promise<void>): () => void {
  const apply = async (): Promise<void> => {
    const size = terminalSize(io);
    if (size !== undefined) await resize(size.height, size.width);
  };
  void (async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await apply();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
      }
    }
    io.stderr.write('failed to resize tty, using default size\n');
  })();
  const onWinch = (): void => void apply().catch(() => undefined);
  io.signals?.on('SIGWINCH', onWinch);
  return () => void io.signals?.off('SIGWINCH', onWinch);
}

/** Signals `run`/`attach` forward to the container when sig-proxy is on (no TTY). */
const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Forwards signals we receive to the container via `kill`. Returns a function that stops. */
export function proxySignals(io: CliIo, kill: (signal: string) => Promise<void>): () => void {
  const handlers = PROXIED_SIGNALS.map((sig) => {
    const handler = (): void => void kill(sig.slice(3)).catch(() => undefined);
    io.signals?.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) io.signals?.off(sig, handler);
  };
}
