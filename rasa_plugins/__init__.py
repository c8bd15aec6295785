"""Extensions loaded by the Rasa server itself (NLU components, tracker store, the REST channel),
and the entry points that start Rasa and the action server (rasa_server, action_server)."""
