"""`make bench`: full scripted booking conversations (tools/bench/script.py) at N = 1, 10 and 50
concurrent visitors through the assistant's gateway and REST channel and through the peer, a bare
Rasa bot (bench/peer/); writes bench/results/latest.json, latest.md and the plots."""
