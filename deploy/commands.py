"""setup, status and teardown against a commercetools project."""

from __future__ import annotations

from collections.abc import Callable

from commercetools.platform.models import (
    CustomObjectDraft,
    ExtensionDraft,
    ExtensionUpdate,
    TypeDraft,
    TypeUpdate,
)

from connector.ctp import Commercetools
from connector.custom_types import CUSTOM_TYPES
from connector.settings import Settings

from .resources import (
    EXTENSION_KEY,
    FINGERPRINT_CONTAINER,
    FINGERPRINT_KEY,
    Plan,
    authorization_header,
    extension_plan,
    fingerprint,
    type_plan,
)

Print = Callable[[str], None]


class Project:
    """The commercetools resources deploy manages, read and written through the SDK."""

    def __init__(self, commercetools: Commercetools):
        self.ct = commercetools

    def type(self, key: str) -> dict | None:
        found = self.ct.call(lambda project: project.types().with_key(key).get())
        return found.serialize() if found else None

    def extension(self) -> dict | None:
        found = self.ct.call(lambda project: project.extensions().with_key(EXTENSION_KEY).get())
        return found.serialize() if found else None

    def fingerprint(self) -> dict | None:
        found = self.ct.call(
            lambda project: (
                project.custom_objects().with_container_and_key(FINGERPRINT_CONTAINER, FINGERPRINT_KEY).get()
            )
        )
        return found.value if found else None

    def plans(self, settings: Settings, tenant: str | None = None) -> list[Plan]:
        plans = [type_plan(custom_type, self.type(custom_type.key)) for custom_type in CUSTOM_TYPES]
        plans.append(extension_plan(settings, self.extension(), self.fingerprint(), tenant))
        return plans

    def apply_type(self, key: str, plan: Plan) -> None:
        if plan.create:
            draft = TypeDraft.deserialize(plan.create)
            self.ct.call(lambda project: project.types().post(draft))
        elif plan.actions:
            update = TypeUpdate.deserialize({"version": plan.version, "actions": plan.actions})
            self.ct.call(lambda project: project.types().with_key(key).post(update))

    # Alike in shape to apply_type: the SDK has a draft and an update class per resource.
    def apply_extension(self, plan: Plan, header: str) -> None:
        if plan.create:
            extension = ExtensionDraft.deserialize(plan.create)
            self.ct.call(lambda project: project.extensions().post(extension))
        elif plan.actions:
            update = ExtensionUpdate.deserialize({"version": plan.version, "actions": plan.actions})
            self.ct.call(lambda project: project.extensions().with_key(EXTENSION_KEY).post(update))
        else:
            return
        draft = CustomObjectDraft(container=FINGERPRINT_CONTAINER, key=FINGERPRINT_KEY, value=fingerprint(header))
        self.ct.call(lambda project: project.custom_objects().post(draft))

    def remove_extension(self) -> bool:
        current = self.extension()
        if current is None:
            return False
        self.ct.call(lambda project: project.extensions().with_key(EXTENSION_KEY).delete(version=current["version"]))
        self.ct.call(
            lambda project: (
                project.custom_objects().with_container_and_key(FINGERPRINT_CONTAINER, FINGERPRINT_KEY).delete()
            )
        )
        return True


def _describe(plan: Plan) -> str:
    return f"{plan.resource}: {'up to date' if plan.up_to_date else ', '.join(plan.changes)}"


def setup(settings: Settings, project: Project, out: Print, dry_run: bool = False, tenant: str | None = None) -> int:
    plans = project.plans(settings, tenant)
    *type_plans, extension = plans
    for plan in plans:
        out(("would change " if dry_run and not plan.up_to_date else "") + _describe(plan))
        for detail in plan.details:
            out(f"  {detail}")
    if not dry_run:
        for custom_type, plan in zip(CUSTOM_TYPES, type_plans, strict=True):
            project.apply_type(custom_type.key, plan)
        project.apply_extension(extension, authorization_header(settings))
    changed = sum(not plan.up_to_date for plan in plans)
    if dry_run:
        out(f"dry run: {changed} resource(s) would change; nothing was changed")
    else:
        out(f"done: {changed} resource(s) changed")
    return 0


def status(settings: Settings, project: Project, out: Print, tenant: str | None = None) -> int:
    plans = project.plans(settings, tenant)
    for plan in plans:
        out(_describe(plan))
    drifted = [plan for plan in plans if not plan.up_to_date]
    out("the project matches the configuration" if not drifted else f"{len(drifted)} resource(s) differ; run setup")
    return 1 if drifted else 0


def teardown(project: Project, out: Print) -> int:
    removed = project.remove_extension()
    out(f"extension {EXTENSION_KEY}: {'removed' if removed else 'not registered'}")
    out("custom types are kept: payments use them")
    return 0
