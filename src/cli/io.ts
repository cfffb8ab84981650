/** What a command may touch of the outside world; injected so commands run in-process in tests. */
export interface CliStdin extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface CliStdout extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** `process` satisfies this; tests pass a fake to raise signals. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface CliIo {
  stdin: CliStdin;
  stdout: CliStdout;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  signals?: SignalSource;
}

export interface TerminalSize {
  height: number;
  width: number;
}

/** The terminal's size, when stdout is one. */
export function terminalSize(io: CliIo): TerminalSize | undefined {
  const { rows, columns } = io.stdout;
  return io.stdout.isTTY === true && rows !== undefined && columns !== undefined && rows > 0 && columns > 0
    ? { height: rows, width: columns }
    : undefined;
}
