"""The staff dashboard's business logic, one module per concern: the queue, one intake and its
status workflow, alerts, appointments by day and week, and the audit log.

No web or Rasa imports. Every function works on the caller's SQLAlchemy Session and nothing here
commits: the caller's `session_scope` does.
"""
