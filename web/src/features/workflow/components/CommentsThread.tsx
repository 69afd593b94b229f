/** Remarks on a request by the submitting and deciding units; they do not change its version. */
import { Button, Empty, Flex, Form, Input, List, Typography } from "antd";
import { useState } from "react";
import { formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { applyProblemToForm, type UnplacedProblem } from "../../../shared/ui/form-errors";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { addComment, type RequestComment } from "../api/workflow";

export function CommentsThread({
  requestId,
  comments,
  canComment,
  onAdded,
}: {
  requestId: number;
  comments: RequestComment[];
  canComment: boolean;
  onAdded: () => void;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ body: string }>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [sending, setSending] = useState(false);
  const send = async ({ body }: { body: string }) => {
    setSending(true);
    setProblem(null);
    try {
      await addComment(requestId, body.trim());
      form.resetFields();
      onAdded();
    } catch (error) {
      setProblem(applyProblemToForm(form, error, ["body"]));
    } finally {
      setSending(false);
    }
  };
  return (
    <Flex vertical gap={12}>
      {comments.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("workflow.noComments")} />
      ) : (
        <List<RequestComment>
          size="small"
          dataSource={comments}
          data-testid="request-comments"
          renderItem={(comment) => (
            <List.Item key={comment.id}>
              <List.Item.Meta
                title={
                  <Flex gap={8} wrap>
                    <span>{comment.author.name}</span>
                    <Typography.Text type="secondary">{comment.author.unitName}</Typography.Text>
                    <Typography.Text type="secondary">{formatDateTime(comment.createdAt)}</Typography.Text>
                    <Typography.Text type="secondary">
                      {t("workflow.round", { round: comment.round })}
                    </Typography.Text>
                  </Flex>
                }
                description={<span style={{ whiteSpace: "pre-wrap", color: "inherit" }}>{comment.body}</span>}
              />
            </List.Item>
          )}
        />
      )}
      {canComment ? (
        <>
          <ProblemAlert problem={problem} />
          <Form<{ body: string }> form={form} name="comment" layout="vertical" onFinish={(v) => void send(v)}>
            <Form.Item
              name="body"
              label={t("workflow.addComment")}
              rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 4000 }]}
            >
              <Input.TextArea rows={2} maxLength={4000} />
            </Form.Item>
            <Button htmlType="submit" loading={sending}>
              {t("workflow.sendComment")}
            </Button>
          </Form>
        </>
      ) : null}
    </Flex>
  );
}
