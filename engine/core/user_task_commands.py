"""Camunda user task commands: complete, assign/unassign, update."""

from __future__ import annotations

from typing import Any

from engine.access.rules import Action, Target
from engine.api import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from engine.core import record_values
from engine.core.command_base import CommandBase, check_variables
from engine.core.records import Intent, ValueType
from engine.core.state import UserTask


class UserTaskCommands(CommandBase):
    def _user_task(self, key: int, verb: str) -> UserTask:
        task = self.s.user_tasks.get(key)
        if task is None:
            raise NotFound(
                f"Expected to {verb} user task with key '{key}', but no such user task was found"
            )
        return task

    def _authorize_task(self, task: UserTask, action: Action, new_assignee: str = "") -> None:
        # The task as it is now, after every command logged before this one.
        live = {
            "userTaskKey": str(task.key),
            "assignee": task.assignee or None,
            "candidateUsers": list(task.candidate_users),
            "candidateGroups": list(task.candidate_groups),
        }
        self.authorize(action, Target(task=live, new_assignee=new_assignee))

    def complete_user_task(self, key: int, variables: Any, action: str) -> None:
        variables = check_variables(variables)
        task = self._user_task(key, "complete")
        self._authorize_task(task, Action.COMPLETE_USER_TASK)
        self.w.event(
            ValueType.USER_TASK,
            Intent.COMPLETED,
            key,
            record_values.user_task(task, variables=variables, action=action or "complete"),
        )
        instance = self.s.elements.get(task.element_instance_key)
        if instance is not None and instance.state == Intent.ELEMENT_ACTIVATED:
            self.bpmn.variables.merge_trigger_variables(instance, variables)
            self.bpmn.complete(instance.key)

    def assign_user_task(self, key: int, assignee: str, allow_override: bool) -> None:
        task = self._user_task(key, "assign")
        if assignee:
            self._authorize_task(task, Action.ASSIGN_USER_TASK, assignee)
        else:
            self._authorize_task(task, Action.UNASSIGN_USER_TASK)
        if task.assignee and not allow_override and task.assignee != assignee:
            raise FailedPrecondition(
                f"Expected to assign user task with key '{key}', but it is already assigned to "
                f"'{task.assignee}'"
            )
        self.w.event(
            ValueType.USER_TASK,
            Intent.ASSIGNED,
            key,
            record_values.user_task(
                task,
                assignee=assignee,
                changedAttributes=["assignee"],
                action="assign" if assignee else "unassign",
            ),
        )

    def update_user_task(self, key: int, changes: dict[str, Any]) -> None:
        task = self._user_task(key, "update")
        self._authorize_task(task, Action.UPDATE_USER_TASK)
        allowed = {
            "dueDate": "dueDate",
            "followUpDate": "followUpDate",
            "candidateGroups": "candidateGroupsList",
            "candidateUsers": "candidateUsersList",
            "priority": "priority",
        }
        if not isinstance(changes, dict):
            raise InvalidArgument("Expected the user task changes to be a JSON object")
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in allowed:
                raise InvalidArgument(
                    f"Cannot update user task attribute '{name}'; allowed: {', '.join(allowed)}"
                )
            if name in ("candidateGroups", "candidateUsers") and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise InvalidArgument(f"Expected '{name}' to be a list of strings")
            if name == "priority" and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100
            ):
                raise InvalidArgument("Expected 'priority' to be an integer between 0 and 100")
            if name in ("dueDate", "followUpDate") and not isinstance(value, str):
                raise InvalidArgument(f"Expected '{name}' to be an ISO 8601 date-time text")
            values[allowed[name]] = value
        self.w.event(
            ValueType.USER_TASK,
            Intent.UPDATED,
            key,
            record_values.user_task(
                task, **values, changedAttributes=sorted(values), action="update"
            ),
        )
