"""Extensions loaded by the Rasa server itself (NLU components, tracker store)."""
