/**
 * The left menu, one entry per module the user may read (`<module>:read`), pointing at the
 * selected unit where the module works per unit.
 */
import {
  ApartmentOutlined,
  AuditOutlined,
  BookOutlined,
  CloudUploadOutlined,
  ContactsOutlined,
  HomeOutlined,
  KeyOutlined,
  PlusSquareOutlined,
  ReadOutlined,
  TeamOutlined,
  UserSwitchOutlined,
  WarningOutlined,
} from "@ant-design/icons";
import type { ReactNode } from "react";
import type { Me } from "../../shared/api/types";
import type { MessageKey } from "../../shared/i18n/zh-CN";
import { hasPermission } from "../../shared/session/session";

export interface MenuEntry {
  key: string;
  label: MessageKey;
  icon: ReactNode;
  /** Path inside the console, or an external address when `external`. */
  path?: string;
  external?: boolean;
  children?: MenuEntry[];
}

export function menuEntries(me: Me, unitId: number): MenuEntry[] {
  const can = (permission: string) => hasPermission(me, permission);
  const unit = `/units/${unitId}`;
  const entries: MenuEntry[] = [];
  if (can("orgs:read")) {
    entries.push({ key: "dashboard", label: "menu.dashboard", icon: <HomeOutlined />, path: unit });
    const orgs: MenuEntry[] = [
      { key: "org", label: "menu.orgBrowser", icon: <ApartmentOutlined />, path: `${unit}/org` },
    ];
    if (can("orgs:write")) {
      orgs.push(
        {
          key: "schools/new",
          label: "menu.openSchool",
          icon: <PlusSquareOutlined />,
          path: `${unit}/schools/new`,
        },
        { key: "import", label: "menu.import", icon: <CloudUploadOutlined />, path: `${unit}/import` },
      );
    }
    entries.push({ key: "orgs", label: "menu.orgs", icon: <ApartmentOutlined />, children: orgs });
  }
  if (can("access:read")) {
    entries.push({ key: "users", label: "menu.users", icon: <TeamOutlined />, path: `${unit}/users` });
  }
  if (can("responsible:read")) {
    entries.push({
      key: "responsibleGroup",
      label: "menu.responsible",
      icon: <ContactsOutlined />,
      children: [
        {
          key: "responsible",
          label: "menu.responsibleRegister",
          icon: <UserSwitchOutlined />,
          path: `${unit}/responsible`,
        },
        {
          key: "responsible/missing",
          label: "menu.responsibleMissing",
          icon: <WarningOutlined />,
          path: "/responsible/missing",
        },
      ],
    });
  }
  if (can("audit:read")) {
    entries.push({ key: "audit", label: "menu.audit", icon: <AuditOutlined />, path: `${unit}/audit` });
  }
  if (can("codes:read")) {
    entries.push({ key: "codes", label: "menu.codes", icon: <BookOutlined />, path: "/codes" });
  }
  entries.push({ key: "tokens", label: "menu.tokens", icon: <KeyOutlined />, path: "/tokens" });
  entries.push({
    key: "apiDocs",
    label: "menu.apiDocs",
    icon: <ReadOutlined />,
    path: "/api/docs",
    external: true,
  });
  return entries;
}

/** Which entry a path belongs to: the part after /units/:id, or the first segment elsewhere. */
export function selectedKey(pathname: string): string {
  const unitPage = pathname.match(/^\/units\/\d+\/?(.*)$/);
  if (unitPage) return unitPage[1] ? unitPage[1].replace(/\/$/, "") : "dashboard";
  if (pathname.startsWith("/responsible/missing")) return "responsible/missing";
  if (pathname.startsWith("/codes")) return "codes";
  return pathname.replace(/^\//, "").split("/")[0] ?? "";
}

/** Where "home" is for this user: the dashboard of their scope, or the first page they may open. */
export function firstAllowedPath(me: Me): string {
  if (hasPermission(me, "orgs:read")) return `/units/${me.scopeUnitId}`;
  if (hasPermission(me, "codes:read")) return "/codes";
  return "/tokens";
}
