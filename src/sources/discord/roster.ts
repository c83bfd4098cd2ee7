import type { PresenceData } from "../../protocol/events.ts";
import type { Members } from "../../protocol/guild.ts";
import type { Status, User } from "../../protocol/user.ts";
import type { Member, Role } from "./schemas.ts";
import { compareIds } from "./guild-settings.ts";

/** What a guild hides from d-zone. */
export interface View {
  hideBots: boolean;
  hideOffline: boolean;
}

/** The colour d-zone gets for a member with no coloured role: white, never black (d-zone tints creatures with it). */
export const NO_COLOR = "#ffffff";

/** Discord's statuses as d-zone draws them: `invisible` (and anything unknown) is offline. */
export function toStatus(status: string | undefined): Status {
  return status === "online" || status === "idle" || status === "dnd" ? status : "offline";
}

/** The name Discord shows in a guild: the nick, else the global display name, else the username. */
export function displayName(member: Pick<Member, "nick" | "user">): string {
  return member.nick || member.user.global_name || member.user.username || member.user.id;
}

/**
 * One guild as Discord describes it: roles, members, statuses, channel
 * names. d-zone's picture of a member (`User`) is derived from it, and every
 * change goes through `track`, which says what d-zone's picture lost or
 * gained — so an event d-zone cannot show (an activity, a bot, a colour
 * under a higher one) produces nothing.
 */
export class Roster {
  readonly guildId: string;
  name: string;
  view: View;
  readonly roles = new Map<string, Role>();
  readonly members = new Map<string, Member>();
  readonly statuses = new Map<string, Status>();
  readonly channels = new Map<string, string>();

  constructor(guildId: string, name: string, view: View) {
    this.guildId = guildId;
    this.name = name;
    this.view = view;
  }

  /** The member as d-zone draws it, or undefined when unknown or hidden. */
  user(uid: string): User | undefined {
    const member = this.members.get(uid);
    if (!member) return undefined;
    if (member.user.bot && this.view.hideBots) return undefined;
    const status = this.statuses.get(uid) ?? "offline";
    if (status === "offline" && this.view.hideOffline) return undefined;
    return { uid, username: displayName(member), status, roleColor: this.roleColor(member) };
  }

  /** Every member d-zone shows. */
  users(): Members {
    const out: Members = {};
    for (const uid of this.members.keys()) {
      const user = this.user(uid);
      if (user) out[uid] = user;
    }
    return out;
  }

  /** The colour of the highest-positioned role that has one (ties: the older role), else white. */
  roleColor(member: Member): string {
    let best: Role | undefined;
    for (const id of member.roles) {
      const role = this.roles.get(id);
      if (!role || role.color === 0) continue;
      if (!best || role.position > best.position || (role.position === best.position && compareIds(role.id, best.id) < 0)) best = role;
    }
    return best ? `#${best.color.toString(16).padStart(6, "0")}` : NO_COLOR;
  }

  /** Members who carry a role. */
  carriers(roleId: string): string[] {
    const out: string[] = [];
    for (const [uid, m] of this.members) if (m.roles.includes(roleId)) out.push(uid);
    return out;
  }

  /**
   * Runs `change` and returns the presences that take d-zone's picture of
   * `uids` from before to after: a join, a leave (`delete`), or the member's
   * whole description when anything d-zone shows changed.
   */
  track(uids: Iterable<string>, change: () => void): PresenceData[] {
    const before = new Map<string, User | undefined>();
    for (const uid of uids) before.set(uid, this.user(uid));
    change();
    const out: PresenceData[] = [];
    for (const [uid, old] of before) {
      const now = this.user(uid);
      if (!now) {
        if (old) out.push({ uid, status: "offline", delete: true });
      } else if (!old || old.status !== now.status || old.username !== now.username || old.roleColor !== now.roleColor) {
        out.push({ uid, status: now.status, username: now.username, roleColor: now.roleColor });
      }
    }
    return out;
  }

  setMember(member: Member): void {
    const old = this.members.get(member.user.id);
    // Partial users (a presence, a chunk) must not erase what a fuller payload said.
    this.members.set(member.user.id, old ? { ...member, user: { ...old.user, ...defined(member.user) } } : member);
  }

  setRole(role: Role): void {
    this.roles.set(role.id, role);
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
}
