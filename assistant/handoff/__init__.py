"""Hand-off to human officers: services and routing (routing.py), office hours (hours.py), the request queue and
its state machine (queue.py), officers and their sessions (officers.py), the audit log (audit.py)."""
