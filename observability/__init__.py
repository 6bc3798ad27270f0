"""Cross-cutting concerns shared by the engine, the workers and the desk (logging)."""
