"""WhatsApp chat exports: `archive.read_chat_upload` opens an upload, `parser.parse_chat` reads its text.

Pure Python with no models, so the evidence views, the `parse_chat` command and the benchmark share it.
"""
