"""results.json: the document, its codec, and merging runs."""
