import { MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import type { UserStore } from '../storage/users.js';

/** Writes new member events so rooms show the changed profile; implemented by the room service. */
export interface MemberProfileRefresher {
  refreshMemberProfiles(userId: string): Promise<void>;
}

export interface Profile {
  displayname?: string;
  avatar_url?: string;
}

// Synapse caps display names at 256 characters; long ones break client layouts.
const MAX_DISPLAYNAME_LENGTH = 256;

/** User profiles: display name and avatar, mirrored into the user's member events. */
export class ProfileService {
  constructor(
    private readonly users: UserStore,
    private readonly rooms: MemberProfileRefresher,
    private readonly logger: Logger,
  ) {}

  async getProfile(userId: string): Promise<Profile> {
    const user = await this.users.get(userId);
    if (!user || user.deactivated) throw new MatrixError('M_NOT_FOUND', `No profile for ${userId}.`);
    const profile: Profile = {};
    if (user.displayname !== null) profile.displayname = user.displayname;
    if (user.avatarUrl !== null) profile.avatar_url = user.avatarUrl;
    return profile;
  }

  async setDisplayName(userId: string, displayname: string | null): Promise<void> {
    if (displayname !== null && displayname.length > MAX_DISPLAYNAME_LENGTH) {
      throw new MatrixError('M_TOO_LARGE', `The display name may be at most ${MAX_DISPLAYNAME_LENGTH} characters.`, { status: 400 });
    }
    const user = await this.users.get(userId);
    if (user?.displayname === displayname) return;
    await this.users.setDisplayname(userId, displayname);
    this.logger.info({ userId }, 'display name changed');
    await this.rooms.refreshMemberProfiles(userId);
  }

  async setAvatarUrl(userId: string, avatarUrl: string | null): Promise<void> {
    if (avatarUrl !== null && avatarUrl !== '' && !avatarUrl.startsWith('mxc://')) {
      throw new MatrixError('M_INVALID_PARAM', 'avatar_url must be an mxc:// URI.');
    }
    const user = await this.users.get(userId);
    if (user?.avatarUrl === avatarUrl) return;
    await this.users.setAvatarUrl(userId, avatarUrl || null);
    await this.rooms.refreshMemberProfiles(userId);
  }
}
