import fs from "node:fs";
import path from "node:path";

export type Want = "r" | "w" | "x";

export interface Account {
  name: string;
  uid: number;
  gid: number;
  /** supplementary groups, the primary one included */
  groups: readonly number[];
  home: string;
  shell: string;
}

interface Owner {
  uid: number;
  gid: number;
  /** the inode the owner was recorded for: a file replaced since (rsync, mv over it) no longer has it */
  ino: number | null;
}

// Debian's fixed system ids (base-passwd) and the first regular account, as adduser gives them.
const SYSTEM: readonly (readonly [string, number, string, string])[] = [
  ["root", 0, "/root", "/bin/bash"],
  ["daemon", 1, "/usr/sbin", "/usr/sbin/nologin"],
  ["www-data", 33, "/var/www", "/usr/sbin/nologin"],
  ["nobody", 65534, "/nonexistent", "/usr/sbin/nologin"],
  ["clusterdeck", 1000, "/home/clusterdeck", "/bin/bash"],
];

/** the mode a file or directory gets when created under the login shell's umask 022 */
export const NEW_FILE_MODE = 0o644;
export const NEW_DIR_MODE = 0o755;

/**
 * Who owns the lab's files and who may touch them. Mode bits are the real files' modes on disk;
 * owner and group are recorded here by real path (the lab cannot chown to accounts that do not
 * exist on the machine it runs on). A path with no record belongs to the owner recorded for its
 * nearest ancestor, as if that ancestor had been `chown -R`; root:root when there is none.
 */
export class FileAccess {
  private readonly byName = new Map<string, Account>();
  private readonly byUid = new Map<number, string>();
  private readonly owners = new Map<string, Owner>();
  private nextUid = 1001;

  constructor() {
    for (const [name, id, home, shell] of SYSTEM) this.add({ name, uid: id, gid: id, groups: [id], home, shell });
  }

  /** the account of that name; a name nobody created yet is a regular user with the next free uid */
  account(name: string): Account {
    const known = this.byName.get(name);
    if (known) return known;
    const uid = this.nextUid++;
    return this.add({ name, uid, gid: uid, groups: [uid], home: `/home/${name}`, shell: "/bin/bash" });
  }

  /** the account of that name, or null when the VM has no such user (`sudo -u nosuch`) */
  existing(name: string): Account | null {
    return this.byName.get(name) ?? null;
  }

  /** user and group names as `ls -l` prints them (a number when unknown) */
  nameOf(id: number): string {
    return this.byUid.get(id) ?? String(id);
  }

  /** record the owner of a real file or directory (and of what later appears below it) */
  chown(real: string, owner: string, group: string = owner): void {
    const u = this.account(owner);
    const g = this.account(group);
    this.owners.set(path.resolve(real), { uid: u.uid, gid: g.gid, ino: inode(real) });
  }

  /** `chown` plus the mode, for files the model itself lays out */
  setup(real: string, owner: string, group: string, mode: number): void {
    fs.chmodSync(real, mode);
    this.chown(real, owner, group);
  }

  /** a file or directory `user` just created: theirs, with the mode their umask gives */
  created(real: string, user: string, umask = 0o022): void {
    const a = this.account(user);
    try {
      fs.chmodSync(real, fs.statSync(real).isDirectory() ? 0o777 & ~umask : 0o666 & ~umask);
    } catch {
      return;
    }
    this.owners.set(path.resolve(real), { uid: a.uid, gid: a.gid, ino: inode(real) });
  }

  /** a file moved: its owner goes with it */
  moved(from: string, to: string): void {
    // called after the rename: the record of `from` is the moved file's when its inode is now at `to`
    const own = this.owners.get(path.resolve(from));
    const o = own && (own.ino === null || own.ino === inode(to)) ? own : this.lookup(path.resolve(from));
    this.owners.delete(path.resolve(from));
    this.owners.set(path.resolve(to), { ...o, ino: inode(to) });
  }

  owner(real: string): { uid: number; gid: number } {
    const { uid, gid } = this.lookup(path.resolve(real));
    return { uid, gid };
  }

  /** may `user` read, write or search (execute) this existing real file or directory? root may do anything */
  may(user: string, real: string, want: Want): boolean {
    const a = this.account(user);
    if (a.uid === 0) return true;
    let mode: number;
    try {
      mode = fs.statSync(real).mode;
    } catch {
      return false;
    }
    const o = this.owner(real);
    const shift = o.uid === a.uid ? 6 : a.groups.includes(o.gid) ? 3 : 0;
    const bit = want === "r" ? 4 : want === "w" ? 2 : 1;
    return ((mode >> shift) & bit) !== 0;
  }

  /** may `user` create or remove entries in this directory (w and x on it)? */
  mayChange(user: string, dir: string): boolean {
    return this.may(user, dir, "w") && this.may(user, dir, "x");
  }

  /** why `user` may not remove `real` from its directory: null when they may; EPERM for another's file in a sticky directory (/tmp) */
  removeError(user: string, real: string): "Permission denied" | "Operation not permitted" | null {
    const dir = path.dirname(real);
    if (!this.mayChange(user, dir)) return "Permission denied";
    const a = this.account(user);
    if (a.uid === 0) return null;
    let sticky: boolean;
    try {
      sticky = (fs.statSync(dir).mode & 0o1000) !== 0;
    } catch {
      return "Permission denied";
    }
    if (sticky && this.owner(real).uid !== a.uid && this.owner(dir).uid !== a.uid) return "Operation not permitted";
    return null;
  }

  private lookup(real: string): Owner {
    for (let p = real; ; p = path.dirname(p)) {
      const o = this.owners.get(p);
      if (o && (o.ino === null || o.ino === inode(p))) return o;
      if (p === path.dirname(p)) return { uid: 0, gid: 0, ino: null };
    }
  }

  private add(a: Account): Account {
    this.byName.set(a.name, a);
    if (!this.byUid.has(a.uid)) this.byUid.set(a.uid, a.name);
    return a;
  }
}

function inode(real: string): number | null {
  try {
    return fs.statSync(real).ino;
  } catch {
    return null;
  }
}

/** the account a tool runs as: the shell always says; the tiers' own tests call tools directly, as root */
export function userOf(ctx: { user?: string }): string {
  return ctx.user ?? "root";
}
