/**
 * The left menu, one entry per module the user may read (`<module>:read`), pointing at the
 * selected unit where the module works per unit.
 */
import {
  ApartmentOutlined,
  AuditOutlined,
  BookOutlined,
  CarryOutOutlined,
  ClockCircleOutlined,
  CloudUploadOutlined,
  ContactsOutlined,
  ExclamationCircleOutlined,
  FileSearchOutlined,
  HomeOutlined,
  ImportOutlined,
  InboxOutlined,
  KeyOutlined,
  PlusSquareOutlined,
  ReadOutlined,
  RiseOutlined,
  SolutionOutlined,
  TeamOutlined,
  UnorderedListOutlined,
  UserAddOutlined,
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
  if (can("students:read")) {
    const students: MenuEntry[] = [
      {
        key: "students",
        label: "menu.studentList",
        icon: <UnorderedListOutlined />,
        path: `${unit}/students`,
      },
    ];
    if (can("students:write")) {
      students.push(
        {
          key: "students/new",
          label: "menu.studentRegister",
          icon: <UserAddOutlined />,
          path: `${unit}/students/new`,
        },
        {
          key: "students/import",
          label: "menu.studentImport",
          icon: <CloudUploadOutlined />,
          path: `${unit}/students/import`,
        },
        {
          key: "students/transfer-in",
          label: "menu.transferIn",
          icon: <ImportOutlined />,
          path: `${unit}/students/transfer-in`,
        },
      );
    }
    students.push({
      key: "students/problems",
      label: "menu.studentProblems",
      icon: <ExclamationCircleOutlined />,
      path: `${unit}/students/problems`,
    });
    if (can("students:approve")) {
      students.push({
        key: "students/promotion",
        label: "menu.promotion",
        icon: <RiseOutlined />,
        path: `${unit}/students/promotion`,
      });
    }
    entries.push({
      key: "studentsGroup",
      label: "menu.students",
      icon: <SolutionOutlined />,
      children: students,
    });
  }
  if (can("workflow:read")) {
    entries.push({
      key: "approvalsGroup",
      label: "menu.approvals",
      icon: <CarryOutOutlined />,
      children: [
        { key: "approvals", label: "menu.inbox", icon: <InboxOutlined />, path: "/approvals" },
        {
          key: "approvals/requests",
          label: "menu.requests",
          icon: <FileSearchOutlined />,
          path: "/approvals/requests",
        },
        {
          key: "approvals/overdue",
          label: "menu.overdue",
          icon: <ClockCircleOutlined />,
          path: "/approvals/overdue",
        },
      ],
    });
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
  // A student's page belongs to the student list; a request's page to the list it was opened from.
  if (pathname.startsWith("/students/")) return "students";
  if (pathname.startsWith("/approvals/overdue")) return "approvals/overdue";
  if (pathname.startsWith("/approvals/requests")) return "approvals/requests";
  if (pathname.startsWith("/approvals")) return "approvals";
  return pathname.replace(/^\//, "").split("/")[0] ?? "";
}

/** Where "home" is for this user: the dashboard of their scope, or the first page they may open. */
export function firstAllowedPath(me: Me): string {
  if (hasPermission(me, "orgs:read")) return `/units/${me.scopeUnitId}`;
  if (hasPermission(me, "codes:read")) return "/codes";
  return "/tokens";
}
