"""Re-create the vendored schemas: `python deploy/k8s/schemas/vendor.py WHEEL_DIR` where WHEEL_DIR is
kubernetes-validate's wheel unpacked (`pip download --no-deps kubernetes-validate==1.37.0`, unzip).

Each kind's strict schema for Kubernetes v1.30 (kubernetes-json-schema/v1.30.0-local-strict) becomes
one self-contained file: its references into _definitions.json point into its own `$defs`, which
hold only the definitions it reaches. tests/unit/test_deploy_files.py validates deploy/k8s with them.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

VERSION = "v1.30.0-local-strict"
KINDS = ("deployment-apps-v1", "service-v1", "secret-v1", "configmap-v1", "job-batch-v1",
         "horizontalpodautoscaler-autoscaling-v2")
REF = re.compile(r'"\$ref": "(?:/api/_definitions\.json)?#/\$defs/([^"]+)"')


def main(wheel_dir: str) -> None:
    source = Path(wheel_dir) / "kubernetes_validate" / "kubernetes-json-schema" / VERSION
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    for kind in KINDS:
        text = (source / f"{kind}.json").read_text()
        reached, pending = {}, set(REF.findall(text))
        while pending:
            name = pending.pop()
            if name not in reached:
                reached[name] = definitions[name]
                pending |= set(REF.findall(json.dumps(definitions[name], indent=2)))
        schema = json.loads(text.replace('"/api/_definitions.json#/$defs/', '"#/$defs/'))
        schema["$defs"] = {name: reached[name] for name in sorted(reached)}
        out = Path(__file__).parent / f"{kind}.json"
        out.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
        print(f"{out.name}: {len(reached)} definitions")


if __name__ == "__main__":
    main(sys.argv[1])
