import { notFound } from '../core/errors.js';
import type { Logger } from '../logging.js';
import type { DeviceRecord } from '../storage/devices.js';
import type { DeviceListService } from './device-lists.js';
import type { AuthSubmission, UserInteractiveAuth } from './uia.js';

/** What the device service needs of the accounts and device stores. */
export interface DeviceDirectory {
  listDevices(userId: string): Promise<DeviceRecord[]>;
  getDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined>;
  renameDevice(userId: string, deviceId: string, displayName: string): Promise<boolean>;
  /** Deletes the device and its access tokens; e2ee clean-up follows through the device observer. */
  deleteDevice(userId: string, deviceId: string): Promise<void>;
}

export interface DeviceInfo {
  device_id: string;
  display_name?: string;
  last_seen_ip?: string;
  last_seen_ts?: number;
}

export interface DeviceServiceDeps {
  devices: DeviceDirectory;
  deviceLists: DeviceListService;
  uia: UserInteractiveAuth;
  logger: Logger;
}

/** /devices and /delete_devices: listing, renaming and deleting a user's devices. */
export class DeviceService {
  constructor(private readonly deps: DeviceServiceDeps) {}

  async list(userId: string): Promise<DeviceInfo[]> {
    return (await this.deps.devices.listDevices(userId)).map(toDeviceInfo);
  }

  async get(userId: string, deviceId: string): Promise<DeviceInfo> {
    const device = await this.deps.devices.getDevice(userId, deviceId);
    if (!device) throw notFound(`You have no device ${deviceId}.`);
    return toDeviceInfo(device);
  }

  /** Renames the device; its new name reaches other users through device_lists. */
  async rename(userId: string, deviceId: string, displayName: string | undefined): Promise<void> {
    const device = await this.deps.devices.getDevice(userId, deviceId);
    if (!device) throw notFound(`You have no device ${deviceId}.`);
    if (displayName === undefined || displayName === device.displayName) return;
    await this.deps.devices.renameDevice(userId, deviceId, displayName);
    await this.deps.deviceLists.markChanged(userId);
  }

  /** Deletes devices after user-interactive auth; ids the user does not have are skipped. */
  async delete(userId: string, deviceIds: readonly string[], auth: AuthSubmission | undefined): Promise<void> {
    await this.deps.uia.require(userId, 'delete-devices', auth);
    for (const deviceId of deviceIds) {
      if (!(await this.deps.devices.getDevice(userId, deviceId))) continue;
      await this.deps.devices.deleteDevice(userId, deviceId);
      this.deps.logger.info({ userId, deviceId }, 'device deleted');
    }
  }
}

function toDeviceInfo(device: DeviceRecord): DeviceInfo {
  return {
    device_id: device.deviceId,
    ...(device.displayName !== null ? { display_name: device.displayName } : {}),
    ...(device.lastSeenIp !== null ? { last_seen_ip: device.lastSeenIp } : {}),
    ...(device.lastSeenTs !== null ? { last_seen_ts: device.lastSeenTs } : {}),
  };
}
