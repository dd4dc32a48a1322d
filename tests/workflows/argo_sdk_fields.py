"""Print the fields of the rendered manifests that one release of Argo's API does not know.

Run as a script, one SDK per process (every release is the same package, `argo_workflows`):
    python argo_sdk_fields.py SDK_DIR MANIFEST_DIR
SDK_DIR holds the argo-workflows Python SDK (PyPI; version 6.M.P is generated from Argo v3.M.P's OpenAPI),
e.g. `pip install --no-deps --target SDK_DIR argo-workflows==6.6.19`. Prints JSON: the SDK's version and
each unknown field as a dotted path (`[]` for a list item).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def unknown_fields(node, model, path: str, found: set[str]) -> None:
    """Walk `node` along the SDK's model classes (`attribute_map` names the JSON keys, `openapi_types` their types)."""
    from argo_workflows.model_utils import ModelNormal

    if isinstance(model, tuple):  # openapi_types gives a tuple of accepted types
        model = model[0]
    if isinstance(model, list):
        for item in node:
            unknown_fields(item, model[0], f"{path}[]", found)
    elif isinstance(model, type) and issubclass(model, ModelNormal) and isinstance(node, dict):
        keys = {json_key: name for name, json_key in model.attribute_map.items()}
        for key, value in node.items():
            if key in keys:
                unknown_fields(value, model.openapi_types[keys[key]], f"{path}.{key}", found)
            else:
                found.add(f"{path}.{key}")


def main(sdk: str, manifests: str) -> None:
    sys.path.insert(0, sdk)
    import argo_workflows
    from argo_workflows import models

    kinds = {
        "WorkflowTemplate": models.IoArgoprojWorkflowV1alpha1WorkflowTemplate,
        "CronWorkflow": models.IoArgoprojWorkflowV1alpha1CronWorkflow,
        "Workflow": models.IoArgoprojWorkflowV1alpha1Workflow,
    }
    found: set[str] = set()
    for path in sorted(Path(manifests).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        unknown_fields(doc, kinds[doc["kind"]], doc["kind"], found)
    print(json.dumps({"version": argo_workflows.__version__, "unknown": sorted(found)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
