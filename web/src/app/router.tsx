/**
 * The console's addresses. The selected unit is part of the path (/units/:unitId/…), so a
 * link or a pasted address opens the same unit and page; pages load on first visit.
 */
import { Spin } from "antd";
import { type ComponentType, lazy, type ReactNode, Suspense } from "react";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router";
import { useMe } from "../shared/session/session";
import { AppShell } from "./shell/AppShell";
import { firstAllowedPath } from "./shell/menu";
import { NotFoundPage } from "./shell/NotFoundPage";
import { RequirePermission } from "./shell/RequirePermission";
import { RequireSession } from "./shell/RequireSession";
import { RootLayout } from "./shell/RootLayout";
import { UnitLayout } from "./shell/UnitLayout";

function page(load: () => Promise<ComponentType>) {
  const Component = lazy(async () => ({ default: await load() }));
  return (
    <Suspense fallback={<Spin style={{ display: "block", margin: 48 }} />}>
      <Component />
    </Suspense>
  );
}

const LoginPage = page(async () => (await import("../features/auth/routes/LoginPage")).LoginPage);
const ChangePasswordPage = page(
  async () => (await import("../features/auth/routes/ChangePasswordPage")).ChangePasswordPage,
);
const DashboardPage = page(
  async () => (await import("../features/dashboard/routes/DashboardPage")).DashboardPage,
);
const OrgBrowserPage = page(
  async () => (await import("../features/orgs/routes/OrgBrowserPage")).OrgBrowserPage,
);
const UnitDetailPage = page(
  async () => (await import("../features/orgs/routes/UnitDetailPage")).UnitDetailPage,
);
const OpenSchoolPage = page(
  async () => (await import("../features/orgs/routes/OpenSchoolPage")).OpenSchoolPage,
);
const ImportPage = page(async () => (await import("../features/orgs/routes/ImportPage")).ImportPage);
const UsersPage = page(async () => (await import("../features/users/routes/UsersPage")).UsersPage);
const ResponsiblePage = page(
  async () => (await import("../features/responsible/routes/ResponsiblePage")).ResponsiblePage,
);
const MissingPage = page(
  async () => (await import("../features/responsible/routes/MissingPage")).MissingPage,
);
const AuditPage = page(async () => (await import("../features/audit/routes/AuditPage")).AuditPage);
const CodeSetsPage = page(async () => (await import("../features/codes/routes/CodeSetsPage")).CodeSetsPage);
const CodeSetPage = page(async () => (await import("../features/codes/routes/CodeSetPage")).CodeSetPage);
const TokensPage = page(async () => (await import("../features/tokens/routes/TokensPage")).TokensPage);
const StudentListPage = page(
  async () => (await import("../features/students/routes/StudentListPage")).StudentListPage,
);
const StudentDetailPage = page(
  async () => (await import("../features/students/routes/StudentDetailPage")).StudentDetailPage,
);
const RegisterStudentPage = page(
  async () => (await import("../features/students/routes/RegisterStudentPage")).RegisterStudentPage,
);
const StudentImportPage = page(
  async () => (await import("../features/students/routes/StudentImportPage")).StudentImportPage,
);
const TransferInPage = page(
  async () => (await import("../features/students/routes/TransferInPage")).TransferInPage,
);
const ProblemQueuePage = page(
  async () => (await import("../features/students/routes/ProblemQueuePage")).ProblemQueuePage,
);
const PromotionPage = page(
  async () => (await import("../features/students/routes/PromotionPage")).PromotionPage,
);
const InboxPage = page(async () => (await import("../features/workflow/routes/InboxPage")).InboxPage);
const RequestsPage = page(
  async () => (await import("../features/workflow/routes/RequestsPage")).RequestsPage,
);
const OverduePage = page(async () => (await import("../features/workflow/routes/OverduePage")).OverduePage);
const RequestDetailPage = page(
  async () => (await import("../features/workflow/routes/RequestDetailPage")).RequestDetailPage,
);

function guarded(permission: string, element: ReactNode) {
  return <RequirePermission permission={permission}>{element}</RequirePermission>;
}

function HomeRedirect() {
  const { data: me } = useMe();
  if (!me) return null;
  return <Navigate to={firstAllowedPath(me)} replace />;
}

const router = createBrowserRouter([
  {
    element: <RootLayout />,
    children: [
      { path: "/login", element: LoginPage },
      {
        path: "/change-password",
        element: <RequireSession allowPasswordChange>{ChangePasswordPage}</RequireSession>,
      },
      {
        element: (
          <RequireSession>
            <AppShell />
          </RequireSession>
        ),
        children: [
          { index: true, element: <HomeRedirect /> },
          {
            path: "units/:unitId",
            element: guarded("orgs:read", <UnitLayout />),
            children: [
              { index: true, element: DashboardPage },
              { path: "org", element: OrgBrowserPage },
              { path: "detail", element: UnitDetailPage },
              { path: "schools/new", element: guarded("orgs:write", OpenSchoolPage) },
              { path: "import", element: guarded("orgs:write", ImportPage) },
              { path: "users", element: guarded("access:read", UsersPage) },
              { path: "responsible", element: guarded("responsible:read", ResponsiblePage) },
              { path: "audit", element: guarded("audit:read", AuditPage) },
              { path: "students", element: guarded("students:read", StudentListPage) },
              { path: "students/new", element: guarded("students:write", RegisterStudentPage) },
              { path: "students/import", element: guarded("students:write", StudentImportPage) },
              { path: "students/transfer-in", element: guarded("students:write", TransferInPage) },
              { path: "students/problems", element: guarded("students:read", ProblemQueuePage) },
              { path: "students/promotion", element: guarded("students:approve", PromotionPage) },
            ],
          },
          { path: "students/:studentId", element: guarded("students:read", StudentDetailPage) },
          { path: "approvals", element: guarded("workflow:read", InboxPage) },
          { path: "approvals/requests", element: guarded("workflow:read", RequestsPage) },
          { path: "approvals/requests/:requestId", element: guarded("workflow:read", RequestDetailPage) },
          { path: "approvals/overdue", element: guarded("workflow:read", OverduePage) },
          { path: "responsible/missing", element: guarded("responsible:read", MissingPage) },
          { path: "codes", element: guarded("codes:read", CodeSetsPage) },
          { path: "codes/:name", element: guarded("codes:read", CodeSetPage) },
          { path: "tokens", element: TokensPage },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
