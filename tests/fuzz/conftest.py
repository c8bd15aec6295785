"""The fuzz tier (issue #12 point 5, `make fuzz`): its own pytest run with its own stack, outside
tests/e2e so that `make e2e` and `make pytest` do not collect it. tests/fuzz/corpus.py and
tests/fuzz/markup.py are plain modules the property tests use too."""
