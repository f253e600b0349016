"""Search across every session's transcript: a bot's own full-text index where it keeps one,
else a scan of the transcripts with a byte-level pre-filter. No Textual here."""
