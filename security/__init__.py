"""Pupils' data stays private: payload encryption for Temporal (codec, keys, the converter that carries them).

- codec: AES-256-GCM PayloadCodec with a key id per payload, so keys can be rotated.
- keys: payload keys from the settings (never the repository), `sendclock key new`, the embedded default key file.
- converter: the pydantic data converter with the codec when keys are configured (clients, worker, audit).
"""
