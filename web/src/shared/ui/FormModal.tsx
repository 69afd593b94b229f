/**
 * A form in a dialog that submits to the API: client rules first, then the API's field errors
 * placed on the fields they name and anything else in an alert at the top.
 */
import { Form, type FormInstance, Modal } from "antd";
import { type ReactNode, useState } from "react";
import { useI18n } from "../i18n/I18nProvider";
import { applyProblemToForm, type UnplacedProblem } from "./form-errors";
import { ProblemAlert } from "./ProblemAlert";

interface FormModalProps<Values, Result> {
  open: boolean;
  title: string;
  /** Names the form's fields; also the prefix of their element ids, so labels point at inputs. */
  formName: string;
  fieldNames: readonly string[];
  initialValues?: Partial<Values>;
  okText?: string;
  danger?: boolean;
  width?: number;
  onSubmit: (values: Values) => Promise<Result>;
  onSuccess?: (result: Result) => void;
  onClose: () => void;
  /** Places the API's errors itself (nested field names); by default the first path segment names the field. */
  placeProblem?: (form: FormInstance<Values>, error: unknown) => UnplacedProblem | null;
  children: ReactNode | ((form: FormInstance<Values>) => ReactNode);
}

export function FormModal<Values extends object, Result = unknown>({
  open,
  title,
  formName,
  fieldNames,
  initialValues,
  okText,
  danger,
  width,
  onSubmit,
  onSuccess,
  onClose,
  placeProblem,
  children,
}: FormModalProps<Values, Result>) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const submit = async () => {
    let values: Values;
    try {
      values = await form.validateFields();
    } catch {
      return; // antd shows the client-side messages on the fields
    }
    setSubmitting(true);
    setProblem(null);
    try {
      const result = await onSubmit(values);
      onClose();
      onSuccess?.(result);
    } catch (error) {
      setProblem(placeProblem ? placeProblem(form, error) : applyProblemToForm(form, error, fieldNames));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Modal
      open={open}
      title={title}
      width={width}
      okText={okText ?? t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ danger, loading: submitting }}
      onOk={() => void submit()}
      onCancel={onClose}
      afterOpenChange={(visible) => {
        if (!visible) setProblem(null);
      }}
      destroyOnHidden
    >
      <ProblemAlert problem={problem} />
      <Form<Values>
        form={form}
        name={formName}
        layout="vertical"
        initialValues={initialValues}
        preserve={false}
        onFinish={() => void submit()}
      >
        {typeof children === "function" ? children(form) : children}
        {/* Enter in a text field submits, as in any form. */}
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}
