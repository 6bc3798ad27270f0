"""Identity and authorization for the engine's adapters: who is calling, and what they may do."""

from engine.access.directory import (
    SUBJECT_GROUP_PREFIX,
    Directory,
    IdentityConfigError,
    load_directory,
    parse_directory,
)
from engine.access.gateway import grpc_authorizer
from engine.access.identity import Identity
from engine.access.permissions import (
    Permission,
    can_act_on_user_task,
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
from engine.access.rpc_rules import RPC_RULES, Kind, Limit, kind_of, rpc_limit

__all__ = [
    "DEV_PRINCIPAL",
    "RPC_RULES",
    "SUBJECT_GROUP_PREFIX",
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
    "grpc_authorizer",
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
