"""The extra of the asset events a component task emits: what its run produced."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import Context

if TYPE_CHECKING:
    from airflow_tfx_provider.runtime.launcher import LaunchResult


def outputs_extra(context: Context, result: LaunchResult) -> dict[str, Any]:
    """``{"dag_id", "run_id", "task_id", "execution_id", "cached", "outputs": {key: [artifact...]}}``.

    Each artifact is ``{"id", "type", "uri"}`` plus its ``span`` and ``version`` when it has them;
    when the outputs hold exactly one span it is repeated at the top level (``"span"``), so a
    pipeline scheduled on this asset can read it with ``span_from_asset_event=True``.
    """
    outputs: dict[str, list[dict[str, Any]]] = {}
    spans: set[int] = set()
    for key, refs in result.outputs.items():
        outputs[key] = []
        for ref in refs:
            entry: dict[str, Any] = {"id": ref.mlmd_id, "type": ref.type, "uri": ref.uri}
            for name in ("span", "version"):
                value = ref.properties.get(name)
                if isinstance(value, int) and not isinstance(value, bool):
                    entry[name] = value
            if "span" in entry:
                spans.add(entry["span"])
            outputs[key].append(entry)
    ti = context["ti"]
    extra: dict[str, Any] = {
        "dag_id": ti.dag_id,
        "run_id": ti.run_id,
        "task_id": ti.task_id,
        "execution_id": result.execution_id,
        "cached": result.cached,
        "outputs": outputs,
    }
    if len(spans) == 1:
        extra["span"] = spans.pop()
    return extra
