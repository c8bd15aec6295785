"""The assistant's own code, no Rasa imports: layers that import only those below (docs/architecture.md)."""
