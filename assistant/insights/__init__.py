"""Staff insights: what residents ask that the assistant cannot answer (store, analysis, groups, export)."""
