import { stat } from 'node:fs/promises';
import { invalidArgument } from '../lib/errors.js';
import { splitDev } from './host-devices.js';
import type { LinuxBlockDevice, LinuxBlockIO, LinuxThrottleDevice } from './spec/types.js';

export interface ThrottleSetting {
  Path: string;
  Rate: number;
}

/** HostConfig's block I/O settings (`--blkio-weight`, `--blkio-weight-device`, `--device-{read,write}-{bps,iops}`). */
export interface BlockIOSettings {
  BlkioWeight?: number;
  BlkioWeightDevice?: readonly { Path: string; Weight: number }[] | null;
  BlkioDeviceReadBps?: readonly ThrottleSetting[] | null;
  BlkioDeviceWriteBps?: readonly ThrottleSetting[] | null;
  BlkioDeviceReadIOps?: readonly ThrottleSetting[] | null;
  BlkioDeviceWriteIOps?: readonly ThrottleSetting[] | null;
}

/**
 * The runtime's linux.resources.blockIO for the settings, each device named by the numbers of
 * what its path holds, as dockerd does at start: a path that is no block device is left for the
 * kernel to refuse, a missing one fails here with dockerd's `stat` error.
 */
export async function blockIOResources(s: BlockIOSettings): Promise<LinuxBlockIO> {
  const numbers = async (path: string): Promise<LinuxBlockDevice> => {
    const st = await stat(path, { bigint: true }).catch((e: NodeJS.ErrnoException) => {
      throw invalidArgument('invalid_blkio_device', `stat ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    });
    return splitDev(st.rdev);
  };
  const throttle = async (list: readonly ThrottleSetting[] | null | undefined): Promise<LinuxThrottleDevice[]> =>
    Promise.all((list ?? []).map(async (d) => ({ ...(await numbers(d.Path)), rate: d.Rate })));
  const out: LinuxBlockIO = {};
  if (s.BlkioWeight) out.weight = s.BlkioWeight;
  const weightDevice = await Promise.all((s.BlkioWeightDevice ?? []).map(async (d) => ({ ...(await numbers(d.Path)), weight: d.Weight })));
  if (weightDevice.length > 0) out.weightDevice = weightDevice;
  const lists = [
    ['throttleReadBpsDevice', s.BlkioDeviceReadBps],
    ['throttleWriteBpsDevice', s.BlkioDeviceWriteBps],
    ['throttleReadIOPSDevice', s.BlkioDeviceReadIOps],
    ['throttleWriteIOPSDevice', s.BlkioDeviceWriteIOps],
  ] as const;
  for (const [key, list] of lists) {
    const devices = await throttle(list);
    if (devices.length > 0) out[key] = devices;
  }
  return out;
}
