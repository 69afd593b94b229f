/**
 * The acting party of a service call: a signed-in user, an API client, or the system itself
 * (CLI jobs). Permissions are "module:action" strings resolved from the user's roles.
 */
import type { Scope } from "./scope";

export const MODULES = [
  "orgs",
  "codes",
  "access",
  "audit",
  "responsible",
  "workflow",
  "students",
  "teachers",
  "aid",
  "funding",
  "assets",
  "conditions",
] as const;
export type Module = (typeof MODULES)[number];

export const ACTIONS = ["read", "write", "approve", "export", "administer"] as const;
export type Action = (typeof ACTIONS)[number];

export type Permission = `${Module}:${Action}`;

export interface Actor {
  kind: "user" | "api_token" | "system";
  userId: number | null;
  username: string;
  displayName: string;
  unitId: number;
  unitName: string;
  unitPath: string;
  scope: Scope;
  roles: string[];
  permissions: ReadonlySet<Permission>;
  sessionId?: string;
  tokenId?: number;
  mustChangePassword?: boolean;
}

export function can(actor: Actor, module: Module, action: Action): boolean {
  return actor.kind === "system" || actor.permissions.has(`${module}:${action}`);
}

/**
 * The modules whose records the actor may read: what lists of mixed records (requests, archive
 * items, jobs) are filtered by. Every module for the system.
 */
export function readableModules(actor: Actor): Module[] {
  return MODULES.filter((m) => can(actor, m, "read"));
}

/** The system actor for CLI jobs (migrate, seed, imports run by an operator on the server). */
export function systemActor(nation: { id: number; path: string; name: string }): Actor {
  return {
    kind: "system",
    userId: null,
    username: "system",
    displayName: "系统",
    unitId: nation.id,
    unitName: nation.name,
    unitPath: nation.path,
    scope: { rootPath: nation.path, rootUnitId: nation.id, side: "education" },
    roles: [],
    permissions: new Set(),
  };
}
