"""Export one session: its transcript with metadata, tokens, cost, tool calls and results, in
Markdown for people or JSON for tools; streamed a page at a time. No Textual here."""
