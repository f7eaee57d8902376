"""The review's protocol: pre-specified analyses (``protocol.yaml``) and which reports enter each."""
