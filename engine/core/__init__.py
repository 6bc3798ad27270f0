"""The engine core: one writer turning commands into records, appliers turning records into
state.

- `records`: the record shape (Zeebe's exporter JSON), value types and intents.
- `state`: in-memory state; `appliers`: the only code that changes it (also used for replay).
- `writer`: the per-batch record writer with its follow-up queue.
- command processors (validation, Zeebe's rejection wording): `commands` (all of them, plus
  process instances, decisions, variables, incidents), `job_commands`, `message_commands`,
  `user_task_commands`, `scheduling` (clock and due work), on `command_base`.
- BPMN behaviour, composed by `bpmn.Bpmn` from collaborators with one job each: `variables`,
  `incidents`, `event_triggers`, `element_flow` (flows, gateways, joins), `multi_instance`,
  `task_creation`, `message_starts`, `lifecycle` (activate/complete/terminate), which asks
  `element_processors.ELEMENT_PROCESSORS` what each element kind does. They reach the lifecycle
  through `element_steps.ElementSteps`; `record_values` builds every record value they write.
- `deployment`: resource deployment and versioning; `decisions`: DMN evaluation records.
- `expressions`: FEEL-or-literal attribute values (ISO 8601 timer texts are parsed by
  `engine.definitions.timer_expressions`).
- `query`: read-only views for adapters, the harness and dashboards.
"""
