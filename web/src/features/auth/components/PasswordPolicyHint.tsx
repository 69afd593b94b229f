import { Alert } from "antd";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { usePasswordPolicy } from "../api/auth";

/** The rules as the server enforces them (GET /auth/password-policy), before the clerk types. */
export function PasswordPolicyHint() {
  const { t } = useI18n();
  const { data } = usePasswordPolicy();
  if (!data) return null;
  return (
    <Alert
      type="info"
      showIcon
      title={t("password.policy", {
        min: data.minLength,
        max: data.maxLength,
        classes: data.minCharacterClasses,
      })}
      description={t("password.policyClasses")}
      style={{ marginBottom: 16 }}
      data-testid="password-policy"
    />
  );
}
