"""The support loop: stored conversations, feedback, handoff to a person and agents' replies."""
