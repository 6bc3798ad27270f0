"""Identity and authorization: who is calling (for the adapters), and what they may do (one table
of rules, engine/access/rules.py, checked by the engine's command processor).

The gRPC authorizer lives in engine.access.gateway: importing this package must not load the
gateway, since the engine's core imports the rules."""

from engine.access.directory import (
    SUBJECT_GROUP_PREFIX,
    Directory,
    IdentityConfigError,
    load_directory,
    parse_directory,
)
from engine.access.identity import Identity
from engine.access.permissions import (
    Permission,
    can_view_user_task,
    has_permission,
    require,
    require_assign_user_task,
    require_complete_user_task,
    require_create_process_instance,
    require_unassign_user_task,
    require_update_user_task,
    require_view_user_task,
    user_task_visibility_filter,
)
from engine.access.principal import DEV_PRINCIPAL, Principal, Role
from engine.access.rpc_rules import RPC_RULES, rpc_limit
from engine.access.rules import RULES, Action, Kind, Limit, can_act_on_user_task, kind_of

__all__ = [
    "DEV_PRINCIPAL",
    "RPC_RULES",
    "RULES",
    "SUBJECT_GROUP_PREFIX",
    "Action",
    "Directory",
    "Identity",
    "IdentityConfigError",
    "Kind",
    "Limit",
    "Permission",
    "Principal",
    "Role",
    "can_act_on_user_task",
    "can_view_user_task",
    "has_permission",
    "kind_of",
    "load_directory",
    "parse_directory",
    "require",
    "require_assign_user_task",
    "require_complete_user_task",
    "require_create_process_instance",
    "require_unassign_user_task",
    "require_update_user_task",
    "require_view_user_task",
    "rpc_limit",
    "user_task_visibility_filter",
]
