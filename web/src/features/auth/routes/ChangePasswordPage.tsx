import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Flex, Form, Input } from "antd";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { meQueryKey, useMe } from "../../../shared/session/session";
import { applyProblemToForm, type UnplacedProblem } from "../../../shared/ui/form-errors";
import { PageTitleEffect } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { changePassword, logout, usePasswordPolicy } from "../api/auth";
import { AuthCard } from "../components/AuthCard";
import { PasswordPolicyHint } from "../components/PasswordPolicyHint";

interface PasswordForm {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

const FIELDS = ["currentPassword", "newPassword"] as const;

/** Reached by choice from the account menu, or forced after a reset or on first sign-in. */
export function ChangePasswordPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const { data: policy } = usePasswordPolicy();
  const [form] = Form.useForm<PasswordForm>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const forced = me?.mustChangePassword ?? false;

  const submit = async (values: PasswordForm) => {
    setSubmitting(true);
    setProblem(null);
    try {
      await changePassword({ currentPassword: values.currentPassword, newPassword: values.newPassword });
      await queryClient.invalidateQueries({ queryKey: meQueryKey });
      message.success(t("password.changed"));
      navigate("/", { replace: true });
    } catch (error) {
      setProblem(applyProblemToForm(form, error, FIELDS));
    } finally {
      setSubmitting(false);
    }
  };

  const signOut = async () => {
    await logout(false).catch(() => undefined);
    queryClient.removeQueries();
    navigate("/login", { replace: true });
  };

  return (
    <AuthCard title={t("password.title")}>
      <PageTitleEffect title={t("password.title")} />
      {forced ? (
        <Alert
          type="warning"
          showIcon
          title={t("password.forced")}
          style={{ marginBottom: 16 }}
          role="alert"
        />
      ) : null}
      <PasswordPolicyHint />
      <ProblemAlert problem={problem} />
      <Form<PasswordForm> form={form} name="change-password" layout="vertical" onFinish={submit}>
        <Form.Item
          name="currentPassword"
          label={forced ? t("password.currentTemporary") : t("password.current")}
          rules={[{ required: true, message: t("form.required") }]}
        >
          <Input.Password autoComplete="current-password" autoFocus />
        </Form.Item>
        <Form.Item
          name="newPassword"
          label={t("password.new")}
          rules={[
            { required: true, message: t("form.required") },
            ...(policy
              ? [
                  {
                    min: policy.minLength,
                    max: policy.maxLength,
                    message: t("password.length", { min: policy.minLength, max: policy.maxLength }),
                  },
                ]
              : []),
          ]}
          hasFeedback
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirmPassword"
          label={t("password.confirm")}
          dependencies={["newPassword"]}
          hasFeedback
          rules={[
            { required: true, message: t("form.required") },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || getFieldValue("newPassword") === value
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("password.mismatch"))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Flex gap={8}>
          <Button type="primary" htmlType="submit" loading={submitting} style={{ flex: 1 }}>
            {t("password.submit")}
          </Button>
          {forced ? (
            <Button onClick={() => void signOut()}>{t("shell.logout")}</Button>
          ) : (
            <Button onClick={() => navigate(-1)}>{t("common.cancel")}</Button>
          )}
        </Flex>
      </Form>
    </AuthCard>
  );
}
