/**
 * The organisation tree from the user's scope down, loaded one level at a time as the clerk
 * opens it (a province has thousands of schools). The selected unit's branch opens by itself.
 */
import { useQueryClient } from "@tanstack/react-query";
import { Tree, Typography } from "antd";
import type { DataNode } from "antd/es/tree";
import { type Key, useEffect, useState } from "react";
import type { Unit } from "../../../shared/api/types";
import { fetchChildren, unitKeys, useUnit } from "../../../shared/api/units";
import { useI18n } from "../../../shared/i18n/I18nProvider";

const TREE_PAGE = 200;

interface Loaded {
  items: Unit[];
  total: number;
}

export function UnitTree({
  rootId,
  selectedId,
  openPath,
  onSelect,
}: {
  rootId: number;
  selectedId: number;
  /** Ids from the root down to the selected unit, opened on arrival. */
  openPath: number[];
  onSelect: (id: number) => void;
}) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const { data: root } = useUnit(rootId);
  const [loaded, setLoaded] = useState<Record<number, Loaded>>({});
  const [expanded, setExpanded] = useState<Key[]>(openPath);

  const pathKey = openPath.join("/");
  useEffect(() => {
    const ids = pathKey ? pathKey.split("/").map(Number) : [];
    setExpanded((previous) => [...new Set([...previous, ...ids])]);
  }, [pathKey]);

  // After a change (rename, close…) the unit queries are invalidated; drop our copies too.
  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        if (event.type === "removed" || (event.type === "updated" && event.action.type === "invalidate")) {
          const key = event.query.queryKey;
          if (key[0] === "units" && key[2] === "children" && typeof key[1] === "number") {
            const id = key[1];
            setLoaded((previous) => {
              if (!(id in previous)) return previous;
              const { [id]: _dropped, ...rest } = previous;
              return rest;
            });
          }
        }
      }),
    [queryClient],
  );

  const load = async (id: number) => {
    const filter = { page: 1, pageSize: TREE_PAGE };
    const page = await queryClient.fetchQuery({
      queryKey: unitKeys.children(id, filter),
      queryFn: () => fetchChildren(id, filter),
    });
    setLoaded((previous) => ({ ...previous, [id]: { items: page.items, total: page.total } }));
  };

  const toNode = (unit: Unit): DataNode => {
    const children = loaded[unit.id];
    const node: DataNode = {
      key: unit.id,
      title: (
        <span>
          {unit.name}
          {unit.status !== "active" ? (
            <Typography.Text type="secondary"> （{t(`unit.status.${unit.status}`)}）</Typography.Text>
          ) : null}
        </span>
      ),
      isLeaf: unit.kind === "school" || unit.childCount === 0,
    };
    if (children) {
      node.children = children.items.map(toNode);
      if (children.total > children.items.length) {
        node.children.push({
          key: `more-${unit.id}`,
          title: (
            <Typography.Text type="secondary">{t("tree.more", { total: children.total })}</Typography.Text>
          ),
          isLeaf: true,
          selectable: false,
        });
      }
    }
    return node;
  };

  if (!root) return null;
  return (
    <Tree
      aria-label={t("tree.label")}
      treeData={[toNode(root.unit)]}
      loadData={(node) => load(Number(node.key))}
      expandedKeys={expanded}
      onExpand={(keys) => setExpanded(keys)}
      selectedKeys={[selectedId]}
      onSelect={(keys) => {
        const [key] = keys;
        if (typeof key === "number") onSelect(key);
      }}
      height={540}
      blockNode
      data-testid="unit-tree"
    />
  );
}
