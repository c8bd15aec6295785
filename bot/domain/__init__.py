"""The clinic's rules in pure Python (profile, scheduling, screening, safety, wording); imports only itself."""
