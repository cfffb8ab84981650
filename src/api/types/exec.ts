/** Exec wire types (swagger v1.50 `ExecConfig`, `ExecStartConfig`, `ExecInspectResponse`). */

/** Body of `POST /containers/{id}/exec`. */
export interface ExecCreateRequest {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  /** `[height, width]`. */
  ConsoleSize?: [number, number] | null;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[] | null;
  Cmd: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

/** `201` body of exec create. */
export interface ExecCreateResponse {
  Id: string;
}

/** Body of `POST /exec/{id}/start`. */
export interface ExecStartRequest {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

export interface ExecProcessConfig {
  privileged: boolean;
  user: string;
  tty: boolean;
  entrypoint: string;
  arguments: string[];
}

/** `GET /exec/{id}/json`. `ExitCode` is null while running. */
export interface ExecInspect {
  CanRemove: boolean;
  DetachKeys: string;
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: ExecProcessConfig;
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  ContainerID: string;
  Pid: number;
}
