import { PlusOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Button, Dropdown, Form, Input, Select, Space, Tag, Tooltip } from "antd";
import { useState } from "react";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { ADMINISTRATIVE_KINDS, useChildren } from "../../../shared/api/units";
import { formatDateTime } from "../../../shared/format/format";
import { useDebouncedValue } from "../../../shared/hooks/useDebouncedValue";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { FormModal } from "../../../shared/ui/FormModal";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { SecretOnceModal } from "../../../shared/ui/SecretOnceModal";
import { UnitPicker } from "../../../shared/ui/UnitPicker";
import {
  createUser,
  endUserSessions,
  resetPassword,
  setRoles,
  type UserRow,
  unlockUser,
  updateUser,
  useRoles,
  useUsers,
} from "../api/users";
import { RolePicker } from "../components/RolePicker";

const PHONE = /^1[3-9]\d{9}$/;

type Dialog = { kind: "create" } | { kind: "edit"; user: UserRow } | { kind: "roles"; user: UserRow } | null;

function isLocked(user: UserRow): boolean {
  return user.lockedUntil !== null && new Date(user.lockedUntil).getTime() > Date.now();
}

/** Accounts of the selected unit and everything below it (within the user's scope). */
export function UsersPage() {
  const { t, locale } = useI18n();
  const can = useCan();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const { unit } = useSelectedUnit();
  const { data: roles } = useRoles();
  const [text, setText] = useState("");
  const q = useDebouncedValue(text.trim(), 300);
  const [status, setStatus] = useState<"active" | "disabled">();
  const [role, setRole] = useState<string>();
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const [dialog, setDialog] = useState<Dialog>(null);
  const [secret, setSecret] = useState<{ title: string; value: string } | null>(null);
  const { data, isFetching, error } = useUsers({
    q: q || undefined,
    status,
    role,
    unitId: unit.id,
    ...paging,
  });
  const writable = can("access:write");
  // Accounts belong to departments and schools; on a county or city page the new account
  // goes to its education department unless the administrator picks another unit.
  const administrative = ADMINISTRATIVE_KINDS.has(unit.kind);
  const departments = useChildren(
    unit.id,
    { kind: "department", page: 1, pageSize: 50 },
    administrative && writable,
  );
  const homeUnit = administrative
    ? (departments.data?.items.find((d) => d.departmentType === "education") ?? departments.data?.items[0])
    : unit;

  const roleName = (code: string) => {
    const found = roles?.items.find((r) => r.code === code);
    return found ? (locale === "en" ? found.nameEn : found.nameZh) : code;
  };
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["users"] });
  const failed = (failure: unknown) =>
    message.error(failure instanceof Error ? failure.message : String(failure));

  const toggleStatus = (user: UserRow) => {
    const next = user.status === "active" ? "disabled" : "active";
    modal.confirm({
      title:
        next === "disabled"
          ? t("users.disableTitle", { name: user.displayName })
          : t("users.enableTitle", { name: user.displayName }),
      content: next === "disabled" ? t("users.disableConfirm") : undefined,
      okButtonProps: { danger: next === "disabled" },
      okText: next === "disabled" ? t("users.disable") : t("users.enable"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await updateUser(user.id, { status: next });
          message.success(t("common.saved"));
          refresh();
        } catch (failure) {
          failed(failure);
        }
      },
    });
  };

  const reset = (user: UserRow) =>
    modal.confirm({
      title: t("users.resetTitle", { name: user.displayName }),
      content: t("users.resetConfirm"),
      okText: t("users.reset"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          const { temporaryPassword } = await resetPassword(user.id);
          setSecret({ title: t("users.resetDone", { name: user.displayName }), value: temporaryPassword });
          refresh();
        } catch (failure) {
          failed(failure);
        }
      },
    });

  const unlock = async (user: UserRow) => {
    try {
      await unlockUser(user.id);
      message.success(t("users.unlocked", { name: user.displayName }));
      refresh();
    } catch (failure) {
      failed(failure);
    }
  };

  const endSessions = (user: UserRow) =>
    modal.confirm({
      title: t("users.endSessionsTitle", { name: user.displayName }),
      okText: t("users.endSessions"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          const ended = await endUserSessions(user.id);
          message.success(t("users.endSessionsDone", { ...ended }));
        } catch (failure) {
          failed(failure);
        }
      },
    });

  const columns: DataColumn<UserRow>[] = [
    { key: "username", title: t("users.username"), dataIndex: "username", fixedVisible: true },
    { key: "displayName", title: t("users.displayName"), dataIndex: "displayName" },
    { key: "unitName", title: t("users.unit"), dataIndex: "unitName" },
    {
      key: "roles",
      title: t("users.roles"),
      render: (_, user) => (
        <Space size={[0, 4]} wrap>
          {user.roles.map((r) => (
            <Tag key={r}>{roleName(r)}</Tag>
          ))}
        </Space>
      ),
    },
    { key: "phone", title: t("users.phone"), dataIndex: "phone" },
    {
      key: "status",
      title: t("users.status"),
      render: (_, user) => (
        <Space size={[0, 4]} wrap>
          <Tag color={user.status === "active" ? "green" : "default"}>{t(`users.status.${user.status}`)}</Tag>
          {isLocked(user) ? (
            <Tooltip title={t("users.lockedUntil", { time: formatDateTime(user.lockedUntil) })}>
              <Tag color="red">{t("users.locked")}</Tag>
            </Tooltip>
          ) : null}
          {user.mustChangePassword ? <Tag color="orange">{t("users.mustChange")}</Tag> : null}
        </Space>
      ),
    },
    {
      key: "lastLoginAt",
      title: t("users.lastLogin"),
      render: (_, user) => formatDateTime(user.lastLoginAt),
    },
  ];
  if (writable) {
    columns.push({
      key: "actions",
      title: t("common.actions"),
      fixedVisible: true,
      // The server says per account whether the caller outranks it; it refuses otherwise anyway.
      render: (_, user) =>
        !user.canManage ? (
          <Tooltip title={t("users.cannotManage")}>
            <Tag>{t("users.notManageable")}</Tag>
          </Tooltip>
        ) : (
          <Space size={0}>
            <Button type="link" size="small" onClick={() => setDialog({ kind: "edit", user })}>
              {t("common.edit")}
            </Button>
            <Button type="link" size="small" onClick={() => setDialog({ kind: "roles", user })}>
              {t("users.roles")}
            </Button>
            <Dropdown
              trigger={["click"]}
              menu={{
                items: [
                  { key: "reset", label: t("users.reset") },
                  ...(isLocked(user) ? [{ key: "unlock", label: t("users.unlock") }] : []),
                  { key: "endSessions", label: t("users.endSessions") },
                  {
                    key: "status",
                    label: user.status === "active" ? t("users.disable") : t("users.enable"),
                    danger: user.status === "active",
                  },
                ],
                onClick: ({ key }) => {
                  if (key === "reset") reset(user);
                  else if (key === "unlock") void unlock(user);
                  else if (key === "endSessions") endSessions(user);
                  else toggleStatus(user);
                },
              }}
            >
              <Button type="link" size="small" aria-label={t("users.more", { name: user.username })}>
                {t("common.more")}
              </Button>
            </Dropdown>
          </Space>
        ),
    });
  }

  const page1 = () => setPaging((p) => ({ ...p, page: 1 }));
  return (
    <>
      <PageTitle
        title={t("users.title")}
        sub={t("users.scope", { name: unit.name })}
        extra={
          writable ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: "create" })}>
              {t("users.create")}
            </Button>
          ) : null
        }
      />
      <ProblemAlert error={error} />
      <DataTable<UserRow>
        tableId="users"
        columns={columns}
        rows={data?.items}
        rowKey="id"
        loading={isFetching}
        pageState={data}
        onPageChange={(page, pageSize) => setPaging({ page, pageSize })}
        toolbar={
          <>
            <Input.Search
              allowClear
              style={{ width: 240 }}
              aria-label={t("users.search")}
              placeholder={t("users.search")}
              value={text}
              onChange={(event) => {
                setText(event.target.value);
                page1();
              }}
            />
            <Select
              allowClear
              style={{ width: 120 }}
              aria-label={t("users.status")}
              placeholder={t("users.status")}
              value={status}
              onChange={(value) => {
                setStatus(value);
                page1();
              }}
              options={[
                { value: "active", label: t("users.status.active") },
                { value: "disabled", label: t("users.status.disabled") },
              ]}
            />
            <Select
              allowClear
              style={{ width: 180 }}
              aria-label={t("users.roles")}
              placeholder={t("users.roles")}
              value={role}
              onChange={(value) => {
                setRole(value);
                page1();
              }}
              options={(roles?.items ?? []).map((r) => ({ value: r.code, label: roleName(r.code) }))}
            />
          </>
        }
      />

      <FormModal<
        { username: string; displayName: string; phone?: string; unitId: number; roles: string[] },
        { temporaryPassword: string; displayName: string }
      >
        open={dialog?.kind === "create"}
        title={t("users.create")}
        formName="create-user"
        width={640}
        fieldNames={["username", "displayName", "phone", "unitId", "roles"]}
        initialValues={{ unitId: homeUnit?.id, roles: [] }}
        onClose={() => setDialog(null)}
        onSubmit={async (v) => {
          const created = await createUser({
            username: v.username.trim(),
            displayName: v.displayName.trim(),
            phone: v.phone?.trim() || null,
            unitId: v.unitId,
            roles: v.roles,
          });
          return { temporaryPassword: created.temporaryPassword, displayName: v.displayName };
        }}
        onSuccess={(result) => {
          refresh();
          setSecret({
            title: t("users.created", { name: result.displayName }),
            value: result.temporaryPassword,
          });
        }}
      >
        <Form.Item
          name="username"
          label={t("users.username")}
          extra={t("users.usernameHint")}
          rules={[
            { required: true, message: t("form.required") },
            { pattern: /^[A-Za-z0-9_.@-]{3,64}$/, message: t("users.usernameHint") },
          ]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t("users.displayName")}
          rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 100 }]}
        >
          <Input />
        </Form.Item>
        <Form.Item
          name="phone"
          label={t("users.phone")}
          rules={[{ pattern: PHONE, message: t("users.phoneFormat") }]}
        >
          <Input inputMode="tel" maxLength={11} />
        </Form.Item>
        <Form.Item
          name="unitId"
          label={t("users.unit")}
          rules={[{ required: true, message: t("form.required") }]}
        >
          <UnitPicker
            kinds={["department", "school"]}
            initialOptions={
              homeUnit ? [{ value: homeUnit.id, label: `${homeUnit.name}（${homeUnit.code}）` }] : []
            }
          />
        </Form.Item>
        <Form.Item name="roles" label={t("users.roles")}>
          <RolePicker />
        </Form.Item>
      </FormModal>

      {dialog?.kind === "edit" ? (
        <FormModal<{ displayName: string; phone?: string }>
          open
          title={t("users.editTitle", { name: dialog.user.username })}
          formName="edit-user"
          fieldNames={["displayName", "phone"]}
          initialValues={{ displayName: dialog.user.displayName }}
          onClose={() => setDialog(null)}
          onSuccess={() => {
            message.success(t("common.saved"));
            refresh();
          }}
          onSubmit={(v) => {
            // Phone numbers come masked in the list; only a newly typed number is sent.
            const phone = v.phone?.trim();
            return updateUser(dialog.user.id, {
              displayName: v.displayName.trim(),
              ...(phone ? { phone } : {}),
            });
          }}
        >
          <Form.Item
            name="displayName"
            label={t("users.displayName")}
            rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 100 }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="phone"
            label={t("users.phone")}
            extra={dialog.user.phone ? t("users.phoneKeep", { phone: dialog.user.phone }) : undefined}
            rules={[{ pattern: PHONE, message: t("users.phoneFormat") }]}
          >
            <Input inputMode="tel" maxLength={11} />
          </Form.Item>
        </FormModal>
      ) : null}

      {dialog?.kind === "roles" ? (
        <FormModal<{ roles: string[] }>
          open
          title={t("users.rolesTitle", { name: dialog.user.username })}
          formName="user-roles"
          width={640}
          fieldNames={["roles"]}
          initialValues={{ roles: dialog.user.roles }}
          onClose={() => setDialog(null)}
          onSuccess={() => {
            message.success(t("common.saved"));
            refresh();
          }}
          onSubmit={(v) => setRoles(dialog.user.id, v.roles)}
        >
          <Form.Item name="roles" label={t("users.roles")}>
            <RolePicker />
          </Form.Item>
        </FormModal>
      ) : null}

      <SecretOnceModal
        open={secret !== null}
        title={secret?.title ?? ""}
        label={t("users.temporaryPassword")}
        value={secret?.value ?? ""}
        onClose={() => setSecret(null)}
      />
    </>
  );
}
