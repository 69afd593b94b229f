import { PlusOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, InputNumber, Tag } from "antd";
import { useState } from "react";
import { formatDate, formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { FormModal } from "../../../shared/ui/FormModal";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { SecretOnceModal } from "../../../shared/ui/SecretOnceModal";
import { type ApiToken, createToken, revokeToken, useTokens } from "../api/tokens";

function tokenState(token: ApiToken): "revoked" | "expired" | "active" {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && new Date(token.expiresAt).getTime() < Date.now()) return "expired";
  return "active";
}

/** Tokens let another system call the API as me (Authorization: Bearer …), within my scope and roles. */
export function TokensPage() {
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const { data, isPending, error } = useTokens();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["tokens"] });

  const revoke = (token: ApiToken) =>
    modal.confirm({
      title: t("tokens.revokeTitle", { name: token.name }),
      content: t("tokens.revokeConfirm"),
      okText: t("tokens.revoke"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await revokeToken(token.id);
          message.success(t("tokens.revoked"));
          refresh();
        } catch (failure) {
          message.error(failure instanceof Error ? failure.message : String(failure));
        }
      },
    });

  const columns: DataColumn<ApiToken>[] = [
    { key: "name", title: t("tokens.name"), dataIndex: "name", fixedVisible: true },
    { key: "prefix", title: t("tokens.prefix"), render: (_, tk) => <code>{tk.prefix}…</code> },
    {
      key: "state",
      title: t("tokens.state"),
      render: (_, tk) => {
        const state = tokenState(tk);
        return <Tag color={state === "active" ? "green" : "default"}>{t(`tokens.state.${state}`)}</Tag>;
      },
    },
    { key: "createdAt", title: t("tokens.createdAt"), render: (_, tk) => formatDateTime(tk.createdAt) },
    { key: "expiresAt", title: t("tokens.expiresAt"), render: (_, tk) => formatDate(tk.expiresAt) },
    { key: "lastUsedAt", title: t("tokens.lastUsedAt"), render: (_, tk) => formatDateTime(tk.lastUsedAt) },
    {
      key: "actions",
      title: t("common.actions"),
      fixedVisible: true,
      render: (_, tk) =>
        tokenState(tk) === "active" ? (
          <Button type="link" danger size="small" onClick={() => revoke(tk)}>
            {t("tokens.revoke")}
          </Button>
        ) : null,
    },
  ];

  return (
    <>
      <PageTitle
        title={t("tokens.title")}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t("tokens.create")}
          </Button>
        }
      />
      <Alert
        type="info"
        showIcon
        title={t("tokens.help")}
        description={
          <span>
            {t("tokens.helpDocs")}{" "}
            <a href="/api/docs" target="_blank" rel="noreferrer">
              /api/docs
            </a>
          </span>
        }
        style={{ marginBottom: 16 }}
      />
      <ProblemAlert error={error} />
      <DataTable<ApiToken>
        tableId="tokens"
        columns={columns}
        rows={data?.items}
        rowKey="id"
        loading={isPending}
      />
      <FormModal<{ name: string; expiresInDays: number }, string>
        open={creating}
        title={t("tokens.create")}
        formName="create-token"
        fieldNames={["name", "expiresInDays"]}
        initialValues={{ expiresInDays: 90 }}
        onClose={() => setCreating(false)}
        onSubmit={async (v) =>
          (await createToken({ name: v.name.trim(), expiresInDays: v.expiresInDays })).token
        }
        onSuccess={(token) => {
          refresh();
          setSecret(token);
        }}
      >
        <Form.Item
          name="name"
          label={t("tokens.name")}
          extra={t("tokens.nameHint")}
          rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 100 }]}
        >
          <Input />
        </Form.Item>
        <Form.Item
          name="expiresInDays"
          label={t("tokens.days")}
          rules={[{ required: true, message: t("form.required") }]}
        >
          <InputNumber<number> min={1} precision={0} style={{ width: 160 }} />
        </Form.Item>
      </FormModal>
      <SecretOnceModal
        open={secret !== null}
        title={t("tokens.createdTitle")}
        label={t("tokens.value")}
        value={secret ?? ""}
        onClose={() => setSecret(null)}
      />
    </>
  );
}
