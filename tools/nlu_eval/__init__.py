"""`make nlu-eval`: the visitor message sets through the running assistant, against a peer (Rasa's
`rasa init` pipeline on the same data); see __main__.py. metrics.py is pure Python."""
