/**
 * The console's table: server-side pages (page/pageSize/total, "10,000+" when the API stops
 * counting), a toolbar for filters, and a column chooser whose choice is kept per table.
 */
import { SettingOutlined } from "@ant-design/icons";
import { Button, Checkbox, Flex, Popover, Table, type TableProps } from "antd";
import type { ColumnType } from "antd/es/table";
import type { ReactNode } from "react";
import { formatTotal } from "../format/format";
import { useLocalStorage } from "../hooks/useLocalStorage";
import { useI18n } from "../i18n/I18nProvider";

export interface DataColumn<T> extends ColumnType<T> {
  key: string;
  title: string;
  /** Columns that identify the row cannot be hidden. */
  fixedVisible?: boolean;
  /** Hidden until the user asks for it. */
  defaultHidden?: boolean;
}

export interface PageState {
  page: number;
  pageSize: number;
  total: number;
  totalIsLowerBound: boolean;
}

interface DataTableProps<T> {
  tableId: string;
  columns: DataColumn<T>[];
  rows: T[] | undefined;
  rowKey: keyof T & string;
  loading?: boolean;
  pageState?: PageState;
  onPageChange?: (page: number, pageSize: number) => void;
  toolbar?: ReactNode;
  caption?: string;
  expandable?: TableProps<T>["expandable"];
  footer?: ReactNode;
  /** A class for rows that need to stand out (overdue steps); say it in a cell too, not by colour alone. */
  rowClassName?: (row: T) => string;
  testId?: string;
}

export function DataTable<T extends object>({
  tableId,
  columns,
  rows,
  rowKey,
  loading,
  pageState,
  onPageChange,
  toolbar,
  caption,
  expandable,
  footer,
  rowClassName,
  testId,
}: DataTableProps<T>) {
  const { t } = useI18n();
  const defaultHidden = columns.filter((c) => c.defaultHidden).map((c) => c.key);
  const [hidden, setHidden] = useLocalStorage<string[]>(`edumis.columns.${tableId}`, defaultHidden);
  // The actions column stays in view when a wide table scrolls sideways.
  const visible = columns
    .filter((c) => c.fixedVisible || !hidden.includes(c.key))
    .map((c) => (c.key === "actions" ? { ...c, fixed: "right" as const } : c));
  const chooser = (
    <Flex vertical gap={4}>
      {columns.map((column) => (
        <Checkbox
          key={column.key}
          checked={column.fixedVisible || !hidden.includes(column.key)}
          disabled={column.fixedVisible}
          onChange={(event) =>
            setHidden(event.target.checked ? hidden.filter((k) => k !== column.key) : [...hidden, column.key])
          }
        >
          {column.title}
        </Checkbox>
      ))}
      <Button size="small" type="link" onClick={() => setHidden(defaultHidden)}>
        {t("table.resetColumns")}
      </Button>
    </Flex>
  );
  return (
    <div data-testid={testId}>
      <Flex justify="space-between" align="flex-start" gap={8} wrap style={{ marginBottom: 12 }}>
        <Flex gap={8} wrap align="center" style={{ flex: 1 }}>
          {toolbar}
        </Flex>
        <Popover content={chooser} title={t("table.columns")} trigger="click" placement="bottomRight">
          <Button icon={<SettingOutlined />} aria-label={t("table.columns")}>
            {t("table.columns")}
          </Button>
        </Popover>
      </Flex>
      <Table<T>
        size="middle"
        columns={visible}
        dataSource={rows}
        rowKey={rowKey}
        loading={loading}
        expandable={expandable}
        rowClassName={rowClassName}
        scroll={{ x: "max-content" }}
        title={caption ? () => caption : undefined}
        footer={footer ? () => footer : undefined}
        pagination={
          pageState
            ? {
                current: pageState.page,
                pageSize: pageState.pageSize,
                total: pageState.total,
                showSizeChanger: true,
                pageSizeOptions: [10, 20, 50, 100],
                showTotal: () =>
                  t("table.total", { total: formatTotal(pageState.total, pageState.totalIsLowerBound) }),
                onChange: (page, pageSize) =>
                  onPageChange?.(pageSize === pageState.pageSize ? page : 1, pageSize),
              }
            : false
        }
      />
    </div>
  );
}
