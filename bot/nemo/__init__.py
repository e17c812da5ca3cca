"""The typed async client of the NemoVideo agent API: errors, models, draft, stream events, client, wire vocabulary."""
