"""What the end-to-end tests of the commands that work on several tenants share."""

from __future__ import annotations

import json

import yaml

from connector.tenants import DOCUMENT_VARIABLE, FILE_VARIABLE
from sandboxes.stack import Stack, free_port


def with_unreachable_project(stack: Stack, tenant: str) -> dict[str, str]:
    """Settings that give a command the stack's document, but with the tenant's project
    at a closed port (its API and its authorization server), as CONNECTOR_CONFIG."""
    document = yaml.safe_load(stack.document_path.read_text())
    closed = f"http://127.0.0.1:{free_port()}"
    document["tenants"][tenant]["commercetools"].update(apiUrl=closed, authUrl=closed)
    return {FILE_VARIABLE: "", DOCUMENT_VARIABLE: json.dumps(document)}
