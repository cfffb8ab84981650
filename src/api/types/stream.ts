/** JSON progress messages (pull, push, build, load, import): newline-delimited objects. */

export interface JsonProgress {
  current?: number;
  total?: number;
  start?: number;
  hidecounts?: boolean;
  units?: string;
}

export interface JsonError {
  code?: number;
  message: string;
}

/** One line of a JSON message stream; every field is optional and omitted when empty. */
export interface JsonMessage {
  stream?: string;
  status?: string;
  progressDetail?: JsonProgress;
  /** Pre-rendered progress bar (deprecated). */
  progress?: string;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  errorDetail?: JsonError;
  /** Same text as errorDetail.message (deprecated). */
  error?: string;
  aux?: Record<string, unknown>;
}

/** Multiplexed attach/logs frame stream types (first byte of the 8-byte header). */
export const StreamType = { Stdin: 0, Stdout: 1, Stderr: 2, SystemErr: 3 } as const;
export type StreamType = (typeof StreamType)[keyof typeof StreamType];
