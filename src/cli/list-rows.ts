/**
 * The row values docker/cli's `ps`, `images` and `history` formatters expose to templates (`{{.ID}}`,
 * `{{.RunningFor}}`…), computed from API summaries. Pure: `nowMs` is passed in.
 */
import type { ContainerSummary, Port } from '../api/types/container.js';
import type { HistoryItem, ImageSummary } from '../api/types/image.js';
import { humanDuration } from '../lib/human-units.js';
import { humanSize } from './format/units.js';

export const CONTAINER_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
};

export const IMAGE_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
};

/** Cuts to `max` characters, the last being `…`, as docker/cli's Ellipsis. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return `${chars.slice(0, max - 1).join('')}…`;
}

/** Go's strconv.Quote for the printable text docker shows. */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

const shortHex = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/** A unix time's local date (`2024-01-02`), clock (`15:04:05`) and zone offset (minutes east of UTC). */
function localClock(unixSeconds: number): { date: string; clock: string; offsetMin: number; pad: (n: number) => string } {
  const d = new Date(unixSeconds * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    clock: `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    offsetMin: -d.getTimezoneOffset(),
    pad,
  };
}

/** Go's time.Time.String() for a unix time in the local zone: `2024-01-02 15:04:05 +0000 UTC`. */
export function goTimeString(unixSeconds: number): string {
  const { date, clock, offsetMin, pad } = localClock(unixSeconds);
  const abs = Math.abs(offsetMin);
  const offset = `${offsetMin >= 0 ? '+' : '-'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  return `${date} ${clock} ${offset} ${offsetMin === 0 ? 'UTC' : offset}`;
}

/** Go's time.Format(time.RFC3339) of a unix time in the local zone: `2024-01-02T15:04:05Z`, `…+01:00`. */
export function rfc3339(unixSeconds: number): string {
  const { date, clock, offsetMin, pad } = localClock(unixSeconds);
  const abs = Math.abs(offsetMin);
  return `${date}T${clock}${offsetMin === 0 ? 'Z' : `${offsetMin > 0 ? '+' : '-'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`}`;
}

export const HISTORY_HEADERS: Record<string, string> = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/**
 * `history`'s rows as docker/cli's history formatter makes them: 12-hex IDs and the step cut to
 * 45 characters unless `trunc` is off; without `human`, RFC 3339 times and sizes in bytes.
 */
export function historyRows(items: readonly HistoryItem[], opts: { trunc: boolean; human: boolean; nowMs: number }): Record<string, string>[] {
  return items.map((h) => {
    const createdBy = h.CreatedBy.replace(/\t/g, ' ');
    const createdAt = rfc3339(h.Created);
    return {
      ID: opts.trunc ? h.Id.replace(/^[^:]*:/, '').slice(0, 12) : h.Id,
      CreatedAt: createdAt,
      CreatedSince: opts.human ? `${humanDuration(opts.nowMs - h.Created * 1000)} ago` : createdAt,
      CreatedBy: opts.trunc ? ellipsis(createdBy, 45) : createdBy,
      Size: opts.human ? humanSize(h.Size, 3) : String(h.Size),
      Comment: h.Comment,
    };
  });
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The PORTS column: published mappings and exposed ports, consecutive ports collapsed to ranges. */
export function displayablePorts(ports: readonly Port[]): string {
  const sorted = [...ports].sort((a, b) => {
    if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
    if ((a.IP ?? '') !== (b.IP ?? '')) return (a.IP ?? '') < (b.IP ?? '') ? -1 : 1;
    if ((a.PublicPort ?? 0) !== (b.PublicPort ?? 0)) return (a.PublicPort ?? 0) - (b.PublicPort ?? 0);
    return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
  });
  interface Group {
    ip: string;
    type: string;
    first: number;
    last: number;
  }
  const groups = new Map<string, Group>();
  const order: string[] = [];
  const result: string[] = [];
  const mappings: string[] = [];
  const render = (g: Group): string => {
    const range = g.first === g.last ? `${g.first}` : `${g.first}-${g.last}`;
    const ipText = g.ip.includes(':') ? `[${g.ip}]` : g.ip;
    return `${g.ip === '' ? range : `${ipText}:${range}->${range}`}/${g.type}`;
  };
  for (const port of sorted) {
    const ip = port.IP ?? '';
    if (ip !== '' && port.PublicPort !== port.PrivatePort) {
      mappings.push(`${hostPort(ip, port.PublicPort ?? 0)}->${port.PrivatePort}/${port.Type}`);
      continue;
    }
    const key = `${ip}/${port.Type}`;
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, { ip, type: port.Type, first: port.PrivatePort, last: port.PrivatePort });
      order.push(key);
    } else if (port.PrivatePort === g.last + 1) {
      g.last = port.PrivatePort;
    } else {
      result.push(render(g));
      groups.set(key, { ip, type: port.Type, first: port.PrivatePort, last: port.PrivatePort });
    }
  }
  for (const key of order) {
    const g = groups.get(key);
    if (g !== undefined) result.push(render(g));
  }
  return [...result, ...mappings].join(', ');
}

function joinLabels(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** A row for `ps` templates. `trunc` is false with `--no-trunc`. */
export function containerRow(c: ContainerSummary, opts: { trunc: boolean; nowMs: number }): Record<string, string> {
  const { trunc } = opts;
  let image = c.Image;
  if (trunc) {
    if (image === c.ImageID || image.startsWith('sha256:')) image = shortHex(image);
    else if (image.includes('@')) image = image.slice(0, image.indexOf('@'));
  }
  const names = c.Names.map((n) => n.replace(/^\//, '')).filter((n) => !trunc || !n.includes('/'));
  // As docker/cli: sizes the daemon did not compute read as 0B.
  const rw = humanSize(c.SizeRw ?? 0, 3);
  const size = (c.SizeRootFs ?? 0) > 0 ? `${rw} (virtual ${humanSize(c.SizeRootFs ?? 0, 3)})` : rw;
  const volumes = c.Mounts.filter((m) => m.Type === 'volume').length;
  return {
    ID: trunc ? shortHex(c.Id) : c.Id,
    Image: image,
    Command: goQuote(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: goTimeString(c.Created),
    RunningFor: `${humanDuration(opts.nowMs - c.Created * 1000)} ago`,
    Ports: displayablePorts(c.Ports),
    State: c.State,
    Status: c.Status,
    Size: size,
    Names: names.join(','),
    Labels: joinLabels(c.Labels),
    Mounts: c.Mounts.map((m) => (trunc ? ellipsis(m.Name ?? m.Source, 15) : (m.Name ?? m.Source))).join(','),
    LocalVolumes: String(volumes),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(','),
  };
}

/** Rows for `images`: one per tag (or per digest for untagged images), `<none>` where missing. */
export function imageRows(
  images: readonly ImageSummary[],
  opts: { trunc: boolean; nowMs: number; showDangling?: boolean },
): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  for (const img of images) {
    const base = {
      ID: opts.trunc ? shortHex(img.Id) : img.Id,
      CreatedSince: `${humanDuration(opts.nowMs - img.Created * 1000)} ago`,
      CreatedAt: goTimeString(img.Created),
      Size: humanSize(img.Size, 3),
      VirtualSize: humanSize(img.VirtualSize ?? img.Size, 3),
      SharedSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.SharedSize, 3),
      UniqueSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.Size - img.SharedSize, 3),
      Containers: img.Containers < 0 ? 'N/A' : String(img.Containers),
    };
    const tags = img.RepoTags ?? [];
    const digests = img.RepoDigests ?? [];
    const repoOf = (ref: string, sep: string): string => ref.slice(0, ref.lastIndexOf(sep));
    const digestFor = (repo: string): string => {
      const d = digests.find((x) => repoOf(x, '@') === repo);
      return d === undefined ? '<none>' : d.slice(d.lastIndexOf('@') + 1);
    };
    const tagged = tags.filter((t) => t !== '<none>:<none>');
    if (tagged.length > 0) {
      for (const t of tagged) {
        const colon = t.lastIndexOf(':');
        const repo = t.slice(0, colon);
        rows.push({ Repository: repo, Tag: t.slice(colon + 1), Digest: digestFor(repo), ...base });
      }
      continue;
    }
    const realDigests = digests.filter((d) => d !== '<none>@<none>');
    if (realDigests.length > 0) {
      for (const d of realDigests) {
        rows.push({ Repository: repoOf(d, '@'), Tag: '<none>', Digest: d.slice(d.lastIndexOf('@') + 1), ...base });
      }
      continue;
    }
    rows.push({ Repository: '<none>', Tag: '<none>', Digest: '<none>', ...base });
  }
  return rows;
}
