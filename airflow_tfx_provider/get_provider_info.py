"""Provider metadata for Airflow's ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider import __version__


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-tfx-provider",
        "name": "TFX (TensorFlow Extended)",
        "description": "Runs TFX pipelines natively on Airflow 3: one operator per TFX component, "
        "artifacts in XCom and ML Metadata.",
        "versions": [__version__],
        "cli": ["airflow_tfx_provider.cli.definition.get_cli_commands"],
        "integrations": [
            {
                "integration-name": "TensorFlow Extended (TFX)",
                "external-doc-url": "https://www.tensorflow.org/tfx",
                "tags": ["software"],
            }
        ],
        "operators": [
            {
                "integration-name": "TensorFlow Extended (TFX)",
                "python-modules": ["airflow_tfx_provider.operators"],
            }
        ],
        "hooks": [
            {
                "integration-name": "TensorFlow Extended (TFX)",
                "python-modules": ["airflow_tfx_provider.hooks.mlmd"],
            }
        ],
        "connection-types": [
            {
                "connection-type": "mlmd",
                "hook-class-name": "airflow_tfx_provider.hooks.mlmd.MLMDHook",
                "hook-name": "ML Metadata (MLMD)",
                "conn-fields": {
                    "backend": {
                        "label": "Backend",
                        "description": "sqlite (a file), mysql or postgresql",
                        "schema": {
                            "type": ["string", "null"],
                            "enum": ["sqlite", "mysql", "postgresql"],
                            "default": "sqlite",
                        },
                    },
                    "sqlite_path": {
                        "label": "SQLite file path",
                        "description": "Only for the sqlite backend: path of the MLMD database file",
                        "schema": {"type": ["string", "null"]},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["extra"],
                    "relabeling": {"schema": "Database", "login": "User"},
                    "placeholders": {
                        "host": "database host (mysql/postgresql)",
                        "port": "3306 (mysql) or 5432 (postgresql)",
                        "schema": "mlmd",
                    },
                },
            }
        ],
    }
