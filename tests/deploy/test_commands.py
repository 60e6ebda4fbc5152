"""setup's output for a project that has none of deploy's resources yet."""

from connector.custom_types import CUSTOM_TYPES
from deploy.commands import setup
from deploy.resources import EXTENSION_KEY, authorization_header, payment_interface_condition
from tests.deploy.projects import RecordingProject


def dry_run(settings) -> list[str]:
    project, lines = RecordingProject(), []
    assert setup(settings, project, lines.append, dry_run=True) == 0
    assert project.written == []
    assert lines[-1] == "dry run: 3 resource(s) would change; nothing was changed"
    return lines


def test_a_dry_run_lists_each_type_it_would_create_with_its_fields(settings):
    lines = dry_run(settings)
    for custom_type in CUSTOM_TYPES:
        start = lines.index(f"would change type {custom_type.key}: create")
        fields = [f"  field {name}: String, optional" for name in custom_type.field_names]
        assert lines[start + 1].startswith(f"  key {custom_type.key}, for {custom_type.resource_type_id}, named ")
        assert lines[start + 2 : start + 2 + len(fields)] == fields


def test_a_dry_run_lists_the_extension_it_would_create_but_not_its_password(settings):
    lines = dry_run(settings)
    start = lines.index(f"would change extension {EXTENSION_KEY}: create")
    assert lines[start + 1 : start + 6] == [
        "  url https://connector.example.test/extension",
        "  trigger payment Create, Update",
        f"  condition {payment_interface_condition()}",
        "  timeout 10000 ms",
        "  authorization Basic, user commercetools (password not shown)",
    ]
    credentials = authorization_header(settings).removeprefix("Basic ")
    assert not [line for line in lines if settings.extension_password in line or credentials in line]
