import { LockOutlined, UserOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Form, Input } from "antd";
import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { isProblem } from "../../../shared/api/problem";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { forgetUnit } from "../../../shared/session/last-unit";
import { PageTitleEffect } from "../../../shared/ui/PageTitle";
import { login } from "../api/auth";
import { AuthCard } from "../components/AuthCard";

interface LoginForm {
  login: string;
  password: string;
}

/** Only paths inside the console: a crafted ?next= must not send the clerk to another site. */
function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<{ message: string; locked: boolean } | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const submit = async (values: LoginForm) => {
    setSubmitting(true);
    setFailure(null);
    try {
      const result = await login(values);
      queryClient.removeQueries();
      forgetUnit();
      navigate(result.mustChangePassword ? "/change-password" : safeNext(params.get("next")), {
        replace: true,
      });
    } catch (error) {
      // The API's own words: wrong password (with attempts left) or locked until when.
      const message = error instanceof Error ? error.message : String(error);
      setFailure({ message, locked: isProblem(error, "account_locked") });
    } finally {
      setSubmitting(false);
    }
  };

  const expired = params.has("next");
  return (
    <AuthCard title={t("login.title")}>
      <PageTitleEffect title={t("login.title")} />
      {failure ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          icon={failure.locked ? <LockOutlined /> : undefined}
          title={failure.locked ? t("login.locked") : t("login.failed")}
          description={failure.message}
          style={{ marginBottom: 16 }}
          data-testid="login-error"
        />
      ) : expired ? (
        <Alert type="info" showIcon title={t("login.signInAgain")} style={{ marginBottom: 16 }} />
      ) : null}
      <Form<LoginForm> name="login" layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item
          name="login"
          label={t("login.username")}
          rules={[{ required: true, whitespace: true, message: t("login.usernameRequired") }]}
        >
          <Input prefix={<UserOutlined aria-hidden />} autoComplete="username" autoFocus size="large" />
        </Form.Item>
        <Form.Item
          name="password"
          label={t("login.password")}
          rules={[{ required: true, message: t("login.passwordRequired") }]}
        >
          <Input.Password
            prefix={<LockOutlined aria-hidden />}
            autoComplete="current-password"
            size="large"
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={submitting}>
          {t("login.submit")}
        </Button>
      </Form>
    </AuthCard>
  );
}
