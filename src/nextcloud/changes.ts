/** One thing a sign-in or directory sync changed, as `lattice sync-directory` prints it. */
export interface DirectoryChange {
  userId: string;
  provider: string;
  /** Description of the change, such as "locked", "joined #team:example.com" or "avatar updated". */
  change: string;
}
