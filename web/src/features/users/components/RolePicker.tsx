import { Checkbox, Flex, Typography } from "antd";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useRoles } from "../api/users";

/** Roles with what they are for; the API refuses a role that does not fit the unit's side. */
export function RolePicker({
  id,
  value,
  onChange,
}: {
  id?: string;
  value?: string[];
  onChange?: (roles: string[]) => void;
}) {
  const { locale, t } = useI18n();
  const { data } = useRoles();
  return (
    // A group is labelled as a whole; the id lets the form scroll to it on an error.
    <fieldset id={id} aria-label={t("users.roles")} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
      <Checkbox.Group value={value} onChange={(next) => onChange?.(next)} style={{ width: "100%" }}>
        <Flex vertical gap={6}>
          {(data?.items ?? []).map((role) => (
            <Checkbox key={role.code} value={role.code}>
              <strong>{locale === "en" ? role.nameEn : role.nameZh}</strong>{" "}
              {/* The API describes roles in Chinese only. */}
              {locale === "zh-CN" ? (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {role.descriptionZh}
                </Typography.Text>
              ) : null}
            </Checkbox>
          ))}
        </Flex>
      </Checkbox.Group>
    </fieldset>
  );
}
