"""Reading progress shared with other devices over KOReader's progress-sync protocol.

Pure Python, no Textual: :mod:`digest` names a document as KOReader does, :mod:`xpointer`
turns a story offset into a KOReader XPointer and back, :mod:`client` speaks the protocol,
:mod:`account` keeps the login and the small sync state in the state folder, and
:mod:`service` ties them to one open story (pull, decide whether to offer a jump, push with
retry).
"""
