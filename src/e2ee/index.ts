import type { Logger } from '../logging.js';
import type { Db } from '../storage/database.js';
import type { DeviceStore } from '../storage/devices.js';
import { DeviceListStore } from '../storage/e2ee-device-lists.js';
import { KeyBackupStore } from '../storage/e2ee-key-backup.js';
import { E2eeKeyStore } from '../storage/e2ee-keys.js';
import { ToDeviceStore } from '../storage/e2ee-to-device.js';
import { CrossSigningService } from './cross-signing.js';
import { DeviceListService, type DeviceListChanges, type E2eeNotifier } from './device-lists.js';
import { DeviceService } from './devices.js';
import { KeyBackupService } from './key-backup.js';
import { KeyService } from './keys.js';
import { ToDeviceService, type ToDeviceEvent } from './to-device.js';
import { UserInteractiveAuth, type PasswordChecker } from './uia.js';

export { UiaRequired, type PasswordChecker } from './uia.js';
export type { E2eeNotifier } from './device-lists.js';

export interface E2eeDeps {
  db: Db;
  /** The raw device store, for listing devices; deletions go through `deleteDevice`. */
  devices: DeviceStore;
  /** Deletes a device and its access tokens (the accounts service, which also drops cached tokens). */
  deleteDevice(userId: string, deviceId: string): Promise<void>;
  passwords: PasswordChecker;
  notifier: E2eeNotifier;
  serverName: string;
  logger: Logger;
}

/** What /sync reads for its end-to-end encryption sections. */
export interface E2eeSyncSource {
  toDevice(userId: string, deviceId: string, since: number | undefined, upTo: number): Promise<ToDeviceEvent[]>;
  deviceLists(userId: string, since: number, upTo: number): Promise<DeviceListChanges>;
  oneTimeKeyCounts(userId: string, deviceId: string): Promise<Record<string, number>>;
  unusedFallbackKeyTypes(userId: string, deviceId: string): Promise<string[]>;
}

export interface E2eeServices {
  /** User-interactive auth; the HTTP layer's SSO fallback page completes its `m.login.sso` stage. */
  uia: UserInteractiveAuth;
  keys: KeyService;
  crossSigning: CrossSigningService;
  deviceLists: DeviceListService;
  toDevice: ToDeviceService;
  backup: KeyBackupService;
  devices: DeviceService;
  sync: E2eeSyncSource;
  /**
   * Wraps the device store that the accounts service writes through, so that a new device and
   * every device deletion (logout included) reach device_lists and drop the device's keys.
   */
  observeDevices(store: DeviceStore): DeviceStore;
}

/** Builds the end-to-end encryption services over their stores. */
export function createE2eeServices(deps: E2eeDeps): E2eeServices {
  const logger = deps.logger.child({ component: 'e2ee' });
  const listDeviceIds = async (userId: string) => (await deps.devices.listDevices(userId)).map((device) => device.deviceId);
  const deviceLists = new DeviceListService(new DeviceListStore(deps.db), deps.notifier);
  const keyStore = new E2eeKeyStore(deps.db);
  const keys = new KeyService({ keys: keyStore, deviceLists, serverName: deps.serverName, logger });
  const uia = new UserInteractiveAuth(deps.passwords);
  const crossSigning = new CrossSigningService({ keys: keyStore, deviceLists, uia, listDeviceIds, logger });
  const toDevice = new ToDeviceService({ store: new ToDeviceStore(deps.db), notifier: deps.notifier, listDeviceIds, serverName: deps.serverName, logger });
  const backup = new KeyBackupService(new KeyBackupStore(deps.db));
  const devices = new DeviceService({
    devices: {
      listDevices: (userId) => deps.devices.listDevices(userId),
      getDevice: (userId, deviceId) => deps.devices.getDevice(userId, deviceId),
      renameDevice: (userId, deviceId, name) => deps.devices.renameDevice(userId, deviceId, name),
      deleteDevice: (userId, deviceId) => deps.deleteDevice(userId, deviceId),
    },
    deviceLists, uia, logger,
  });

  const deviceDeleted = async (userId: string, deviceIds: readonly string[]) => {
    for (const deviceId of deviceIds) {
      await toDevice.deviceDeleted(userId, deviceId);
      await keyStore.deleteDevice(userId, deviceId);
    }
    await deviceLists.markChanged(userId);
  };

  return {
    uia, keys, crossSigning, deviceLists, toDevice, backup, devices,
    sync: {
      toDevice: (userId, deviceId, since, upTo) => toDevice.forSync(userId, deviceId, since, upTo),
      deviceLists: (userId, since, upTo) => deviceLists.changesSince(userId, since, upTo),
      oneTimeKeyCounts: (userId, deviceId) => keys.oneTimeKeyCounts(userId, deviceId),
      unusedFallbackKeyTypes: (userId, deviceId) => keys.unusedFallbackKeyTypes(userId, deviceId),
    },
    observeDevices: (store) => observeDeviceChanges(store, {
      deviceCreated: (userId) => deviceLists.markChanged(userId),
      devicesDeleted: deviceDeleted,
    }),
  };
}

interface DeviceObserver {
  deviceCreated(userId: string, deviceId: string): Promise<void>;
  devicesDeleted(userId: string, deviceIds: readonly string[]): Promise<void>;
}

/** A view of the store whose device creations and deletions also notify the observer. */
function observeDeviceChanges(store: DeviceStore, observer: DeviceObserver): DeviceStore {
  const observed = Object.create(store) as DeviceStore;
  observed.createDeviceWithToken = async (userId, deviceId, displayName, tokenHash, now) => {
    await store.createDeviceWithToken(userId, deviceId, displayName, tokenHash, now);
    await observer.deviceCreated(userId, deviceId);
  };
  observed.deleteDevice = async (userId, deviceId) => {
    const removed = await store.deleteDevice(userId, deviceId);
    await observer.devicesDeleted(userId, [deviceId]);
    return removed;
  };
  observed.deleteAllDevices = async (userId) => {
    const deviceIds = (await store.listDevices(userId)).map((device) => device.deviceId);
    const removed = await store.deleteAllDevices(userId);
    await observer.devicesDeleted(userId, deviceIds);
    return removed;
  };
  return observed;
}
