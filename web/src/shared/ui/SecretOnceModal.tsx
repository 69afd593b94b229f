import { Alert, Modal, Typography } from "antd";
import { useI18n } from "../i18n/I18nProvider";

/** A secret the API shows once (temporary password, API token): copy it now or lose it. */
export function SecretOnceModal({
  open,
  title,
  label,
  value,
  onClose,
}: {
  open: boolean;
  title: string;
  label: string;
  value: string;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <Modal
      open={open}
      title={title}
      onOk={onClose}
      onCancel={onClose}
      okText={t("secret.done")}
      cancelButtonProps={{ style: { display: "none" } }}
      mask={{ closable: false }}
      destroyOnHidden
    >
      <Alert type="warning" showIcon title={t("secret.once")} style={{ marginBottom: 16 }} />
      <Typography.Text type="secondary">{label}</Typography.Text>
      <Typography.Paragraph
        copyable={{ text: value, tooltips: [t("secret.copy"), t("secret.copied")] }}
        code
        style={{ fontSize: 16, marginTop: 4 }}
        data-testid="secret-value"
      >
        {value}
      </Typography.Paragraph>
    </Modal>
  );
}
